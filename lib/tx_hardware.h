/* -*- c++ -*- */
/*
 * Copyright 2026 gr-ddpm authors.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#ifndef INCLUDED_DDPM_TX_HARDWARE_H
#define INCLUDED_DDPM_TX_HARDWARE_H

#include <gnuradio/ddpm/impairment_params.h>
#include <cmath>

namespace gr {
namespace ddpm {

/*!
 * The memoryless part of the transmitter hardware of impairment_params (docs/channel.md, "Transmitter
 * hardware"): IQ imbalance and DC offset at the modulator, then the PA's Rapp AM/AM and Saleh-form
 * AM/PM. Phase noise has state and lives in the block. Coefficients are computed once per parameter set.
 */
class tx_hardware
{
public:
    explicit tx_hardware(const impairment_params& p)
    {
        const double deg = 3.14159265358979323846 / 180.0;
        const double g = std::pow(10.0, p.iq_amp_db / 20.0);
        const double phi = p.iq_phase_deg * deg;
        d_iq = (p.iq_amp_db != 0.0 || p.iq_phase_deg != 0.0);
        // u = K1 x + K2 conj(x), K1 = (1 + g e^{-j phi})/2, K2 = (1 - g e^{j phi})/2
        d_k1_re = 0.5 * (1.0 + g * std::cos(phi));
        d_k1_im = -0.5 * g * std::sin(phi);
        d_k2_re = 0.5 * (1.0 - g * std::cos(phi));
        d_k2_im = -0.5 * g * std::sin(phi);
        d_dc_re = p.dc_re;
        d_dc_im = p.dc_im;
        d_rapp = p.pa_sat > 0.0;
        d_sat = p.pa_sat;
        d_two_p = 2.0 * p.pa_p;
        d_ampm = p.pm_alpha != 0.0;
        d_alpha = p.pm_alpha;
        d_beta = p.pm_beta;
    }

    //! x (unit scale) -> PA output, in place
    void apply(double& re, double& im) const
    {
        if (d_iq) {
            const double u_re = d_k1_re * re - d_k1_im * im + d_k2_re * re + d_k2_im * im;
            const double u_im = d_k1_re * im + d_k1_im * re + d_k2_im * re - d_k2_re * im;
            re = u_re;
            im = u_im;
        }
        re += d_dc_re;
        im += d_dc_im;
        if (d_rapp || d_ampm) {
            const double r2 = re * re + im * im;
            if (r2 > 0.0) {
                double gain = 1.0;
                if (d_rapp) // A(r)/r = (1 + (r/sat)^(2p))^(-1/(2p))
                    gain = std::pow(1.0 + std::pow(std::sqrt(r2) / d_sat, d_two_p), -1.0 / d_two_p);
                double c = gain, s = 0.0;
                if (d_ampm) {
                    const double ph = d_alpha * r2 / (1.0 + d_beta * r2);
                    c = gain * std::cos(ph);
                    s = gain * std::sin(ph);
                }
                const double v_re = c * re - s * im;
                const double v_im = c * im + s * re;
                re = v_re;
                im = v_im;
            }
        }
    }

private:
    bool d_iq, d_rapp, d_ampm;
    double d_k1_re, d_k1_im, d_k2_re, d_k2_im, d_dc_re, d_dc_im;
    double d_sat, d_two_p, d_alpha, d_beta;
};

} // namespace ddpm
} // namespace gr

#endif /* INCLUDED_DDPM_TX_HARDWARE_H */
