// The JavaScript side of host layers (native/host_layer.h): a user's own
// layer class, whose forward and backward the TypeScript model computes on
// its gradient tape. The model hands two functions to setHostCallbacks:
//   forward(hostId, training, batch, inputs: Float32Array[], weights: Float32Array[] | null) -> Float32Array
//   backward(hostId, batch, dOut: Float32Array, needed: boolean[]) -> { dInputs, dWeights }
// Values cross as copies (the functions may keep or detach what they get),
// and every returned array is checked before it is read: a wrong length or
// type is a TypeError, never a read past the end. The weights cross only when
// they changed: forward gets null when the arrays it got last time for that
// node (which it keeps, read-only) still hold the node's weights, compared
// here byte for byte (a detached or altered array counts as changed), so an
// inference loop copies no weights and a training step stops at the first
// changed value.
#pragma once
#include <napi.h>

#include <cstring>
#include <string>
#include <unordered_map>
#include <vector>

#include "args.h"
#include "host_layer.h"

namespace tfb {

class JsHostHooks final : public tf::HostHooks {
 public:
  JsHostHooks(Napi::Env env, Napi::Function forward, Napi::Function backward)
      : env_(env), forward_(Napi::Persistent(forward)), backward_(Napi::Persistent(backward)) {}

  void forward(const tf::HostForward& c) override {
    Napi::Array inputs = Napi::Array::New(env_, c.inShapes->size());
    for (size_t k = 0; k < c.inShapes->size(); ++k)
      inputs.Set(static_cast<uint32_t>(k), copyOf(c.in[k], c.batch * tf::elementsOf((*c.inShapes)[k])));
    Napi::Value weights = weightsFor(c);
    Napi::Value r;
    try {
      r = forward_.Call({Napi::Number::New(env_, c.hostId), Napi::Boolean::New(env_, c.training),
                         Napi::Number::New(env_, static_cast<double>(c.batch)), inputs, weights});
    } catch (...) {
      passed_.erase(c.hostId);  // the callback may not have kept what it got: the next call passes the weights again
      throw;
    }
    copyInto(r, c.out, c.batch * tf::elementsOf(*c.outShape), "the output");
  }

  void backward(const tf::HostBackward& c) override {
    const size_t n = c.inShapes->size();
    Napi::Array needed = Napi::Array::New(env_, n);
    for (size_t k = 0; k < n; ++k) needed.Set(static_cast<uint32_t>(k), Napi::Boolean::New(env_, c.dIn[k] != nullptr));
    Napi::Value r = backward_.Call({Napi::Number::New(env_, c.hostId), Napi::Number::New(env_, static_cast<double>(c.batch)),
                                    copyOf(c.dOut, c.batch * tf::elementsOf(*c.outShape)), needed});
    if (!r.IsObject()) throwType(env_, kFn, "the backward callback must return { dInputs, dWeights }");
    Napi::Object o = r.As<Napi::Object>();
    Napi::Value dInputs = o.Get("dInputs"), dWeights = o.Get("dWeights");
    if (!dInputs.IsArray() || !dWeights.IsArray()) throwType(env_, kFn, "the backward callback must return { dInputs, dWeights } arrays");
    Napi::Array din = dInputs.As<Napi::Array>(), dw = dWeights.As<Napi::Array>();
    for (size_t k = 0; k < n; ++k) {
      if (!c.dIn[k]) continue;
      copyInto(din.Get(static_cast<uint32_t>(k)), c.dIn[k], c.batch * tf::elementsOf((*c.inShapes)[k]), "an input gradient");
    }
    for (size_t k = 0; k < c.weightCount; ++k) {
      if (!c.slots[k].trainable) continue;
      copyInto(dw.Get(static_cast<uint32_t>(k)), c.weights->grad(static_cast<int>(k)), c.slots[k].size(), "a weight gradient");
    }
  }

 private:
  static constexpr const char* kFn = "custom layer";

  // null when the arrays handed over last for this node still hold its
  // weights; else fresh copies, kept (referenced) for the next comparison.
  Napi::Value weightsFor(const tf::HostForward& c) {
    auto kept = passed_.find(c.hostId);
    if (kept != passed_.end() && kept->second.size() == c.weightCount) {
      const std::vector<Napi::Reference<Napi::Float32Array>>& last = kept->second;
      bool same = true;
      for (size_t k = 0; k < c.weightCount && same; ++k) {
        const int64_t n = c.slots[k].size();
        TypedArrayInfo a;
        Napi::Float32Array v = last[k].Value();
        same = !v.IsEmpty() && typedArrayInfo(env_, v, a) && a.type == napi_float32_array && static_cast<int64_t>(a.length) == n &&
               (n == 0 || std::memcmp(a.data, c.weights->value(static_cast<int>(k)), sizeof(float) * static_cast<size_t>(n)) == 0);
      }
      if (same) return env_.Null();
    }
    Napi::Array weights = Napi::Array::New(env_, c.weightCount);
    std::vector<Napi::Reference<Napi::Float32Array>>& last = passed_[c.hostId];
    last.clear();
    for (size_t k = 0; k < c.weightCount; ++k) {
      Napi::Float32Array a = copyOf(c.weights->value(static_cast<int>(k)), c.slots[k].size());
      weights.Set(static_cast<uint32_t>(k), a);
      last.push_back(Napi::Persistent(a));
    }
    return weights;
  }

  Napi::Float32Array copyOf(const float* src, int64_t n) {
    Napi::Float32Array a = Napi::Float32Array::New(env_, static_cast<size_t>(n));
    if (n > 0) std::memcpy(a.Data(), src, sizeof(float) * static_cast<size_t>(n));
    return a;
  }

  void copyInto(Napi::Value v, float* dst, int64_t n, const char* what) {
    TypedArrayInfo a;
    if (!typedArrayInfo(env_, v, a) || a.type != napi_float32_array)
      throwType(env_, kFn, std::string(what) + " must be a Float32Array");
    if (static_cast<int64_t>(a.length) != n)
      throwType(env_, kFn, std::string(what) + " has " + std::to_string(a.length) + " values, needs " + std::to_string(n));
    if (n > 0) std::memcpy(dst, a.data, sizeof(float) * static_cast<size_t>(n));
  }

  Napi::Env env_;
  Napi::FunctionReference forward_, backward_;
  // Per host node: the weight arrays forward got last.
  std::unordered_map<int32_t, std::vector<Napi::Reference<Napi::Float32Array>>> passed_;
};

}  // namespace tfb
