#!/usr/bin/env bash
# Screenshot of a flowgraph open in GNU Radio Companion, headless (Xvfb), as in README.md:
#   scripts/grc_screenshot.sh [examples/sim_link.grc] [docs/img/sim_link_grc.png]
# Needs the build (make build), xvfb-run (Debian xvfb) and ImageMagick's `import` (Debian imagemagick).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
GRC="$(realpath "${1:-$ROOT/examples/sim_link.grc}")"
OUT="$(realpath -m "${2:-$ROOT/docs/img/sim_link_grc.png}")"
for tool in xvfb-run import gnuradio-companion; do
    command -v "$tool" >/dev/null || { echo "grc_screenshot: '$tool' not found (apt-get install xvfb imagemagick gnuradio)" >&2; exit 1; }
done
. "$ROOT/scripts/env.sh"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
# a large main window so the whole canvas fits (GRC reads its window size from this file)
printf '[main]\nmain_window_width = 1900\nmain_window_height = 1150\nconsole_window_position = 1000\nblocks_window_position = 1650\n' > "$tmp/grc.conf"
cat > "$tmp/shot.sh" <<'SH'
#!/usr/bin/env bash
gnuradio-companion "$1" > "$3/grc.log" 2>&1 &
pid=$!
sleep "${GRC_SHOT_WAIT:-25}"
import -window root "$2"
kill "$pid"
SH
chmod +x "$tmp/shot.sh"
GRC_PREFS_PATH="$tmp/grc.conf" timeout 180 xvfb-run -a -s "-screen 0 1920x1200x24" "$tmp/shot.sh" "$GRC" "$OUT" "$tmp"
echo "wrote $OUT"
