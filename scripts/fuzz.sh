#!/usr/bin/env bash
# Runs a libFuzzer target of the project.
# Usage: scripts/fuzz.sh [SECONDS=60] [BUILD_DIR=build-ci/fuzz] [TARGET=fuzz_pipeline]
#   fuzz_pipeline  decode -> prepare -> finish -> encode  (seeds: tests/corpus, tests/data/eval)
#   fuzz_onnx      ONNX model loading and graph building  (seeds: tests/data/models, tests/data/hostile_models)
# Build first:  CC=clang CXX=clang++ cmake -S . -B build-ci/fuzz -G Ninja -DCOLORIZE_FUZZ=ON
#               cmake --build build-ci/fuzz --target fuzz_pipeline fuzz_onnx
# FUZZ_SEED fixes libFuzzer's random seed (default: a new one each run). The CI stage passes
# one derived from the src/ tree, so a CI finding can be reproduced with the same seed.
# For long runs give hours of SECONDS; new interesting inputs accumulate in
# BUILD_DIR/fuzz-corpus-TARGET, crashes go to BUILD_DIR/fuzz-artifacts/ (reproduce by running
# the target binary on the file).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
build=${2:-build-ci/fuzz}
target=${3:-fuzz_pipeline}
case "$target" in
  fuzz_pipeline) bin="$build/tests/fuzz/fuzz_pipeline"; seeds=(tests/corpus tests/data/eval) ;;
  fuzz_onnx)     bin="$build/tests/nn/fuzz_onnx"; seeds=(tests/data/models tests/data/hostile_models) ;;
  *) echo "fuzz.sh: unknown target '$target'" >&2; exit 2 ;;
esac
[ -x "$bin" ] || { echo "fuzz.sh: $bin not built" >&2; exit 2; }
work="$build/fuzz-corpus-$target"
mkdir -p "$work" "$build/fuzz-artifacts"
seed_arg=()
if [ -n "${FUZZ_SEED:-}" ]; then
  seed_arg=(-seed="$FUZZ_SEED")
  echo "fuzz.sh: $target with -seed=$FUZZ_SEED (reproduce: FUZZ_SEED=$FUZZ_SEED scripts/fuzz.sh $seconds $build $target)"
fi
# The work corpus comes first so libFuzzer writes new inputs there, never into the repository.
ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 \
"$bin" "$work" "${seeds[@]}" "${seed_arg[@]}" \
  -max_total_time="$seconds" -timeout=20 -rss_limit_mb=2560 -max_len=262144 \
  -artifact_prefix="$build/fuzz-artifacts/" -print_final_stats=1 2>&1 | tail -n 25
