#!/usr/bin/env bash
# All web tests, from a bare machine: installs what is missing (apt: emscripten, chromium,
# cmake/ninja/stb; npm ci in web/), builds the app (scripts/build_web.sh) and the native oracle
# + CLI (tests/web/oracle, in build-wasm/oracle-native), then runs
#   tests/web/test_wasm.mjs  - the WASM core vs the native core on the same inputs
#   tests/web/test_e2e.mjs   - the app in headless Chromium (playwright-core, system Chromium)
# Prints "N passed, N failed" last and exits non-zero when anything failed.
# Artifacts (screenshots, downloaded results): build-wasm/web-test-artifacts/.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
export WASM_BUILD_DIR=${WASM_BUILD_DIR:-$ROOT/build-wasm}
export NODE_PATH=/usr/share/nodejs${NODE_PATH:+:$NODE_PATH}
JOBS=${JOBS:-2}

need_apt=()
command -v emcc >/dev/null || need_apt+=(emscripten)
command -v chromium >/dev/null || [ -x /usr/bin/chromium ] || need_apt+=(chromium)
command -v cmake >/dev/null || need_apt+=(cmake)
command -v ninja >/dev/null || need_apt+=(ninja-build)
command -v g++ >/dev/null || need_apt+=(g++)
[ -f /usr/include/stb/stb_image.h ] || need_apt+=(libstb-dev)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "test_web: installing ${need_apt[*]}"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null ||
    { echo "test_web: apt-get install failed"; echo "0 passed, 1 failed"; exit 1; }
fi

scripts/build_web.sh || { echo "test_web: build_web.sh failed"; echo "0 passed, 1 failed"; exit 1; }
ORACLE="$WASM_BUILD_DIR/oracle-native"
if [ ! -f "$ORACLE/build.ninja" ]; then
  cmake -S tests/web/oracle -B "$ORACLE" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
fi
cmake --build "$ORACLE" -j "$JOBS" --target web_oracle colorize_cli >/dev/null ||
  { echo "test_web: native oracle build failed"; echo "0 passed, 1 failed"; exit 1; }

passed=0; failed=0; log=$(mktemp)
for t in tests/web/test_wasm.mjs tests/web/test_e2e.mjs; do
  timeout 900 node "$t" 2>&1 | tee "$log"
  rc=${PIPESTATUS[0]}
  line=$(grep -E '^RESULT ' "$log" | tail -1)
  if [ -z "$line" ]; then
    echo "test_web: $t did not finish (exit $rc)"
    failed=$((failed + 1))
    continue
  fi
  p=$(sed -E 's/.*: ([0-9]+) passed.*/\1/' <<<"$line"); f=$(sed -E 's/.* ([0-9]+) failed.*/\1/' <<<"$line")
  passed=$((passed + p)); failed=$((failed + f))
  if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then failed=$((failed + 1)); fi
done
rm -f "$log"
echo "web tests: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
