#!/usr/bin/env bash
# README command 1: install what is missing, build batond, run it on conf/baton.yaml (the built-in
# baton/echo provider answers with no network and no keys). Extra arguments go to batond.
set -euo pipefail
cd "$(dirname "$0")/.."
BATON_TESTS=OFF BATON_TARGETS=batond bash scripts/build.sh
exec ./build/batond --config conf/baton.yaml "$@"
