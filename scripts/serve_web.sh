#!/usr/bin/env bash
# Builds the web app (unless SKIP_BUILD=1) and serves it with COOP/COEP + CSP headers on
# PORT (default 8080), printing the URL.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${SKIP_BUILD:-0}" != 1 ]; then scripts/build_web.sh; fi
exec node scripts/serve_web.mjs "${WEB_DIST:-web/dist}"
