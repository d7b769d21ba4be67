#!/usr/bin/env bash
# The main job (README's run command): install what is missing, build, colorize the bundled
# sample photo with the CLI, and serve the web app (when present) on PORT (default 8080).
set -euo pipefail
cd "$(dirname "$0")/.."
JOBS=${JOBS:-$(nproc)}
scripts/deps.sh native
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DCOLORIZE_BUILD_TESTS=OFF >/dev/null
cmake --build build -j "$JOBS" --target colorize_cli
mkdir -p out
build/bin/colorize tests/data/landscape-grey.jpg --reference tests/data/landscape-reference.jpg \
  -o out/landscape-colorized.png --metrics tests/data/landscape.jpg
echo "colorized sample: out/landscape-colorized.png"
if [ -x scripts/serve_web.sh ]; then
  exec scripts/serve_web.sh
fi
