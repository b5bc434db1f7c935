#!/usr/bin/env bash
# The addon under AddressSanitizer + UBSan, inside Node.
#
# Builds the addon with -DTF_SANITIZE=ON (-fsanitize=address,undefined) into
# build-asan/, with the native kernel test binary beside it (one instrumented
# build of native/ serves both: CI's time), runs that binary (as `npm run
# test:native` does with its own build), preloads the ASan runtime into node
# (node itself is not instrumented, so the runtime must come first), points
# src/native.ts at the addon with TENSORFORGE_ADDON, and runs:
#   0. a positive control: a throwaway module with a planted leak and a planted
#      heap overflow, which must both be reported;
#   1. the kernel suite (test/ops), the training suites (test/training,
#      test/callbacks), the hardening suite (test/hardening) and both fuzz
#      suites (test/fuzz: TF_FUZZ_CASES api cases, default 8000, and
#      TF_FUZZ_FILE_CASES file cases, default 3000: CI's time budget; run the
#      campaign under ASan for more), with leak detection off:
#      at exit Node and V8 leave memory that is theirs to free;
#   2. test/leak/addon_leaks.ts with LeakSanitizer on, where a leak counts only
#      when its allocation stack has a frame in binding/ or native/ (or in
#      node-addon-api, or tensorforge.node itself).
# Any sanitizer report fails the run (reports go to build-asan/logs/); a step
# whose LeakSanitizer tracer crashed runs once more (leak_checked below).
set -euo pipefail
cd "$(dirname "$0")/.."

OUT=build-asan
LOGS="$PWD/$OUT/logs"
npx cmake-js compile --out "$OUT" --CDTF_SANITIZE=ON --CDTF_NATIVE_TESTS=ON --CDCMAKE_CXX_FLAGS=-g -p 2 >/dev/null
# cmake-js does not reconfigure an existing build-asan/: turn the kernel tests on there too.
cmake -DTF_NATIVE_TESTS=ON "$OUT" >/dev/null
cmake --build "$OUT" -j 2 --target tf_native_tests >/dev/null

# LeakSanitizer's stop-the-world tracer now and then crashes at a process's
# exit ("Tracer caught signal 11", then "LeakSanitizer has encountered a fatal
# error"; abort_on_error makes that exit 134): the sanitizer failing, not a
# finding about the code. A leak-checking step that ends so runs once more, its
# crashed attempt's output moved to $OUT/lsan-crashes/; any other failure, or
# a second crash, fails the step and says so.
#   leak_checked NAME DIR COMMAND...   (DIR: the directory, the step's own,
#                                       its sanitizer output goes to)
leak_checked() {
  local name=$1 dir=$2 rc=0
  shift 2
  rm -rf "$dir" && mkdir -p "$dir"
  "$@" || rc=$?
  if [ "$rc" != 0 ] && grep -rqs "LeakSanitizer has encountered a fatal error" "$dir"; then
    echo "sanitize: $name: LeakSanitizer's tracer crashed at exit (exit $rc), not a finding; running it once more"
    mkdir -p "$OUT/lsan-crashes" && rm -rf "$OUT/lsan-crashes/$name" && mv "$dir" "$OUT/lsan-crashes/$name" && mkdir -p "$dir"
    rc=0
    "$@" || rc=$?
  fi
  if [ "$rc" != 0 ]; then echo "sanitize: FAILED: $name exited $rc"; fi
  return "$rc"
}

echo "sanitize: native kernel tests under ASan + UBSan"
native_tests() {
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 "$OUT/tf_native_tests" 2>&1 |
    tee "$OUT/native-tests/output.log"
}
leak_checked native-tests "$OUT/native-tests" native_tests
ADDON="$PWD/$OUT/Release/tensorforge.node"
ASAN_RT="$(gcc -print-file-name=libasan.so)"
if [ ! -f "$ASAN_RT" ]; then echo "sanitize: no ASan runtime at $ASAN_RT" >&2; exit 1; fi
rm -rf "$LOGS" && mkdir -p "$LOGS"

