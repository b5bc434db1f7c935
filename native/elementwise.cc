#include "elementwise.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace tf {

namespace {

// Walks `shape` in row-major order; the innermost dimension is a plain loop
// specialised for the common same-shape and scalar-operand stride patterns.
template <typename T, typename F>
void broadcastLoop(const T* a, const int64_t* as, const T* b, const int64_t* bs, T* out, const int64_t* shape,
                   int rank, F f) {
  if (rank == 0) {
    out[0] = f(a[0], b[0]);
    return;
  }
  for (int d = 0; d < rank; ++d)
    if (shape[d] == 0) return;
  const int last = rank - 1;
  const int64_t n = shape[last], sa = as[last], sb = bs[last];
  int64_t idx[kMaxRank] = {0};
  int64_t offA = 0, offB = 0;
  for (;;) {
    const T* pa = a + offA;
    const T* pb = b + offB;
    if (sa == 1 && sb == 1) {
      for (int64_t i = 0; i < n; ++i) out[i] = f(pa[i], pb[i]);
    } else if (sa == 1 && sb == 0) {
      const T vb = pb[0];
      for (int64_t i = 0; i < n; ++i) out[i] = f(pa[i], vb);
    } else if (sa == 0 && sb == 1) {
      const T va = pa[0];
      for (int64_t i = 0; i < n; ++i) out[i] = f(va, pb[i]);
    } else {
      for (int64_t i = 0; i < n; ++i) out[i] = f(pa[i * sa], pb[i * sb]);
    }
    out += n;
    int d = last - 1;
    for (; d >= 0; --d) {
      if (++idx[d] < shape[d]) {
        offA += as[d];
        offB += bs[d];
        break;
      }
      offA -= as[d] * (shape[d] - 1);
      offB -= bs[d] * (shape[d] - 1);
      idx[d] = 0;
    }
    if (d < 0) return;
  }
}

// Two's-complement wrap without signed-overflow UB.
inline int32_t wrap(uint32_t u) { return static_cast<int32_t>(u); }
inline uint32_t u32(int32_t v) { return static_cast<uint32_t>(v); }

inline int32_t floorDivI32(int32_t a, int32_t b) {
  if (b == 0) return 0;
  const int64_t x = a, y = b;
  int64_t q = x / y;
  if (x % y != 0 && ((x < 0) != (y < 0))) --q;
  return wrap(static_cast<uint32_t>(q));  // INT32_MIN / -1 = 2^31 wraps to INT32_MIN
}

inline int32_t powI32(int32_t a, int32_t b) {
  if (b < 0) {
    if (a == 1) return 1;
    if (a == -1) return (b & 1) ? -1 : 1;
    return 0;
  }
  uint32_t result = 1, base = u32(a);
  for (uint32_t e = static_cast<uint32_t>(b); e; e >>= 1) {
    if (e & 1) result *= base;
    base *= base;
  }
  return wrap(result);
}

}  // namespace

void binaryF32(BinaryOp op, const float* a, const int64_t* as, const float* b, const int64_t* bs, float* out,
               const int64_t* shape, int rank) {
  switch (op) {
    case BinaryOp::Add: return broadcastLoop(a, as, b, bs, out, shape, rank, [](float x, float y) { return x + y; });
    case BinaryOp::Sub: return broadcastLoop(a, as, b, bs, out, shape, rank, [](float x, float y) { return x - y; });
    case BinaryOp::Mul: return broadcastLoop(a, as, b, bs, out, shape, rank, [](float x, float y) { return x * y; });
    case BinaryOp::Div: return broadcastLoop(a, as, b, bs, out, shape, rank, [](float x, float y) { return x / y; });
    case BinaryOp::Maximum:
      return broadcastLoop(a, as, b, bs, out, shape, rank,
                           [](float x, float y) { return (x > y || std::isnan(x)) ? x : y; });
    case BinaryOp::Minimum:
      return broadcastLoop(a, as, b, bs, out, shape, rank,
                           [](float x, float y) { return (x < y || std::isnan(x)) ? x : y; });
    case BinaryOp::Pow:
      return broadcastLoop(a, as, b, bs, out, shape, rank, [](float x, float y) { return std::pow(x, y); });
    case BinaryOp::SquaredDifference:
      return broadcastLoop(a, as, b, bs, out, shape, rank, [](float x, float y) { return (x - y) * (x - y); });
    case BinaryOp::Count: break;
  }
  throw std::invalid_argument("unknown binary op " + std::to_string(static_cast<int>(op)));
}

