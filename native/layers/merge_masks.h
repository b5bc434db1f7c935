// The masks of the merge layers (Keras's _Merge.compute_mask and
// Concatenate.compute_mask): an input without a mask counts as all ones; the
// output's mask is the AND of the inputs' (elementwise merges, and a
// concatenation over the feature axis), or the inputs' masks concatenated
// where the concatenation is over a position axis (time).
#pragma once
#include <algorithm>
#include <cstdint>
#include <vector>

#include "../layer.h"

namespace tf {

// The positions a mask covers: a shape without its last axis.
inline Shape maskPositionsOf(const Shape& s) { return s.empty() ? Shape{} : Shape(s.begin(), s.end() - 1); }

// Own when some input has a mask and every masked input has the output's
// positions (a broadcast input's mask would need broadcasting: dropped).
inline MaskFlow mergeMaskFlow(const std::vector<bool>& masked, const std::vector<Shape>& in, const Shape& out) {
  bool any = false;
  for (size_t k = 0; k < masked.size(); ++k) {
    if (!masked[k]) continue;
    if (maskPositionsOf(in[k]) != maskPositionsOf(out)) return MaskFlow::None;
    any = true;
  }
  return any ? MaskFlow::Own : MaskFlow::None;
}

// io.outMask = AND of the inputs' masks over `n` positions (batch included).
inline void andMasks(const ForwardIo& io, size_t inputs, int64_t n) {
  std::fill(io.outMask, io.outMask + n, MaskByte{1});
  for (size_t k = 0; k < inputs; ++k)
    if (const MaskByte* m = io.mask(k))
      for (int64_t i = 0; i < n; ++i) io.outMask[i] &= m[i];
}

}  // namespace tf
