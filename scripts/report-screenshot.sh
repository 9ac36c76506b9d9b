#!/bin/sh
# Regenerates docs/report-screenshot.png (the README's picture of the
# report): runs `critmin assess` on the built-in baseline and takes a
# headless-Chromium screenshot of report.html, with networking off.
# Needs Chromium: `cargo xtask deps` installs it.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$root"
cargo run --quiet --release --package critmin-cli --bin critmin -- assess --out "$tmp/out" >/dev/null
browser=/usr/bin/chromium
[ -x "$browser" ] || browser=$(command -v chromium) || { echo "Chromium not found: run cargo xtask deps" >&2; exit 1; }
"$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync --hide-scrollbars \
  --user-data-dir="$tmp/profile" --screenshot="$root/docs/report-screenshot.png" \
  --window-size=1400,4000 "file://$tmp/out/report.html" 2>/dev/null
echo "wrote docs/report-screenshot.png"
