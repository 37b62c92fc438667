#!/usr/bin/env bash
# npm run test:asan — builds the addon with AddressSanitizer + UndefinedBehaviorSanitizer into
# build-asan/ and runs the whole mocha suite against it. Any sanitizer report fails the run.
#
# Node itself is not instrumented, so the ASan runtime is preloaded (LD_PRELOAD) before node
# starts; leak detection is off because V8 and Node keep allocations alive at exit on purpose
# (leaks are checked separately by the soak test and valgrind runs).
set -euo pipefail
cd "$(dirname "$0")/.."
flock /tmp/nativegrad-build.lock node node_modules/cmake-js/bin/cmake-js compile --out build-asan --CDNG_SANITIZE=ON --debug >/dev/null
binary="$PWD/build-asan/Debug/nativegrad.node"
[ -f "$binary" ] || binary="$PWD/build-asan/Release/nativegrad.node"
asan="$(gcc -print-file-name=libasan.so)"
ubsan="$(gcc -print-file-name=libubsan.so)"
log="$(mktemp -d)/sanitizer"
export NATIVEGRAD_BINARY="$binary"
# tests that cannot hold under ASan (address-space limits, RSS bounds) skip themselves, saying why
export NATIVEGRAD_SANITIZE=1
export LD_PRELOAD="$asan $ubsan"
export ASAN_OPTIONS="detect_leaks=0:abort_on_error=1:halt_on_error=1:log_path=$log:allocator_may_return_null=1"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:log_path=$log"
npm run build:ts >/dev/null
status=0
npx mocha "$@" || status=$?
unset LD_PRELOAD
if ls "$log".* >/dev/null 2>&1; then
  echo "test:asan: sanitizer reports:" >&2
  cat "$log".* >&2
  exit 1
fi
[ "$status" = 0 ] && echo "test:asan: no sanitizer report ($binary)"
exit "$status"
