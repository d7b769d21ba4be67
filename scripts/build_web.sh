#!/usr/bin/env bash
# Builds the browser app into web/dist (override with WEB_DIST): the WASM core (emcmake, build
# dir build-wasm or WASM_BUILD_DIR), the app files, ONNX Runtime Web's files from
# web/node_modules (pinned in web/package-lock.json; nothing is loaded from a CDN) and the web
# model variants (models/manifest.json, else the tiny test models). Installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
BUILD=${WASM_BUILD_DIR:-$ROOT/build-wasm}
DIST=${WEB_DIST:-$ROOT/web/dist}
JOBS=${JOBS:-2}
# Debian's emscripten needs Debian's JS modules (acorn ...) for its node steps.
export NODE_PATH=/usr/share/nodejs${NODE_PATH:+:$NODE_PATH}

need_apt=()
command -v emcc >/dev/null || need_apt+=(emscripten)
[ -f /usr/include/stb/stb_image.h ] || need_apt+=(libstb-dev)
command -v ninja >/dev/null || need_apt+=(ninja-build)
command -v node >/dev/null || need_apt+=(nodejs npm)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "build_web: installing ${need_apt[*]}"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi
if [ ! -f web/node_modules/onnxruntime-web/package.json ] ||
   [ web/package-lock.json -nt web/node_modules/.package-lock.json ]; then
  echo "build_web: npm ci (web/)"
  (cd web && npm ci --no-audit --no-fund --ignore-scripts >/dev/null)
fi

if [ ! -f "$BUILD/build.ninja" ]; then
  emcmake cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCOLORIZE_BUILD_TESTS=OFF >/dev/null
fi
cmake --build "$BUILD" --target colorize_wasm -j "$JOBS"

rm -rf "$DIST"
mkdir -p "$DIST/ort" "$DIST/models"
cp -R web/app/. "$DIST/"
rm -f "$DIST"/icons/*.svg.bak
cp "$BUILD/web/colorize_core.js" "$BUILD/web/colorize_core.wasm" "$DIST/"
ORT=web/node_modules/onnxruntime-web/dist
for f in ort.wasm.min.mjs ort-wasm-simd-threaded.mjs ort-wasm-simd-threaded.wasm \
         ort.webgpu.min.mjs ort-wasm-simd-threaded.asyncify.mjs ort-wasm-simd-threaded.asyncify.wasm; do
  cp "$ORT/$f" "$DIST/ort/"
done
cp web/node_modules/onnxruntime-web/LICENSE "$DIST/ort/LICENSE.txt" 2>/dev/null || true
node web/tools/stage_models.mjs "$ROOT" "$DIST"
node web/tools/finalize.mjs "$DIST"
echo "build_web: $(stat -c %s "$DIST/colorize_core.wasm") bytes colorize_core.wasm; site in $DIST"
