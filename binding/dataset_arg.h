// The data object { x, labels | null, targets | null, weights | null, n } of
// trainChunk, evaluate and computeGradients as a tf::Dataset, every length
// checked against the model's input and output sizes.
#pragma once
#include "args.h"
#include "trainer.h"

namespace tfb {

// The data object's properties, read before any pointer is taken (args.h,
// propertiesArg).
using DataValues = std::array<Napi::Value, 5>;

inline DataValues dataValuesArg(const Napi::CallbackInfo& info, size_t i, const char* fn) {
  return propertiesArg<5>(info, i, fn, "data", {"x", "labels", "targets", "weights", "n"});
}

inline tf::Dataset datasetFrom(Napi::Env env, const DataValues& v, const char* fn, int64_t inDim, int64_t labelWidth, int64_t outDim) {
  tf::Dataset d;
  d.labelWidth = labelWidth;
  auto x = typedArrayValue<float>(env, v[0], fn, "x");
  d.n = intValue(env, v[4], fn, "n", 0, INT32_MAX);
  requireLength(env, fn, "x", x, checkedMul(env, fn, d.n, inDim));
  d.x = x.data;
  if (!v[1].IsNull()) {
    auto l = typedArrayValue<int32_t>(env, v[1], fn, "labels");
    requireLength(env, fn, "labels", l, checkedMul(env, fn, d.n, labelWidth));
    d.labels = l.data;
  }
  if (!v[2].IsNull()) {
    auto t = typedArrayValue<float>(env, v[2], fn, "targets");
    requireLength(env, fn, "targets", t, checkedMul(env, fn, d.n, outDim));
    d.targets = t.data;
  }
  if (!v[3].IsNull()) {
    auto w = typedArrayValue<float>(env, v[3], fn, "weights");
    requireLength(env, fn, "weights", w, d.n);
    d.weights = w.data;
  }
  return d;
}

}  // namespace tfb
