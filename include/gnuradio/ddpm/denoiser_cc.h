/* -*- c++ -*- */
/*
 * Copyright 2026 gr-ddpm authors.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#ifndef INCLUDED_DDPM_DENOISER_CC_H
#define INCLUDED_DDPM_DENOISER_CC_H

#include <gnuradio/ddpm/api.h>
#include <gnuradio/sync_block.h>

namespace gr {
  namespace ddpm {

    /*!
     * \brief <+description of block+>
     * \ingroup ddpm
     *
     */
    class DDPM_API denoiser_cc : virtual public gr::sync_block
    {
     public:
      typedef std::shared_ptr<denoiser_cc> sptr;

      /*!
       * \brief Return a shared_ptr to a new instance of ddpm::denoiser_cc.
       *
       * To avoid accidental use of raw pointers, ddpm::denoiser_cc's
       * constructor is in a private implementation
       * class. ddpm::denoiser_cc::make is the public interface for
       * creating new instances.
       */
      static sptr make(const std::string& model="qam16", int sampler=1, int steps=10, float eta=0.0, int batch=1024, int threads=1, unsigned long seed=0, float snr_db=20.0, int equalize=1, int output=0);
    };

  } // namespace ddpm
} // namespace gr

#endif /* INCLUDED_DDPM_DENOISER_CC_H */
