#!/usr/bin/env bash
# npm run test:asan — builds the addon with AddressSanitizer + UndefinedBehaviorSanitizer into
# build-asan/ and runs the whole mocha suite against it (extra arguments go to mocha). Any
# sanitizer report, from the test process or any child it spawns, fails the run.
#
# Node itself is not instrumented, so the ASan runtime is preloaded (LD_PRELOAD) before node
# starts; leak detection is off because V8 and Node keep allocations alive at exit on purpose
# (leaks are checked by the soak/leak test and a valgrind run: docs/reliability.md).
# NATIVEGRAD_SANITIZE=1 tells the few tests that cannot hold under ASan (a child with a small
# address-space limit, RSS bounds) to skip themselves, saying why.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$SECONDS
out="$(mktemp -d)"
# quiet when they work, the whole output when they do not
if ! flock /tmp/nativegrad-build.lock node node_modules/cmake-js/bin/cmake-js compile --out build-asan --CDNG_SANITIZE=ON --debug >"$out/build" 2>&1; then
  cat "$out/build" >&2
  echo "test:asan: the sanitizer build failed" >&2
  exit 1
fi
if ! npm run build:ts >"$out/tsc" 2>&1; then
  cat "$out/tsc" >&2
  echo "test:asan: the TypeScript build failed" >&2
  exit 1
fi
binary="$PWD/build-asan/Debug/nativegrad.node"
[ -f "$binary" ] || binary="$PWD/build-asan/Release/nativegrad.node"
asan="$(gcc -print-file-name=libasan.so)"
ubsan="$(gcc -print-file-name=libubsan.so)"
log="$out/sanitizer"
export NATIVEGRAD_BINARY="$binary"
export NATIVEGRAD_SANITIZE=1
export LD_PRELOAD="$asan $ubsan"
export ASAN_OPTIONS="detect_leaks=0:abort_on_error=1:halt_on_error=1:log_path=$log:allocator_may_return_null=1"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:log_path=$log"
status=0
npx mocha "$@" || status=$?
unset LD_PRELOAD
if ls "$log".* >/dev/null 2>&1; then
  echo "test:asan: sanitizer reports:" >&2
  cat "$log".* >&2
  exit 1
fi
[ "$status" = 0 ] && echo "test:asan: no sanitizer report ($binary), $((SECONDS - start)) s"
exit "$status"
