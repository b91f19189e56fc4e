/* -*- c++ -*- */
/*
 * Copyright 2026 gr-ddpm authors.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#ifndef INCLUDED_DDPM_IMPAIRMENT_INJECTOR_CC_H
#define INCLUDED_DDPM_IMPAIRMENT_INJECTOR_CC_H

#include <gnuradio/ddpm/api.h>
#include <gnuradio/sync_block.h>

namespace gr {
  namespace ddpm {

    /*!
     * \brief <+description of block+>
     * \ingroup ddpm
     *
     */
    class DDPM_API impairment_injector_cc : virtual public gr::sync_block
    {
     public:
      typedef std::shared_ptr<impairment_injector_cc> sptr;

      /*!
       * \brief Return a shared_ptr to a new instance of ddpm::impairment_injector_cc.
       *
       * To avoid accidental use of raw pointers, ddpm::impairment_injector_cc's
       * constructor is in a private implementation
       * class. ddpm::impairment_injector_cc::make is the public interface for
       * creating new instances.
       */
      static sptr make(float snr_db=20.0, float kappa_t=0.0, float kappa_r=0.0, float power=1.0, int quant_bits=0, float full_scale=1.5, int fading=0, int coherence_len=1000, int noise=0, unsigned long seed=0);
    };

  } // namespace ddpm
} // namespace gr

#endif /* INCLUDED_DDPM_IMPAIRMENT_INJECTOR_CC_H */
