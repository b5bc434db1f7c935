#include "reduce.h"
#include "simd.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <string>

namespace tf {

namespace {

// Columns of `inner` handled at once: the accumulators stay in L1 and every
// row of the block is read contiguously, whichever axis is reduced.
constexpr int64_t kBlock = 256;

template <typename Acc, typename T, typename OutT, typename Step, typename Finish>
void reduceBlocked(const T* x, OutT* out, int64_t outer, int64_t n, int64_t inner, Acc init, Step step,
                   Finish finish) {
  if (inner == 1) {  // reducing contiguous rows: one register accumulator
    for (int64_t o = 0; o < outer; ++o) {
      const T* xo = x + o * n;
      Acc a = init;
      for (int64_t r = 0; r < n; ++r) a = step(a, xo[r]);
      out[o] = finish(a);
    }
    return;
  }
  Acc acc[kBlock];
  for (int64_t o = 0; o < outer; ++o) {
    const T* xo = x + o * n * inner;
    OutT* oo = out + o * inner;
    for (int64_t j0 = 0; j0 < inner; j0 += kBlock) {
      const int64_t m = std::min(kBlock, inner - j0);
      for (int64_t j = 0; j < m; ++j) acc[j] = init;
      for (int64_t r = 0; r < n; ++r) {
        const T* row = xo + r * inner + j0;
        for (int64_t j = 0; j < m; ++j) acc[j] = step(acc[j], row[j]);
      }
      for (int64_t j = 0; j < m; ++j) oo[j0 + j] = finish(acc[j]);
    }
  }
}

template <typename T>
struct Best {
  T value;
  int32_t index;
  int32_t seen;  // rows looked at so far (the next row's index)
};

// `better(candidate, current)` decides whether a later element replaces the current pick.
template <typename T, typename Better>
void argReduce(const T* x, int32_t* out, int64_t outer, int64_t n, int64_t inner, Better better) {
  reduceBlocked<Best<T>>(
      x, out, outer, n, inner, Best<T>{T(0), 0, 0},
      [&](Best<T> b, T v) {
        if (b.seen == 0 || better(v, b.value)) b = Best<T>{v, b.seen, b.seen};
        ++b.seen;
        return b;
      },
      [](const Best<T>& b) { return b.index; });
}

inline int32_t wrap(uint32_t u) { return static_cast<int32_t>(u); }

}  // namespace

void reduceF32(ReduceOp op, const float* x, float* out, int64_t outer, int64_t n, int64_t inner) {
  const auto toFloat = [](double a) { return static_cast<float>(a); };
  switch (op) {
    case ReduceOp::Sum:
      return reduceBlocked<double>(x, out, outer, n, inner, 0.0, [](double a, float v) { return a + v; }, toFloat);
    case ReduceOp::Mean: {
      const double scale = n == 0 ? std::numeric_limits<double>::quiet_NaN() : 1.0 / static_cast<double>(n);
      return reduceBlocked<double>(x, out, outer, n, inner, 0.0, [](double a, float v) { return a + v; },
                                   [scale](double a) { return static_cast<float>(a * scale); });
    }
    case ReduceOp::Prod:
      return reduceBlocked<double>(x, out, outer, n, inner, 1.0, [](double a, float v) { return a * v; }, toFloat);
    case ReduceOp::Max:
      return reduceBlocked<float>(x, out, outer, n, inner, -INFINITY,
                                  [](float a, float v) { return (v > a || std::isnan(v)) && !std::isnan(a) ? v : a; },
                                  [](float a) { return a; });
    case ReduceOp::Min:
      return reduceBlocked<float>(x, out, outer, n, inner, INFINITY,
                                  [](float a, float v) { return (v < a || std::isnan(v)) && !std::isnan(a) ? v : a; },
                                  [](float a) { return a; });
    case ReduceOp::Count: break;
  }
  throw std::invalid_argument("unknown reduction " + std::to_string(static_cast<int>(op)));
}

void reduceI32(ReduceOp op, const int32_t* x, int32_t* out, int64_t outer, int64_t n, int64_t inner) {
  const auto same = [](int32_t a) { return a; };
  switch (op) {
    case ReduceOp::Sum:
      return reduceBlocked<int32_t>(x, out, outer, n, inner, 0,
                                    [](int32_t a, int32_t v) { return wrap(uint32_t(a) + uint32_t(v)); }, same);
    case ReduceOp::Prod:
      return reduceBlocked<int32_t>(x, out, outer, n, inner, 1,
                                    [](int32_t a, int32_t v) { return wrap(uint32_t(a) * uint32_t(v)); }, same);
    case ReduceOp::Max:
      return reduceBlocked<int32_t>(x, out, outer, n, inner, std::numeric_limits<int32_t>::min(),
                                    [](int32_t a, int32_t v) { return std::max(a, v); }, same);
    case ReduceOp::Min:
      return reduceBlocked<int32_t>(x, out, outer, n, inner, std::numeric_limits<int32_t>::max(),
                                    [](int32_t a, int32_t v) { return std::min(a, v); }, same);
    default: break;
  }
  throw std::invalid_argument("reduction " + std::to_string(static_cast<int>(op)) + " is not defined for int32");
}

void argMaxF32(const float* x, int32_t* out, int64_t outer, int64_t n, int64_t inner) {
  argReduce(x, out, outer, n, inner, [](float v, float best) { return !std::isnan(best) && (v > best || std::isnan(v)); });
}
void argMinF32(const float* x, int32_t* out, int64_t outer, int64_t n, int64_t inner) {
  argReduce(x, out, outer, n, inner, [](float v, float best) { return !std::isnan(best) && (v < best || std::isnan(v)); });
}
void argMaxI32(const int32_t* x, int32_t* out, int64_t outer, int64_t n, int64_t inner) {
  argReduce(x, out, outer, n, inner, [](int32_t v, int32_t best) { return v > best; });
}
void argMinI32(const int32_t* x, int32_t* out, int64_t outer, int64_t n, int64_t inner) {
  argReduce(x, out, outer, n, inner, [](int32_t v, int32_t best) { return v < best; });
}

// Runs on every gradient before each optimizer update: vectorised.
TF_SIMD_CLONES bool allFiniteF32(const float* x, int64_t n) {
  uint32_t bad = 0;
  for (int64_t i = 0; i < n; ++i) {
    uint32_t bits;
    std::memcpy(&bits, x + i, sizeof bits);
    bad |= static_cast<uint32_t>((bits & 0x7f800000u) == 0x7f800000u);
  }
  return bad == 0;
}

}  // namespace tf
