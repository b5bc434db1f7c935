// Elementwise kernels: binary ops over NumPy-broadcast operands given as
// strided views, and unary math functions. Raw pointers, shapes and strides.
#pragma once
#include <cstdint>

namespace tf {

// Most dimensions a strided kernel walks (after merging contiguous dims).
constexpr int kMaxRank = 8;

enum class BinaryOp : int32_t {
  Add = 0,
  Sub,
  Mul,
  Div,
  Maximum,  // NaN propagates (Math.max semantics)
  Minimum,
  Pow,
  SquaredDifference,
  Count
};

// out[i] = op(a[i . aStrides], b[i . bStrides]) for every multi-index i of
// `shape` (row-major; out contiguous). A stride of 0 broadcasts that dimension.
// rank 0 is a single element; rank <= kMaxRank.
void binaryF32(BinaryOp op, const float* a, const int64_t* aStrides, const float* b, const int64_t* bStrides,
               float* out, const int64_t* shape, int rank);

// int32 semantics follow TensorFlow.js's results stored in an Int32Array:
// Add/Sub/Mul/SquaredDifference/Pow wrap modulo 2^32; Div is floor division
// with x / 0 = 0 (tfjs computes floor(x / 0) = +-Infinity, stored as 0);
// Pow with a negative exponent truncates toward zero (1, +-1 for -1, else 0).
void binaryI32(BinaryOp op, const int32_t* a, const int64_t* aStrides, const int32_t* b, const int64_t* bStrides,
               int32_t* out, const int64_t* shape, int rank);

enum class UnaryOp : int32_t { Neg = 0, Exp, Log, Sqrt, Square, Abs, Count };

// y = op(x) for n elements (in place allowed).
void unaryF32(UnaryOp op, const float* x, float* y, int64_t n);
// Neg, Abs and Square only (wrapping: -INT32_MIN == INT32_MIN); others throw std::invalid_argument.
void unaryI32(UnaryOp op, const int32_t* x, int32_t* y, int64_t n);

}  // namespace tf
