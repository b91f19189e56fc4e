"""examples/zmq_rx.grc after a transmitter restart in the middle of a byte: the first transmitter stops after an
odd number of 4-bit symbols (as when it is killed), a second one (examples/zmq_tx.grc) sends a file. The receiver
must drop the dangling nibble at the second transmitter's "tx_start" tag and deliver every later byte exactly
(blocks.repack_bits_bb stayed 4 bits out of step for good), and report the restart ("byte alignment:")."""
import os
import subprocess
import sys
import textwrap

import numpy as np

from grc_tools import free_port, grcc  # tests/fixtures, on sys.path via the root conftest.py

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TIMEOUT = 90  # s per process



FIRST_NIBBLES = 2001      # 1000 bytes and half of one more: the first transmitter stops mid-byte

KILLED_TX = textwrap.dedent("""
    import sys
    import numpy as np, pmt
    from gnuradio import blocks, digital, gr, zeromq
    from gnuradio import ddpm
    from gnuradio.ddpm.core import constellations
    port, path = int(sys.argv[1]), sys.argv[2]
    nib = np.fromfile(path, dtype=np.uint8)
    tag = gr.tag_utils.python_to_tag((0, pmt.intern("tx_start"), pmt.from_long(0), pmt.intern("file_source")))
    tb = gr.top_block()
    src = blocks.vector_source_b(nib.tolist(), False, 1, [tag])
    mapper = digital.chunks_to_symbols_bc(constellations.qam(16).tolist(), 1)
    inj = ddpm.impairment_injector_cc(snr_db=25.0, kappa_t=0.0, kappa_r=0.0, power=1.0, quant_bits=0,
                                      full_scale=1.5, fading=0, coherence_len=1000, noise=0, seed=1,
                                      antennas=1, csi=0)
    snk = zeromq.push_sink(gr.sizeof_gr_complex, 1, "tcp://127.0.0.1:%d" % port, 100, True, -1)
    tb.connect(src, mapper, inj, snk)
    tb.run()
""")


def test_receiver_resynchronises_after_a_mid_byte_transmitter_restart(tmp_path):
    d = tmp_path / "grcc"
    d.mkdir()
    tx_py, rx_py = grcc("zmq_tx", d), grcc("zmq_rx", d)
    rng = np.random.default_rng(7)
    first = rng.integers(0, 16, FIRST_NIBBLES, dtype=np.uint8)
    second = rng.integers(0, 256, 2000, dtype=np.uint8).tobytes()
    (tmp_path / "first.nib").write_bytes(first.tobytes())
    (tmp_path / "second.bin").write_bytes(second)
    dst = tmp_path / "received.bin"
    n_bytes = (FIRST_NIBBLES + 2 * len(second)) // 2            # the receiver's symbol budget: 2 n_bytes
    port = free_port()
    rx = subprocess.Popen([sys.executable, rx_py, "-o", str(dst), "-p", str(port), "-n", str(n_bytes)],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    procs = [rx]
    try:
        tx1 = subprocess.run([sys.executable, "-c", KILLED_TX, str(port), str(tmp_path / "first.nib")],
                             capture_output=True, text=True, timeout=TIMEOUT)
        assert tx1.returncode == 0, tx1.stdout + tx1.stderr
        tx2 = subprocess.Popen([sys.executable, tx_py, "-i", str(tmp_path / "second.bin"), "-p", str(port),
                                "--snr-db", "25"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        procs.append(tx2)
        tx_out, _ = tx2.communicate(timeout=TIMEOUT)
        rx_out, _ = rx.communicate(timeout=TIMEOUT)
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
    assert tx2.returncode == 0, tx_out
    assert rx.returncode == 0, rx_out
    first_bytes = ((first[0:FIRST_NIBBLES - 1:2] << 4) | first[1:FIRST_NIBBLES:2]).astype(np.uint8).tobytes()
    expect = first_bytes + second
    expect = expect[:(2 * n_bytes - 1) // 2]        # one nibble dropped at the restart
    got = dst.read_bytes()
    assert len(got) == len(expect)
    assert got[:len(first_bytes)] == first_bytes, "bytes before the restart differ"
    wrong = sum(a != b for a, b in zip(got[len(first_bytes):], expect[len(first_bytes):]))
    assert wrong == 0, f"{wrong} of {len(expect) - len(first_bytes)} bytes after the restart differ"
    assert "byte alignment: 2 transmitter start(s), 1 in the middle of a byte" in rx_out, rx_out
