// Native kernel test runner: each test file registers cases with TF_TEST.
#include "check.h"

#include <cstdio>

int main() {
  int failed = 0;
  for (const auto& t : tftest::registry()) {
    tftest::failures() = 0;
    t.fn();
    std::printf("%s %s\n", tftest::failures() ? "FAIL" : "ok  ", t.name);
    if (tftest::failures()) ++failed;
  }
  std::printf("%zu native tests, %d failed\n", tftest::registry().size(), failed);
  return failed ? 1 : 0;
}
