"""core.recording: the one reader/writer of captures (SigMF through the sigmf package, raw complex64)."""
import json
import os

import numpy as np
import pytest

from gnuradio.ddpm.core import constellations, recording
from gnuradio.ddpm.core.recording import RecordingError, read_recording, write_recording


def _capture(n=3000, seed=0):
    r = np.random.default_rng(seed)
    lab = r.integers(0, 16, n)
    z = constellations.qam(16)[lab] * 0.3 + 0.01 * (r.standard_normal(n) + 1j * r.standard_normal(n))
    return z, lab


def test_sigmf_round_trip_with_labels(tmp_path):
    z, lab = _capture()
    meta = write_recording(tmp_path / "cap", z, labels=lab, constellation="qam16", sample_rate=1e6,
                           description="test")
    assert meta.endswith("cap.sigmf-meta")
    md = json.loads((tmp_path / "cap.sigmf-meta").read_text())
    assert md["global"]["core:datatype"] == "cf32_le"
    assert md["global"][recording.LABELS_KEY] == {"file": "cap" + recording.LABELS_SUFFIX, "datatype": "u16_le",
                                                  "count": z.size, "constellation": "qam16"}
    assert (tmp_path / ("cap" + recording.LABELS_SUFFIX)).stat().st_size == 2 * z.size
    for name in ("cap.sigmf-meta", "cap.sigmf-data"):          # either file names the recording
        rec = read_recording(tmp_path / name)
        np.testing.assert_array_equal(rec.samples, z.astype(np.complex64).astype(np.complex128))
        np.testing.assert_array_equal(rec.labels, lab)
        assert rec.constellation == "qam16" and rec.sample_rate == 1e6
    # without labels; max_samples
    write_recording(tmp_path / "plain.sigmf-data", z)
    rec = read_recording(tmp_path / "plain.sigmf-meta", max_samples=10)
    assert rec.labels is None and rec.samples.shape == (10,)


def test_raw_complex64_file(tmp_path):
    z, _ = _capture(100)
    z.astype(np.complex64).tofile(tmp_path / "a.cfile")
    rec = read_recording(tmp_path / "a.cfile")
    np.testing.assert_array_equal(rec.samples, z.astype(np.complex64))
    assert rec.labels is None
    (tmp_path / "odd.cfile").write_bytes(b"\0" * 12)
    with pytest.raises(RecordingError, match="not a whole number of complex64 samples"):
        read_recording(tmp_path / "odd.cfile")
    with pytest.raises(RecordingError, match="cannot open IQ file"):
        read_recording(tmp_path / "missing.cfile")
    with pytest.raises(RecordingError, match="not a regular file"):
        read_recording(tmp_path)
    for name in ("a.sigmf", "a.sigmf-collection", "a.sigmf.gz"):       # never read as raw samples
        (tmp_path / name).write_bytes(b"\0" * 64)
        with pytest.raises(RecordingError, match="SigMF archive or collection"):
            read_recording(tmp_path / name)


def _meta(tmp_path, name="cap"):
    return json.loads((tmp_path / f"{name}.sigmf-meta").read_text())


def _rewrite(tmp_path, md, name="cap"):
    g = md["global"]
    g.pop("core:sha512", None)                                 # edited data: no hash
    (tmp_path / f"{name}.sigmf-meta").write_text(json.dumps(md))


@pytest.mark.parametrize("case, expect", [
    ("missing_meta", "cannot open SigMF metadata file"),
    ("missing_data", "cannot open SigMF data file"),
    ("not_json", "malformed SigMF metadata"),
    ("no_datatype", "malformed SigMF metadata|unknown core:datatype"),
    ("unknown_datatype", "malformed SigMF metadata|unknown core:datatype"),
    ("real", "real-valued"),
    ("two_channels", "num_channels = 2"),
    ("hash", "malformed SigMF metadata.*(hash|sha512)"),
    ("truncated", "does not fit its metadata \\(truncated\\?\\)"),
    ("labels_missing_file", "cannot open labels file"),
    ("labels_short", "one uint16 label per sample"),
    ("labels_range", "out of range for qam16"),
    ("labels_constellation", "unknown constellation"),
    ("labels_not_object", "must be an object"),
])
def test_bad_sigmf_recordings(tmp_path, case, expect):
    z, lab = _capture(2000)
    write_recording(tmp_path / "cap", z, labels=lab, constellation="qam16")
    md = _meta(tmp_path)
    g = md["global"]
    lab_path = tmp_path / ("cap" + recording.LABELS_SUFFIX)
    if case == "missing_meta":
        os.remove(tmp_path / "cap.sigmf-meta")
    elif case == "missing_data":
        os.remove(tmp_path / "cap.sigmf-data")
    elif case == "not_json":
        (tmp_path / "cap.sigmf-meta").write_text("{ not json")
    elif case == "no_datatype":
        del g["core:datatype"]
        _rewrite(tmp_path, md)
    elif case == "unknown_datatype":
        g["core:datatype"] = "cq7_xx"
        _rewrite(tmp_path, md)
    elif case == "real":
        g["core:datatype"] = "rf32_le"
        _rewrite(tmp_path, md)
    elif case == "two_channels":
        g["core:num_channels"] = 2
        _rewrite(tmp_path, md)
    elif case == "hash":                                       # data changed after the hash was written
        with open(tmp_path / "cap.sigmf-data", "r+b") as f:
            f.write(b"\1\2\3\4")
    elif case == "truncated":                                  # 3 bytes short, no hash to catch it
        _rewrite(tmp_path, md)
        with open(tmp_path / "cap.sigmf-data", "r+b") as f:
            f.truncate(8 * z.size - 3)
    elif case == "labels_missing_file":
        os.remove(lab_path)
    elif case == "labels_short":
        lab[:-1].astype("<u2").tofile(lab_path)
    elif case == "labels_range":
        np.full(z.size, 16, "<u2").tofile(lab_path)
    elif case == "labels_constellation":
        g[recording.LABELS_KEY]["constellation"] = "qam17"
        _rewrite(tmp_path, md)
    elif case == "labels_not_object":
        g[recording.LABELS_KEY] = "cap.ddpm-labels"
        _rewrite(tmp_path, md)
    with pytest.raises(RecordingError, match=expect) as e:
        read_recording(tmp_path / "cap.sigmf-meta")
    assert "cap." in str(e.value)                              # the message names the file


def test_write_recording_checks_its_arguments(tmp_path):
    z, lab = _capture(100)
    with pytest.raises(RecordingError, match="complex"):
        write_recording(tmp_path / "a", z.real)
    with pytest.raises(RecordingError, match="constellation name"):
        write_recording(tmp_path / "a", z, labels=lab)
    with pytest.raises(RecordingError, match="one per sample"):
        write_recording(tmp_path / "a", z, labels=lab[:-1], constellation="qam16")
    with pytest.raises(RecordingError, match=r"\[0, 4\)"):
        write_recording(tmp_path / "a", z, labels=lab, constellation="qam4")
