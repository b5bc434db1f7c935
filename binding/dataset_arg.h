// The (x, labels | null, targets | null, weights | null, n) arguments of
// fit, evaluate and computeGradients as a tf::Dataset, every length checked
// against the model's input and output sizes.
#pragma once
#include "args.h"
#include "trainer.h"

namespace tfb {

inline tf::Dataset datasetArg(const Napi::CallbackInfo& info, size_t i, const char* fn, int64_t inDim, int64_t outDim) {
  Napi::Env env = info.Env();
  tf::Dataset d;
  auto x = typedArrayArg<float>(info, i, fn, "x");
  d.n = intArg(info, i + 4, fn, "n", 0, INT32_MAX);
  requireLength(env, fn, "x", x, checkedMul(env, fn, d.n, inDim));
  d.x = x.data;
  if (!info[i + 1].IsNull()) {
    auto l = typedArrayArg<int32_t>(info, i + 1, fn, "labels");
    requireLength(env, fn, "labels", l, d.n);
    d.labels = l.data;
  }
  if (!info[i + 2].IsNull()) {
    auto t = typedArrayArg<float>(info, i + 2, fn, "targets");
    requireLength(env, fn, "targets", t, checkedMul(env, fn, d.n, outDim));
    d.targets = t.data;
  }
  if (!info[i + 3].IsNull()) {
    auto w = typedArrayArg<float>(info, i + 3, fn, "weights");
    requireLength(env, fn, "weights", w, d.n);
    d.weights = w.data;
  }
  return d;
}

}  // namespace tfb
