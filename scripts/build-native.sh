#!/usr/bin/env bash
# Rebuilds the addon in build/ (serialised with a lock, so parallel builds never clobber each other).
set -euo pipefail
cd "$(dirname "$0")/.."
exec flock /tmp/nativegrad-build.lock node node_modules/cmake-js/bin/cmake-js compile --out build "$@"
