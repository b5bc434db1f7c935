// A tiny test harness for the native kernels (no dependency needed).
#pragma once
#include <cmath>
#include <cstdio>
#include <functional>
#include <vector>

namespace tftest {
struct Case {
  const char* name;
  std::function<void()> fn;
};
inline std::vector<Case>& registry() {
  static std::vector<Case> r;
  return r;
}
inline int& failures() {
  static int f = 0;
  return f;
}
struct Registrar {
  Registrar(const char* n, std::function<void()> f) { registry().push_back({n, std::move(f)}); }
};
// Whether f throws an E (any other exception goes on to the harness).
template <typename E, typename F>
bool throws(F&& f) {
  try {
    f();
  } catch (const E&) {
    return true;
  }
  return false;
}
}  // namespace tftest

#define TF_TEST_CAT2(a, b) a##b
#define TF_TEST_CAT(a, b) TF_TEST_CAT2(a, b)
#define TF_TEST(name)                                                               \
  static void name();                                                               \
  static tftest::Registrar TF_TEST_CAT(reg_, name)(#name, name);                    \
  static void name()

#define TF_EXPECT(cond)                                                             \
  do {                                                                              \
    if (!(cond)) {                                                                  \
      std::printf("  %s:%d: expected %s\n", __FILE__, __LINE__, #cond);             \
      ++tftest::failures();                                                         \
    }                                                                               \
  } while (0)

#define TF_EXPECT_NEAR(a, b, tol)                                                   \
  do {                                                                              \
    double a_ = (a), b_ = (b);                                                      \
    if (!(std::fabs(a_ - b_) <= (tol) * (1.0 + std::fabs(b_)))) {                   \
      std::printf("  %s:%d: %s = %g, expected %g\n", __FILE__, __LINE__, #a, a_, b_); \
      ++tftest::failures();                                                         \
    }                                                                               \
  } while (0)
