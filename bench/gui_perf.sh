#!/usr/bin/env bash
# GUI measurements in a real window under Xvfb (release build):
#   1. launch to first frame (external: spawn → the app's "first frame" line),
#   2. frames while idle (nothing focused) over 6 s,
#   3. frame CPU time while typing into the 1,500-character 技术简介 with the 200-row
#      对比 table in the same section (the maximal 先导技术榜·产业基础 draft).
# Needs: apt-get install xvfb xdotool x11-utils. Click positions are for the 1200×800 window.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
cargo build --release --quiet --example maximal_draft
BIN=$PWD/target/release/kczg-form
DATA=$(mktemp -d)
./target/release/examples/maximal_draft leading_tech industrial_foundation 200 > "$DATA/max.json"
"$BIN" --data-dir "$DATA" drafts import "$DATA/max.json" > /dev/null
export DISPLAY=:97
Xvfb :97 -screen 0 1280x800x24 -nolisten tcp > /dev/null 2>&1 &
XVFB=$!
trap 'kill $XVFB 2>/dev/null || true; pkill -f "kczg-form --data-dir $DATA" || true' EXIT
sleep 1
start=$(date +%s%N)
KCZG_FORM_PERF=1 "$BIN" --data-dir "$DATA" 2> "$DATA/perf.log" &
until grep -q "first frame" "$DATA/perf.log" 2>/dev/null; do sleep 0.005; done
echo "launch → first frame: $(( ($(date +%s%N) - start) / 1000000 )) ms (external); $(head -1 "$DATA/perf.log")"
sleep 1
n=$(wc -l < "$DATA/perf.log"); sleep 6
echo "idle, nothing focused, 6 s: $(( $(wc -l < "$DATA/perf.log") - n )) frame reports (0 = no repaint)"
WIN=$(xwininfo -root -children | awk '/kczg-form/ {print $1; exit}')
xdotool windowfocus "$WIN"
xdotool mousemove 861 653 click 1; sleep 1.5          # 打开 the draft
xdotool mousemove 90 152 click 1; sleep 1.5           # 技术成熟度与创新性
xdotool mousemove 500 600 click 1; sleep 1            # into 技术简介
n=$(wc -l < "$DATA/perf.log")
xdotool type --delay 60 "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz"
sleep 1.5
echo "while typing (per second: frames, CPU max / mean):"
tail -n +"$((n + 1))" "$DATA/perf.log"
echo "resident memory: $(ps -o rss= -p "$(pgrep -f "kczg-form --data-dir $DATA")") KB"
