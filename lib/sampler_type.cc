/*
 * Copyright 2026 gr-ddpm authors.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
// The one table of sampler names: enum value <-> name <-> GRC label.
#include <gnuradio/ddpm/sampler_type.h>
#include <cctype>
#include <stdexcept>

namespace gr {
namespace ddpm {
namespace kernel {

namespace {

struct sampler_entry {
    sampler_type type;
    const char* name;
    const char* label;
};

// in enum order: index = int value (checked by lib/qa_step_plan.cc)
const sampler_entry SAMPLERS[] = {
    { sampler_type::PAPER, "paper", "Paper (full chain from x_T = y)" },
    { sampler_type::MATCHED, "matched", "SNR-matched DDPM" },
    { sampler_type::DDIM, "ddim", "DDIM from matched step" },
};
constexpr int NSAMPLERS = int(sizeof(SAMPLERS) / sizeof(SAMPLERS[0]));

// "0 (paper), 1 (matched) or 2 (ddim)" / "paper, matched or ddim"
std::string choices(bool with_values)
{
    std::string s;
    for (int i = 0; i < NSAMPLERS; i++) {
        if (i > 0)
            s += i + 1 < NSAMPLERS ? ", " : " or ";
        s += with_values ? std::to_string(i) + " (" + SAMPLERS[i].name + ")" : SAMPLERS[i].name;
    }
    return s;
}

const sampler_entry& entry(sampler_type type)
{
    const int i = static_cast<int>(type);
    if (i < 0 || i >= NSAMPLERS)
        throw std::invalid_argument("unknown sampler type " + std::to_string(i) + " (choose " +
                                    choices(true) + ")");
    return SAMPLERS[i];
}

} // namespace

std::string sampler_name(sampler_type type) { return entry(type).name; }

std::string sampler_label(sampler_type type) { return entry(type).label; }

sampler_type sampler_from_name(const std::string& name)
{
    std::string v = name;
    for (auto& ch : v)
        ch = char(std::tolower(static_cast<unsigned char>(ch)));
    for (const auto& e : SAMPLERS)
        if (v == e.name)
            return e.type;
    throw std::invalid_argument("unknown sampler '" + name + "' (choose " + choices(false) + ")");
}

sampler_type sampler_from_int(int value, const std::string& what)
{
    if (value < 0 || value >= NSAMPLERS)
        throw std::invalid_argument(what + " must be " + choices(true) + ", got " +
                                    std::to_string(value));
    return SAMPLERS[value].type;
}

std::vector<std::string> sampler_names()
{
    std::vector<std::string> v;
    for (const auto& e : SAMPLERS)
        v.emplace_back(e.name);
    return v;
}

std::vector<std::string> sampler_labels()
{
    std::vector<std::string> v;
    for (const auto& e : SAMPLERS)
        v.emplace_back(e.label);
    return v;
}

} // namespace kernel
} // namespace ddpm
} // namespace gr
