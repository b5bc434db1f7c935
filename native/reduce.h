// Reductions along the middle axis of a tensor viewed as [outer, n, inner]
// (any single axis, or a run of adjacent axes, fits that view), arg-reductions,
// and the row-wise log-softmax gradient. Raw pointers and sizes.
#pragma once
#include <cstdint>

namespace tf {

enum class ReduceOp : int32_t { Sum = 0, Mean, Prod, Max, Min, Count };

// out[o, i] = op over r of x[o, r, i]. Sum, Mean and Prod accumulate in double.
// Max/Min propagate NaN. With n == 0: sum 0, prod 1, mean NaN, max -inf, min +inf.
void reduceF32(ReduceOp op, const float* x, float* out, int64_t outer, int64_t n, int64_t inner);
// Sum and Prod wrap modulo 2^32. With n == 0: max INT32_MIN, min INT32_MAX.
// Mean is not defined for int32 (convert to float32 first): throws std::invalid_argument.
void reduceI32(ReduceOp op, const int32_t* x, int32_t* out, int64_t outer, int64_t n, int64_t inner);

// out[o, i] = index r of the largest (smallest) x[o, r, i]; the first one wins
// ties, and a NaN counts as the extreme (the first NaN wins, as in NumPy).
// With n == 0 every index is 0.
void argMaxF32(const float* x, int32_t* out, int64_t outer, int64_t n, int64_t inner);
void argMinF32(const float* x, int32_t* out, int64_t outer, int64_t n, int64_t inner);
void argMaxI32(const int32_t* x, int32_t* out, int64_t outer, int64_t n, int64_t inner);
void argMinI32(const int32_t* x, int32_t* out, int64_t outer, int64_t n, int64_t inner);

// Whether every x[i] is finite (no NaN or +-Inf), by exponent bits so it
// vectorises; the trainer checks the gradients with it every step.
bool allFiniteF32(const float* x, int64_t n);

}  // namespace tf
