#!/bin/bash
# Makes the committed sound fixture tests/data/sound/tone-660.aac: 2.5 s of a 660 Hz tone (half of
# full scale) in both channels at 48 kHz, encoded as AAC-LC (ADTS frames) by ffmpeg's own encoder.
# The web tests use it as real AAC where the browser here encodes none (Chromium on Linux): the MP4 writer's AAC
# track is checked with it, and the browser's decoder plays it back. Needs Debian's ffmpeg only
# to make it again; the tests read the committed file.
#
#   bash scripts/make_sound.sh [OUT_FILE]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
OUT="${1:-$ROOT/tests/data/sound/tone-660.aac}"
command -v ffmpeg > /dev/null || { echo "needs ffmpeg (apt-get install ffmpeg)" >&2; exit 1; }
mkdir -p "$(dirname "$OUT")"
ffmpeg -loglevel error -y -f lavfi -i "aevalsrc=0.5*sin(2*PI*660*t):s=48000:d=2.5" \
  -ac 2 -c:a aac -b:a 48k -bitexact -f adts "$OUT"
echo "$OUT: $(stat -c %s "$OUT") bytes"
