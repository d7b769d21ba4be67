#!/usr/bin/env bash
# Runs the libFuzzer target over decode -> prepare -> finish -> encode.
# Usage: scripts/fuzz.sh [SECONDS=60] [BUILD_DIR=build-ci/fuzz]
# Build first:  CC=clang CXX=clang++ cmake -S . -B build-ci/fuzz -G Ninja -DCOLORIZE_FUZZ=ON
#               cmake --build build-ci/fuzz --target fuzz_pipeline
# For long runs give hours of SECONDS; new interesting inputs accumulate in BUILD_DIR/fuzz-corpus,
# crashes are written to BUILD_DIR/fuzz-artifacts/ (reproduce: BUILD_DIR/tests/fuzz/fuzz_pipeline FILE).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
build=${2:-build-ci/fuzz}
bin="$build/tests/fuzz/fuzz_pipeline"
[ -x "$bin" ] || { echo "fuzz.sh: $bin not built" >&2; exit 2; }
mkdir -p "$build/fuzz-corpus" "$build/fuzz-artifacts"
# Seeds: the committed odd-file corpus and sample images. The work corpus comes first so
# libFuzzer writes new inputs there, never into the repository.
ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 \
"$bin" "$build/fuzz-corpus" tests/corpus tests/data/eval \
  -max_total_time="$seconds" -timeout=20 -rss_limit_mb=2560 -max_len=262144 \
  -artifact_prefix="$build/fuzz-artifacts/" -print_final_stats=1 2>&1 | tail -n 25
