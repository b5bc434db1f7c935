// Data movement kernels: strided copy (transpose, slice), row gather, concat
// and one-hot. Element types: float and int32_t (explicitly instantiated).
#pragma once
#include <cstdint>

namespace tf {

// out (contiguous, row-major over `shape`) gets x[i . strides] for every
// multi-index i. A transpose permutes the strides; a slice offsets x to the
// slice start. rank <= kMaxRank (elementwise.h); rank 0 copies one element.
template <typename T>
void stridedCopy(const T* x, const int64_t* shape, const int64_t* strides, int rank, T* out);

// x viewed as [outer, axisDim, inner]: out[o, j, :] = x[o, indices[j], :].
// Precondition: 0 <= indices[j] < axisDim (the caller validates them).
template <typename T>
void gather(const T* x, int64_t outer, int64_t axisDim, int64_t inner, const int32_t* indices, int64_t nIndices,
            T* out);

// out viewed as [outer, sum of widths]: input k, viewed as [outer, widths[k]],
// fills the k-th block of columns.
template <typename T>
void concat(const T* const* inputs, const int64_t* widths, int64_t count, int64_t outer, T* out);

// out[i, :] = off and out[i, indices[i]] = on; an index outside [0, depth)
// leaves its row all `off`, as in TensorFlow.
template <typename T>
void oneHot(const int32_t* indices, int64_t n, int64_t depth, T on, T off, T* out);

}  // namespace tf
