#!/usr/bin/env bash
# The project's whole test suite (README's test command; .ci/run calls it). Installs what is
# missing from Debian/npm, then runs, each in its own build folder under build-ci/:
#   native   Release build + CTest (core unit tests, engine tests, CLI tests)
#   asan     the same suite built with AddressSanitizer + UndefinedBehaviorSanitizer
#   fuzz     libFuzzer over decode -> prepare -> finish -> encode for FUZZ_SECONDS (default 60),
#            then over ONNX model loading for half that
#   wasm     the core's unit tests built with Emscripten, run under node
#   cuda     the CUDA backend compiled (no GPU needed; its tests skip without one), if nvcc exists
#   python   training/export tests (pytest, CPU, synthetic data)
#   web      WASM module node tests + headless Chromium end-to-end (scripts/test_web.sh)
# Usage: scripts/test.sh [STAGE...]   (default: all stages). Exit 0 only if every stage passed.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
JOBS=${JOBS:-$(nproc)}
FUZZ_SECONDS=${FUZZ_SECONDS:-60}
export NODE_PATH=${NODE_PATH:-/usr/share/nodejs}  # Emscripten 3.1.6 on Debian needs acorn from here
stages=("$@")
[ ${#stages[@]} -gt 0 ] || stages=(native asan fuzz wasm cuda python web)

passed=0; failed=0; failed_names=()
run_stage() {
  local name=$1; shift
  echo "=== stage $name ==="
  local t0=$SECONDS
  if "$@"; then
    passed=$((passed + 1)); echo "=== stage $name: ok ($((SECONDS - t0)) s) ==="
  else
    failed=$((failed + 1)); failed_names+=("$name"); echo "=== stage $name: FAILED ($((SECONDS - t0)) s) ==="
  fi
}

cmake_build_test() {  # dir, extra cmake args...
  local dir=$1; shift
  cmake -S . -B "$dir" -G Ninja "$@" >/dev/null &&
  cmake --build "$dir" -j "$JOBS" &&
  ctest --test-dir "$dir" --output-on-failure -j "$JOBS"
}

stage_native() { scripts/deps.sh native && cmake_build_test build-ci/native -DCMAKE_BUILD_TYPE=Release; }

stage_asan() {
  scripts/deps.sh native &&
  ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
    cmake_build_test build-ci/asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCOLORIZE_SANITIZE=ON
}

stage_fuzz() {
  scripts/deps.sh native fuzz || return 1
  CC=clang CXX=clang++ cmake -S . -B build-ci/fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCOLORIZE_FUZZ=ON >/dev/null &&
  cmake --build build-ci/fuzz -j "$JOBS" --target fuzz_pipeline fuzz_onnx || return 1
  # A seed derived from the committed source tree (src/): the same code fuzzes the same way
  # whatever else a commit changes, and a finding in CI can be reproduced here (fuzz.sh prints
  # the command). FUZZ_SEED overrides it.
  local seed=${FUZZ_SEED:-$(( 16#$( (git rev-parse --short=7 HEAD:src 2>/dev/null || echo 1) | tr -cd '0-9a-f') ))}
  FUZZ_SEED=$seed scripts/fuzz.sh "$FUZZ_SECONDS" build-ci/fuzz fuzz_pipeline &&
  FUZZ_SEED=$seed scripts/fuzz.sh $((FUZZ_SECONDS / 2)) build-ci/fuzz fuzz_onnx
}

stage_wasm() {
  scripts/deps.sh wasm || return 1
  emcmake cmake -S . -B build-ci/wasm -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null &&
  cmake --build build-ci/wasm -j "$JOBS" &&
  ctest --test-dir build-ci/wasm --output-on-failure -j "$JOBS" -L wasm
}

stage_cuda() {
  local nvcc=${CUDACXX:-/usr/local/cuda/bin/nvcc}
  if [ ! -x "$nvcc" ] && ! command -v nvcc >/dev/null; then
    echo "no nvcc on this machine: CUDA backend not compiled (skipped)"; return 0
  fi
  grep -q COLORIZE_CUDA native/CMakeLists.txt || { echo "no CUDA backend in this tree yet (skipped)"; return 0; }
  scripts/deps.sh native &&
  cmake_build_test build-ci/cuda -DCMAKE_BUILD_TYPE=Release -DCOLORIZE_CUDA=ON \
    -DCMAKE_CUDA_COMPILER="$nvcc"
}

stage_python() {
  [ -d tests/python ] || { echo "no python tests yet (skipped)"; return 0; }
  scripts/deps.sh python native || return 1
  # The Lab agreement test compares with the C++ core through the CLI built by stage native.
  [ -x build-ci/native/bin/colorize ] || cmake_build_test build-ci/native -DCMAKE_BUILD_TYPE=Release || return 1
  COLORIZE_BIN="$ROOT/build-ci/native/bin/colorize" /usr/bin/python3 -m pytest -q tests/python
}

stage_web() {
  [ -x scripts/test_web.sh ] || { echo "no web tests yet (skipped)"; return 0; }
  scripts/test_web.sh
}

for s in "${stages[@]}"; do
  case "$s" in
    native|asan|fuzz|wasm|cuda|python|web) run_stage "$s" "stage_$s" ;;
    *) echo "test.sh: unknown stage '$s'" >&2; exit 2 ;;
  esac
done

echo
[ $failed -eq 0 ] || echo "failed stages: ${failed_names[*]}"
echo "stages: $passed passed, $failed failed"
[ $failed -eq 0 ]
