#!/usr/bin/env bash
# Installs the Debian packages a part of the project needs, only those that are missing.
# Usage: scripts/deps.sh GROUP...   groups: native fuzz wasm python web
# Needs root (or sudo) when something is missing; does nothing when all is there.
set -euo pipefail

pkgs_for() {
  case "$1" in
    native) echo "g++ cmake ninja-build libgtest-dev libstb-dev" ;;
    fuzz)   echo "clang libclang-rt-14-dev" ;;
    wasm)   echo "emscripten libstb-dev googletest nodejs" ;;
    python) echo "python3-torch python3-onnx python3-numpy python3-pil python3-pytest" ;;
    web)    echo "chromium nodejs npm" ;;
    *) echo "deps.sh: unknown group '$1'" >&2; exit 2 ;;
  esac
}

missing=()
for group in "$@"; do
  for p in $(pkgs_for "$group"); do
    # npm and nodejs may come from NodeSource's single nodejs package: accept the commands.
    if [ "$p" = npm ] && command -v npm >/dev/null 2>&1; then continue; fi
    if [ "$p" = nodejs ] && command -v node >/dev/null 2>&1; then continue; fi
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "deps.sh: installing ${missing[*]}" >&2
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
