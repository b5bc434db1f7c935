// What NativeModel returns, as JavaScript values: weight slots, a training
// chunk's and an evaluation's results, the optimizer state. Plain copies; the
// shapes are the types of src/native.ts (NativeSlot, NativeChunkResult, ...).
#pragma once
#include <napi.h>

#include "args.h"
#include "graph.h"
#include "optimizers.h"
#include "trainer.h"

namespace tfb {

inline Napi::Array slotsValue(Napi::Env env, const std::vector<tf::WeightSlot>& slots) {
  Napi::Array out = Napi::Array::New(env);
  uint32_t i = 0;
  for (const tf::WeightSlot& s : slots) {
    Napi::Object o = Napi::Object::New(env);
    o.Set("layer", s.layer);
    o.Set("name", s.name);
    o.Set("trainable", s.trainable);
    o.Set("offset", static_cast<double>(s.offset));
    Napi::Array shape = Napi::Array::New(env, s.shape.size());
    for (uint32_t k = 0; k < s.shape.size(); ++k) shape.Set(k, static_cast<double>(s.shape[k]));
    o.Set("shape", shape);
    // rows / cols: the [rows, cols] or [rows] view older callers read (cols = 0 for a vector).
    o.Set("rows", static_cast<double>(s.shape.empty() ? 1 : s.shape[0]));
    o.Set("cols", static_cast<double>(s.shape.size() > 1 ? s.size() / s.shape[0] : 0));
    out.Set(i++, o);
  }
  return out;
}

inline Napi::Object chunkResultValue(Napi::Env env, const tf::ChunkResult& r) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("batches", static_cast<double>(r.batches));
  o.Set("nonFinite", r.nonFinite);
  o.Set("cancelled", r.cancelled);
  o.Set("loss", typedArrayCopy(env, r.loss));
  o.Set("metricSums", typedArrayCopy(env, r.metricSums));
  o.Set("sizes", typedArrayCopy(env, r.sizes));
  return o;
}

inline Napi::Object evalResultValue(Napi::Env env, const tf::EvalResult& r) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("lossSum", r.lossSum);
  o.Set("samples", static_cast<double>(r.samples));
  o.Set("metricSums", typedArrayCopy(env, r.metricSums));
  return o;
}

// { iterations, nadamMomentumProduct, slots: Float32Array[] }
inline Napi::Object optimizerStateValue(Napi::Env env, tf::Optimizer& opt) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("iterations", static_cast<double>(opt.iterations()));
  o.Set("nadamMomentumProduct", opt.nadamMomentumProduct());
  Napi::Array slots = Napi::Array::New(env);
  uint32_t i = 0;
  for (const auto& s : opt.slots()) slots.Set(i++, typedArrayCopy(env, s));
  o.Set("slots", slots);
  return o;
}

}  // namespace tfb