void binaryI32(BinaryOp op, const int32_t* a, const int64_t* as, const int32_t* b, const int64_t* bs, int32_t* out,
               const int64_t* shape, int rank) {
  switch (op) {
    case BinaryOp::Add:
      return broadcastLoop(a, as, b, bs, out, shape, rank, [](int32_t x, int32_t y) { return wrap(u32(x) + u32(y)); });
    case BinaryOp::Sub:
      return broadcastLoop(a, as, b, bs, out, shape, rank, [](int32_t x, int32_t y) { return wrap(u32(x) - u32(y)); });
    case BinaryOp::Mul:
      return broadcastLoop(a, as, b, bs, out, shape, rank, [](int32_t x, int32_t y) { return wrap(u32(x) * u32(y)); });
    case BinaryOp::Div: return broadcastLoop(a, as, b, bs, out, shape, rank, floorDivI32);
    case BinaryOp::Maximum:
      return broadcastLoop(a, as, b, bs, out, shape, rank, [](int32_t x, int32_t y) { return std::max(x, y); });
    case BinaryOp::Minimum:
      return broadcastLoop(a, as, b, bs, out, shape, rank, [](int32_t x, int32_t y) { return std::min(x, y); });
    case BinaryOp::Pow: return broadcastLoop(a, as, b, bs, out, shape, rank, powI32);
    case BinaryOp::SquaredDifference:
      return broadcastLoop(a, as, b, bs, out, shape, rank, [](int32_t x, int32_t y) {
        const uint32_t d = u32(x) - u32(y);
        return wrap(d * d);
      });
    case BinaryOp::Count: break;
  }
  throw std::invalid_argument("unknown binary op " + std::to_string(static_cast<int>(op)));
}

void unaryF32(UnaryOp op, const float* x, float* y, int64_t n) {
  switch (op) {
    case UnaryOp::Neg: for (int64_t i = 0; i < n; ++i) y[i] = -x[i]; return;
    case UnaryOp::Exp: for (int64_t i = 0; i < n; ++i) y[i] = std::exp(x[i]); return;
    case UnaryOp::Log: for (int64_t i = 0; i < n; ++i) y[i] = std::log(x[i]); return;
    case UnaryOp::Sqrt: for (int64_t i = 0; i < n; ++i) y[i] = std::sqrt(x[i]); return;
    case UnaryOp::Square: for (int64_t i = 0; i < n; ++i) y[i] = x[i] * x[i]; return;
    case UnaryOp::Abs: for (int64_t i = 0; i < n; ++i) y[i] = std::fabs(x[i]); return;
    case UnaryOp::Count: break;
  }
  throw std::invalid_argument("unknown unary op " + std::to_string(static_cast<int>(op)));
}

void unaryI32(UnaryOp op, const int32_t* x, int32_t* y, int64_t n) {
  switch (op) {
    case UnaryOp::Neg: for (int64_t i = 0; i < n; ++i) y[i] = wrap(0u - u32(x[i])); return;
    case UnaryOp::Abs: for (int64_t i = 0; i < n; ++i) y[i] = x[i] < 0 ? wrap(0u - u32(x[i])) : x[i]; return;
    case UnaryOp::Square: for (int64_t i = 0; i < n; ++i) y[i] = wrap(u32(x[i]) * u32(x[i])); return;
    default: break;
  }
  throw std::invalid_argument("unary op " + std::to_string(static_cast<int>(op)) + " is not defined for int32");
}

}  // namespace tf
