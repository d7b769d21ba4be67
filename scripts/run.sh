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
# The bundled sample, once with the default model and once with the exemplar method.
build/bin/colorize tests/data/landscape-grey.jpg -o out/landscape-model.png \
  --metrics tests/data/landscape.jpg
build/bin/colorize tests/data/landscape-grey.jpg --reference tests/data/landscape-reference.jpg \
  -o out/landscape-exemplar.png --metrics tests/data/landscape.jpg
echo "colorized sample: out/landscape-model.png (default model), out/landscape-exemplar.png (exemplar)"
if [ -x scripts/serve_web.sh ]; then
  exec scripts/serve_web.sh
fi
