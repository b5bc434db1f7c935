#include "movement.h"

#include <algorithm>
#include <cstring>

#include "elementwise.h"

namespace tf {

namespace {

// The innermost two dims of a transpose read one of them with a large stride;
// copying in square tiles keeps both the reads and the writes in cache.
constexpr int64_t kTile = 32;

template <typename T>
void copyTile2d(const T* x, int64_t rows, int64_t cols, int64_t rs, int64_t cs, T* out) {
  if (cs == 1) {
    for (int64_t r = 0; r < rows; ++r) std::memcpy(out + r * cols, x + r * rs, sizeof(T) * cols);
    return;
  }
  for (int64_t r0 = 0; r0 < rows; r0 += kTile) {
    const int64_t r1 = std::min(rows, r0 + kTile);
    for (int64_t c0 = 0; c0 < cols; c0 += kTile) {
      const int64_t c1 = std::min(cols, c0 + kTile);
      for (int64_t r = r0; r < r1; ++r)
        for (int64_t c = c0; c < c1; ++c) out[r * cols + c] = x[r * rs + c * cs];
    }
  }
}

}  // namespace

template <typename T>
void stridedCopy(const T* x, const int64_t* shape, const int64_t* strides, int rank, T* out) {
  if (rank == 0) {
    out[0] = x[0];
    return;
  }
  for (int d = 0; d < rank; ++d)
    if (shape[d] == 0) return;
  if (rank == 1) return copyTile2d(x, 1, shape[0], 0, strides[0], out);
  const int outerRank = rank - 2;
  const int64_t rows = shape[rank - 2], cols = shape[rank - 1];
  const int64_t rs = strides[rank - 2], cs = strides[rank - 1];
  int64_t idx[kMaxRank] = {0};
  int64_t off = 0;
  for (;;) {
    copyTile2d(x + off, rows, cols, rs, cs, out);
    out += rows * cols;
    int d = outerRank - 1;
    for (; d >= 0; --d) {
      if (++idx[d] < shape[d]) {
        off += strides[d];
        break;
      }
      off -= strides[d] * (shape[d] - 1);
      idx[d] = 0;
    }
    if (d < 0) return;
  }
}

template <typename T>
void gather(const T* x, int64_t outer, int64_t axisDim, int64_t inner, const int32_t* indices, int64_t nIndices,
            T* out) {
  if (inner == 0) return;
  for (int64_t o = 0; o < outer; ++o) {
    const T* xo = x + o * axisDim * inner;
    for (int64_t j = 0; j < nIndices; ++j) {
      std::memcpy(out, xo + static_cast<int64_t>(indices[j]) * inner, sizeof(T) * inner);
      out += inner;
    }
  }
}

template <typename T>
void concat(const T* const* inputs, const int64_t* widths, int64_t count, int64_t outer, T* out) {
  int64_t total = 0;
  for (int64_t k = 0; k < count; ++k) total += widths[k];
  int64_t col = 0;
  for (int64_t k = 0; k < count; ++k) {
    const int64_t w = widths[k];
    if (w > 0)
      for (int64_t o = 0; o < outer; ++o) std::memcpy(out + o * total + col, inputs[k] + o * w, sizeof(T) * w);
    col += w;
  }
}

template <typename T>
void oneHot(const int32_t* indices, int64_t n, int64_t depth, T on, T off, T* out) {
  std::fill(out, out + n * depth, off);
  for (int64_t i = 0; i < n; ++i) {
    const int64_t k = indices[i];
    if (k >= 0 && k < depth) out[i * depth + k] = on;
  }
}

#define TF_MOVEMENT_INSTANTIATE(T)                                                                              \
  template void stridedCopy<T>(const T*, const int64_t*, const int64_t*, int, T*);                              \
  template void gather<T>(const T*, int64_t, int64_t, int64_t, const int32_t*, int64_t, T*);                    \
  template void concat<T>(const T* const*, const int64_t*, int64_t, int64_t, T*);                               \
  template void oneHot<T>(const int32_t*, int64_t, int64_t, T, T, T*);
TF_MOVEMENT_INSTANTIATE(float)
TF_MOVEMENT_INSTANTIATE(int32_t)
#undef TF_MOVEMENT_INSTANTIATE

}  // namespace tf
