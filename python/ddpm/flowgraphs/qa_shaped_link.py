"""The shaped link with real bytes (gnuradio.ddpm.flowgraphs.shaped_link): every PMF source delivers the bytes
intact on a clean channel, and at 10 dB the measured MI shows the shaping gain."""
import math

import pytest

from gnuradio.ddpm.flowgraphs.shaped_link import run_shaped_link


@pytest.mark.parametrize("source", ["uniform", "ddpm", "mb", "ba"])
def test_bytes_arrive_intact_at_30_db(source):
    """16-QAM at 30 dB: the symbol error rate is ~1e-20, so every byte must come back (lossless round trip)."""
    r = run_shaped_link(source, snr_db=30.0, n=256, blocks_sent=16)
    assert r["bytes_out"] == r["bytes_in"] > 0
    assert r["byte_error_rate"] == 0.0
    assert r["mi"] <= math.log2(1 + 1000.0)


def test_mb_link_carries_more_information_than_uniform_at_10_db():
    """32 768 symbols per link: the data-driven MI estimate has a standard error of about 1 bit / sqrt(N) = 0.006;
    MB's expected gain is 0.09 bit, so the measured gain must exceed 0.05 (> 4 standard errors of the
    difference), and each measurement must agree with its expected MI within 5 standard errors."""
    uni = run_shaped_link("uniform", snr_db=10.0, n=1024, blocks_sent=32)
    mb = run_shaped_link("mb", snr_db=10.0, n=1024, blocks_sent=32)
    se = 1.0 / math.sqrt(uni["symbols"])
    assert mb["mi"] - uni["mi"] > 0.05
    for r in (uni, mb):
        assert abs(r["mi"] - r["expected_mi"]) < 5 * se
    # what a code can carry after the matcher's loss: still above uniform at n = 1024
    assert mb["mi"] - mb["rate_loss"] > uni["mi"]
