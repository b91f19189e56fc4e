# Source this file to use the in-repo build: `. scripts/env.sh` (BUILD_DIR/PREFIX as for setup.sh).
_ddpm_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
_ddpm_prefix="$_ddpm_root/${PREFIX:-install}"
export DDPM_ROOT="$_ddpm_root"
export DDPM_PREFIX="$_ddpm_prefix"
export PATH="$_ddpm_root/.venv/bin:$_ddpm_prefix/bin:$PATH"
_ddpm_pyver="$(/usr/bin/python3 -c "import sys; print(f'{sys.version_info[0]}.{sys.version_info[1]}')")"
export PYTHONPATH="$_ddpm_prefix/lib/python${_ddpm_pyver}/site-packages:$_ddpm_prefix/lib/python3/dist-packages${PYTHONPATH:+:$PYTHONPATH}"
export LD_LIBRARY_PATH="$_ddpm_prefix/lib/x86_64-linux-gnu:$_ddpm_prefix/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export GRC_BLOCKS_PATH="$_ddpm_prefix/share/gnuradio/grc/blocks${GRC_BLOCKS_PATH:+:$GRC_BLOCKS_PATH}"
# Shipped models are found by short name (e.g. qam16) here first, then in the install prefix.
export DDPM_MODEL_PATH="$_ddpm_root/models${DDPM_MODEL_PATH:+:$DDPM_MODEL_PATH}"
unset _ddpm_root _ddpm_prefix _ddpm_pyver
