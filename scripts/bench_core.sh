#!/usr/bin/env bash
# Benchmark of the core's pipeline (issue: prepare + finish on a 12 MP image, one thread):
# the native Release build and the WebAssembly build (SIMD) under node, side by side.
# Prints figures only. Usage: scripts/bench_core.sh [RUNS=7]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-7}
export NODE_PATH=${NODE_PATH:-/usr/share/nodejs}
scripts/deps.sh native wasm
cmake -S . -B build-bench/native -G Ninja -DCMAKE_BUILD_TYPE=Release -DCOLORIZE_BUILD_TESTS=OFF >/dev/null
cmake --build build-bench/native --target bench_pipeline >/dev/null
emcmake cmake -S . -B build-bench/wasm -G Ninja -DCMAKE_BUILD_TYPE=Release -DCOLORIZE_BUILD_TESTS=OFF >/dev/null
cmake --build build-bench/wasm --target bench_pipeline >/dev/null
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "--- native ---"
build-bench/native/bin/bench_pipeline "$runs"
echo "--- wasm (node $(node --version)) ---"
node --no-experimental-fetch build-bench/wasm/bin/bench_pipeline.js "$runs"
