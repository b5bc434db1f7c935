#!/usr/bin/env bash
# Builds the pure C++ kernels and their test runner with AddressSanitizer +
# UBSan (no Node involved) and runs them. Any sanitizer report fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build-native-asan -DTF_NATIVE_TESTS=ON -DTF_SANITIZE=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build-native-asan -j 2 --target tf_native_tests
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ./build-native-asan/tf_native_tests
