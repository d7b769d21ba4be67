#!/usr/bin/env bash
# Builds the web app and prints its benchmark figures (scripts/bench_web.mjs). THREADS, RUNS.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build_web.sh >/dev/null
exec node scripts/bench_web.mjs
