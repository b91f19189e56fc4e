"""Probe for USRP hardware before a flowgraph builds its UHD blocks.

The example flowgraphs examples/usrp_tx.grc and usrp_rx.grc evaluate ``require_usrp(dev_args)`` in a
variable, which GRC places before every block: without a device the flowgraph stops with one clear line
(exit status 1) instead of a traceback from deep inside UHD.

gr-uhd 3.10.5's Python ``uhd.find_devices`` is broken (it calls a missing ``find_devices_raw``), so the
probe falls back to UHD's C API (``uhd_usrp_find`` in libuhd) through ctypes.
"""
import ctypes
import ctypes.util
import sys

__all__ = ["find_usrps", "require_usrp", "NoDeviceError"]


class NoDeviceError(SystemExit):
    """Raised (a SystemExit: exit status 1, message on stderr) when no USRP matches the device args."""


def _find_c_api(args):
    """UHD C API probe: str -> list of str (one device address string per device found)."""
    name = ctypes.util.find_library("uhd")
    if name is None:
        raise OSError("libuhd not found")
    lib = ctypes.CDLL(name)
    vec = ctypes.c_void_p()
    if lib.uhd_string_vector_make(ctypes.byref(vec)) != 0:
        raise OSError("uhd_string_vector_make failed")
    try:
        if lib.uhd_usrp_find(str(args).encode(), ctypes.byref(vec)) != 0:
            raise OSError("uhd_usrp_find failed")
        n = ctypes.c_size_t()
        lib.uhd_string_vector_size(vec, ctypes.byref(n))
        out = []
        buf = ctypes.create_string_buffer(1024)
        for i in range(n.value):
            lib.uhd_string_vector_at(vec, ctypes.c_size_t(i), buf, ctypes.c_size_t(len(buf)))
            out.append(buf.value.decode(errors="replace"))
        return out
    finally:
        lib.uhd_string_vector_free(ctypes.byref(vec))


def find_usrps(args=""):
    """USRPs matching the UHD device args: str -> list of str (device address strings; empty if none)."""
    try:
        from gnuradio import uhd
        return [str(d) for d in uhd.find_devices(str(args))]
    except AttributeError:  # gr-uhd 3.10.5: find_devices_raw missing
        return _find_c_api(args)


def _inside_grc():
    """True while GNU Radio Companion or grcc evaluates the flowgraph's variables (editing, compiling)."""
    return "gnuradio.grc.core" in sys.modules


def require_usrp(args=""):
    """Return ``args`` (str) when a USRP matches them; otherwise raise NoDeviceError (SystemExit, status 1)
    with a one-line message. Any failure of the probe itself is reported the same way. Inside GRC/grcc
    (which evaluate variables while editing and compiling) nothing is probed and ``args`` is returned."""
    if _inside_grc():
        return args
    try:
        devices = find_usrps(args)
    except Exception as exc:  # a broken UHD install: still one line, not a traceback
        raise NoDeviceError(f"gr-ddpm: cannot probe for USRP devices ({exc}); is UHD installed?") from None
    if not devices:
        raise NoDeviceError(
            f"gr-ddpm: no USRP device found (device args '{args}'). Connect a USRP or set the "
            f"device args (uhd_find_devices lists what UHD sees); for a link without hardware use "
            f"examples/zmq_tx.grc and zmq_rx.grc.")
    return args