export TENSORFORGE_ADDON="$ADDON"
# Chunks of fuzz cases run in child processes; they inherit all of this.
export TF_FUZZ_CASES="${TF_FUZZ_CASES:-8000}" TF_FUZZ_FILE_CASES="${TF_FUZZ_FILE_CASES:-3000}"
# Instrumented code runs several times slower: a case gets 120 s before it
# counts as a hang, and a chunk whose progress stands still 11 minutes has hung.
export TF_FUZZ_CASE_TIMEOUT_MS="${TF_FUZZ_CASE_TIMEOUT_MS:-120000}" TF_FUZZ_HANG_MS="${TF_FUZZ_HANG_MS:-660000}"
# abort_on_error: a report kills the process, so the test that caused it fails.
# handle_segv=0: V8 handles its own SIGSEGVs (WebAssembly guard pages).
# allocator_may_return_null: an allocation too large fails with std::bad_alloc,
# as it does without ASan, and the binding turns it into a RangeError.
ASAN_BASE="abort_on_error=1:handle_segv=0:allow_user_segv_handler=1:detect_stack_use_after_return=0:allocator_may_return_null=1:symbolize=1"
UBSAN="print_stacktrace=1:halt_on_error=1:log_path=$LOGS/ubsan"

# Positive control: a planted leak and a planted heap overflow in a throwaway
# module must both be reported, through the same preload, options and report.
SELF="$PWD/$OUT/selftest"
rm -rf "$SELF" && mkdir -p "$SELF/logs"
gcc -shared -fPIC -fsanitize=address -g -I node_modules/node-api-headers/include -o "$SELF/tensorforge.node" "$PWD/test/leak/planted.c"
leak_checked planted-leak "$SELF/logs/leak" env LD_PRELOAD="$ASAN_RT" \
  ASAN_OPTIONS="$ASAN_BASE:detect_leaks=1:log_path=$SELF/logs/leak/lsan" LSAN_OPTIONS="exitcode=0" \
  node -e "require('$SELF/tensorforge.node')"
env LD_PRELOAD="$ASAN_RT" ASAN_OPTIONS="$ASAN_BASE:detect_leaks=0:log_path=$SELF/logs/asan" PLANT_OVERFLOW=1 \
  node -e "require('$SELF/tensorforge.node')" 2>/dev/null && { echo "sanitize: the planted overflow did not abort node" >&2; exit 1; }
planted="$(node scripts/sanitizer-report.mjs "$SELF/logs" "$PWD/test/leak/" | tail -1 || true)"
if [ "$planted" != "sanitize: 1 sanitizer error report(s), 1 addon leak(s) (0 leak records outside the addon ignored)" ]; then
  echo "sanitize: the positive control was not reported as expected: $planted" >&2
  exit 1
fi
echo "sanitize: positive control ok (planted leak and overflow both reported)"

echo "sanitize: suites under ASan + UBSan ($ADDON)"
status=0
env LD_PRELOAD="$ASAN_RT" ASAN_OPTIONS="$ASAN_BASE:detect_leaks=0:log_path=$LOGS/asan" UBSAN_OPTIONS="$UBSAN" \
  npx vitest run test/ops test/training test/callbacks test/hardening test/fuzz --reporter=default || status=$?

if [ "$status" != 0 ]; then echo "sanitize: FAILED: the suites under ASan + UBSan exited $status"; fi

echo "sanitize: addon leaks under LeakSanitizer"
leak_checked addon-leaks "$LOGS/leaks" env LD_PRELOAD="$ASAN_RT" \
  ASAN_OPTIONS="$ASAN_BASE:detect_leaks=1:log_path=$LOGS/leaks/lsan" UBSAN_OPTIONS="$UBSAN" LSAN_OPTIONS="exitcode=0:max_leaks=0" \
  node --expose-gc --import tsx test/leak/addon_leaks.ts || status=$?

# Memory errors and undefined behaviour anywhere; leaks only through the addon.
node scripts/sanitizer-report.mjs "$LOGS" "$PWD/binding/" "$PWD/native/" || status=$?
exit $status
