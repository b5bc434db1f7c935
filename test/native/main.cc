// Native kernel test runner: each test file registers cases with TF_TEST.
#include "check.h"

#include <cstdio>
#include <cstring>

// tf_native_tests [NAME]: every test, or those whose name contains NAME.
int main(int argc, char** argv) {
  int failed = 0;
  for (const auto& t : tftest::registry()) {
    if (argc > 1 && !std::strstr(t.name, argv[1])) continue;
    tftest::failures() = 0;
    t.fn();
    std::printf("%s %s\n", tftest::failures() ? "FAIL" : "ok  ", t.name);
    if (tftest::failures()) ++failed;
  }
  std::printf("%zu native tests, %d failed\n", tftest::registry().size(), failed);
  return failed ? 1 : 0;
}
