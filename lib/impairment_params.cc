/*
 * Copyright 2026 gr-ddpm authors.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <gnuradio/ddpm/impairment_params.h>
#include <cmath>
#include <limits>
#include <sstream>
#include <stdexcept>

namespace gr {
namespace ddpm {

namespace {

std::string fmt(double v)
{
    std::ostringstream os;
    os.precision(17);
    os << v;
    return os.str();
}

// lo <= v <= hi (lo_open: lo < v), v finite
void check_range(const char* name, double v, double lo, double hi, bool lo_open = false)
{
    const bool ok = std::isfinite(v) && (lo_open ? v > lo : v >= lo) && v <= hi;
    if (!ok) {
        std::ostringstream os;
        os << "impairment_params: " << name << " = " << fmt(v)
           << (std::isfinite(v) ? " is out of range" : " is not a finite number")
           << "; allowed " << fmt(lo) << (lo_open ? " < " : " <= ") << name
           << " <= " << fmt(hi);
        throw std::invalid_argument(os.str());
    }
}

void check_choice(const char* name, int v, const char* choices)
{
    if (v != 0 && v != 1) {
        std::ostringstream os;
        os << "impairment_params: " << name << " = " << v << " is not allowed; allowed "
           << choices;
        throw std::invalid_argument(os.str());
    }
}

} // namespace

impairment_params::impairment_params(double snr_db_,
                                     double kappa_t_,
                                     double kappa_r_,
                                     double power_,
                                     int quant_bits_,
                                     double full_scale_,
                                     int fading_,
                                     int coherence_len_,
                                     int noise_,
                                     uint64_t seed_,
                                     int antennas_,
                                     int csi_,
                                     double pa_sat_,
                                     double pa_p_,
                                     double pm_alpha_,
                                     double pm_beta_,
                                     double iq_amp_db_,
                                     double iq_phase_deg_,
                                     double dc_re_,
                                     double dc_im_,
                                     int pn_model_,
                                     double pn_deg_,
                                     double pn_corr_len_)
    : snr_db(snr_db_),
      kappa_t(kappa_t_),
      kappa_r(kappa_r_),
      power(power_),
      quant_bits(quant_bits_),
      full_scale(full_scale_),
      fading(fading_),
      coherence_len(coherence_len_),
      noise(noise_),
      seed(seed_),
      antennas(antennas_),
      csi(csi_),
      pa_sat(pa_sat_),
      pa_p(pa_p_),
      pm_alpha(pm_alpha_),
      pm_beta(pm_beta_),
      iq_amp_db(iq_amp_db_),
      iq_phase_deg(iq_phase_deg_),
      dc_re(dc_re_),
      dc_im(dc_im_),
      pn_model(pn_model_),
      pn_deg(pn_deg_),
      pn_corr_len(pn_corr_len_)
{
}

std::vector<std::string> impairment_params::names()
{
    return { "snr_db",     "kappa_t", "kappa_r",       "power", "quant_bits",
             "full_scale", "fading",  "coherence_len", "noise", "seed",
             "antennas",   "csi",     "pa_sat",        "pa_p",  "pm_alpha",
             "pm_beta",    "iq_amp_db", "iq_phase_deg", "dc_re", "dc_im",
             "pn_model",   "pn_deg",  "pn_corr_len" };
}

std::vector<std::string> impairment_params::hardware_names()
{
    return { "pa_sat", "pa_p",  "pm_alpha", "pm_beta", "iq_amp_db",  "iq_phase_deg",
             "dc_re",  "dc_im", "pn_model", "pn_deg",  "pn_corr_len" };
}

bool impairment_params::hardware_on() const
{
    return pa_sat > 0.0 || pm_alpha != 0.0 || iq_amp_db != 0.0 || iq_phase_deg != 0.0 ||
           dc_re != 0.0 || dc_im != 0.0 || (pn_model != PN_OFF && pn_deg > 0.0);
}

double impairment_params::value(const std::string& name) const
{
    if (name == "snr_db")
        return snr_db;
    if (name == "kappa_t")
        return kappa_t;
    if (name == "kappa_r")
        return kappa_r;
    if (name == "power")
        return power;
    if (name == "quant_bits")
        return quant_bits;
    if (name == "full_scale")
        return full_scale;
    if (name == "fading")
        return fading;
    if (name == "coherence_len")
        return coherence_len;
    if (name == "noise")
        return noise;
    if (name == "seed")
        return static_cast<double>(seed);
    if (name == "antennas")
        return antennas;
    if (name == "csi")
        return csi;
    if (name == "pa_sat")
        return pa_sat;
    if (name == "pa_p")
        return pa_p;
    if (name == "pm_alpha")
        return pm_alpha;
    if (name == "pm_beta")
        return pm_beta;
    if (name == "iq_amp_db")
        return iq_amp_db;
    if (name == "iq_phase_deg")
        return iq_phase_deg;
    if (name == "dc_re")
        return dc_re;
    if (name == "dc_im")
        return dc_im;
    if (name == "pn_model")
        return pn_model;
    if (name == "pn_deg")
        return pn_deg;
    if (name == "pn_corr_len")
        return pn_corr_len;
    throw std::invalid_argument("impairment_params: unknown parameter name '" + name + "'");
}

void impairment_params::validate() const
{
    check_range("snr_db", snr_db, -100.0, 300.0);
    check_range("kappa_t", kappa_t, 0.0, 100.0);
    check_range("kappa_r", kappa_r, 0.0, 100.0);
    check_range("power", power, 0.0, 1e6, true);
    check_range("quant_bits", quant_bits, 0, 16);
    check_range("full_scale", full_scale, 0.0, 1e6, true);
    check_choice("fading", fading, "0 (FADING_NONE, 'none') or 1 (FADING_RAYLEIGH, 'rayleigh')");
    check_range("coherence_len", coherence_len, 1, 1 << 30);
    check_choice(
        "noise", noise, "0 (NOISE_GAUSSIAN, 'gaussian') or 1 (NOISE_LAPLACIAN, 'laplacian')");
    check_range("antennas", antennas, 1, 64);
    check_choice("csi", csi, "0 (no CSI, equal power) or 1 (CSI, maximum-ratio transmission)");
    if (!(pa_sat == 0.0)) {
        if (!std::isfinite(pa_sat) || pa_sat < 0.01 || pa_sat > 1000.0) {
            std::ostringstream os;
            os << "impairment_params: pa_sat = " << fmt(pa_sat)
               << (std::isfinite(pa_sat) ? " is out of range" : " is not a finite number")
               << "; allowed pa_sat = 0 (linear PA) or 0.01 <= pa_sat <= 1000";
            throw std::invalid_argument(os.str());
        }
    }
    check_range("pa_p", pa_p, 0.1, 100.0);
    check_range("pm_alpha", pm_alpha, -10.0, 10.0);
    check_range("pm_beta", pm_beta, 0.0, 1000.0);
    check_range("iq_amp_db", iq_amp_db, -20.0, 20.0);
    check_range("iq_phase_deg", iq_phase_deg, -45.0, 45.0);
    check_range("dc_re", dc_re, -10.0, 10.0);
    check_range("dc_im", dc_im, -10.0, 10.0);
    if (pn_model != PN_OFF && pn_model != PN_WIENER && pn_model != PN_PLL) {
        std::ostringstream os;
        os << "impairment_params: pn_model = " << pn_model
           << " is not allowed; allowed 0 (PN_OFF, 'off'), 1 (PN_WIENER, 'wiener') or 2 (PN_PLL, 'pll')";
        throw std::invalid_argument(os.str());
    }
    check_range("pn_deg", pn_deg, 0.0, 180.0);
    check_range("pn_corr_len", pn_corr_len, 1.0, 1e9);
}

double impairment_params::noise_var() const { return power * std::pow(10.0, -snr_db / 10.0); }

double impairment_params::effective_noise_var(double h_abs2, double h_norm2) const
{
    if (!(h_abs2 > 0.0) || !std::isfinite(h_abs2) || std::isnan(h_norm2))
        return std::numeric_limits<double>::infinity();
    const double nt = antennas;
    if (!(h_norm2 >= 0.0)) {
        // only g is known: E[||h||^2 | g]
        if (antennas == 1 || csi)
            h_norm2 = h_abs2;
        else if (fading == FADING_NONE)
            h_norm2 = 1.0;
        else
            h_norm2 = h_abs2 + (nt - 1.0);
    }
    const double tx = (antennas == 1) ? kappa_t : kappa_t * h_norm2 / (nt * h_abs2);
    return tx + kappa_r + std::pow(10.0, -snr_db / 10.0) / h_abs2;
}

std::string impairment_params::to_string() const
{
    std::ostringstream os;
    os << "snr_db=" << snr_db << " kappa_t=" << kappa_t << " kappa_r=" << kappa_r
       << " power=" << power << " quant_bits=" << quant_bits << " full_scale=" << full_scale
       << " fading=" << (fading == FADING_RAYLEIGH ? "rayleigh" : "none")
       << " coherence_len=" << coherence_len
       << " noise=" << (noise == NOISE_LAPLACIAN ? "laplacian" : "gaussian") << " seed=" << seed
       << " antennas=" << antennas << " csi=" << csi << " pa_sat=" << pa_sat << " pa_p=" << pa_p
       << " pm_alpha=" << pm_alpha << " pm_beta=" << pm_beta << " iq_amp_db=" << iq_amp_db
       << " iq_phase_deg=" << iq_phase_deg << " dc_re=" << dc_re << " dc_im=" << dc_im
       << " pn_model=" << (pn_model == PN_WIENER ? "wiener" : (pn_model == PN_PLL ? "pll" : "off"))
       << " pn_deg=" << pn_deg << " pn_corr_len=" << pn_corr_len;
    return os.str();
}

} // namespace ddpm
} // namespace gr
