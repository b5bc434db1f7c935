// LayerOp: the JavaScript face of tf::LayerOp (native/layer_op.h), one
// window layer run as an op (tf.conv2d and its family, forward and the
// gradient tape's backward). Every buffer's length is checked against the
// layer's sizes, and no output may overlap an input or another output.
#include <cstring>
#include <memory>

#include "args.h"
#include "config_arg.h"
#include "layer_op.h"

namespace tfb {

namespace {

// Whether [a, a + an) and [b, b + bn) (floats) share memory.
bool overlaps(const float* a, size_t an, const float* b, size_t bn) {
  if (!a || !b || an == 0 || bn == 0) return false;
  return a < b + bn && b < a + an;
}

}  // namespace

class LayerOp : public Napi::ObjectWrap<LayerOp> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "LayerOp",
                       {InstanceMethod("sizes", &LayerOp::Sizes, napi_default_method),
                        InstanceMethod("forward", &LayerOp::Forward, napi_default_method),
                        InstanceMethod("backward", &LayerOp::Backward, napi_default_method),
                        InstanceMethod("keptBytes", &LayerOp::KeptBytes, napi_default_method)});
  }

  // LayerOp(layer, inputShape): the layer's config and its per-sample input shape.
  explicit LayerOp(const Napi::CallbackInfo& info) : Napi::ObjectWrap<LayerOp>(info) {
    static const char* fn = "LayerOp";
    guarded(info, fn, [&]() -> Napi::Value {
      Napi::Env env = info.Env();
      if (info.Length() < 2 || !info[0].IsObject() || !info[1].IsArray()) throwType(env, fn, "expects (layer, inputShape)");
      const tf::Config c = configArg(info, 0, fn, "layer");
      const std::vector<int64_t> shape = intsArg(info, 1, fn, "inputShape", 1, int64_t{1} << 24);
      op_ = std::make_unique<tf::LayerOp>(c, shape);
      return env.Undefined();
    });
  }

  void Finalize(Napi::Env env) override { Napi::MemoryManagement::AdjustExternalMemory(env, -reported_); }

 private:
  std::unique_ptr<tf::LayerOp> op_;
  int64_t reported_ = 0;

  // Tells V8 how much scratch the op keeps, as it grows.
  void report(Napi::Env env) {
    const int64_t now = op_->keptBytes();
    if (now != reported_) Napi::MemoryManagement::AdjustExternalMemory(env, now - reported_);
    reported_ = now;
  }

  // sizes() -> [input floats per sample, output floats per sample, weight floats]
  Napi::Value Sizes(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!op_) throwType(env, "LayerOp.sizes", "the op was not constructed");
    Napi::Array a = Napi::Array::New(env, 3);
    a.Set(0u, Napi::Number::New(env, static_cast<double>(op_->inputSize())));
    a.Set(1u, Napi::Number::New(env, static_cast<double>(op_->outputSize())));
    a.Set(2u, Napi::Number::New(env, static_cast<double>(op_->weightSize())));
    return a;
  }

  // keptBytes() -> the scratch bytes the op keeps between calls
  Napi::Value KeptBytes(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!op_) throwType(env, "LayerOp.keptBytes", "the op was not constructed");
    return Napi::Number::New(env, static_cast<double>(op_->keptBytes()));
  }

  // (x, n, weights) at info[0..2], checked against the op's sizes.
  struct Inputs {
    View<float> x;
    int64_t n;
    View<float> w;
  };
  Inputs inputs(const Napi::CallbackInfo& info, const char* fn) {
    Napi::Env env = info.Env();
    if (!op_) throwType(env, fn, "the op was not constructed");
    auto x = typedArrayArg<float>(info, 0, fn, "x");
    const int64_t n = intArg(info, 1, fn, "n", 0, INT32_MAX);
    auto w = typedArrayArg<float>(info, 2, fn, "weights");
    requireLength(env, fn, "x", x, checkedMul(env, fn, n, op_->inputSize()));
    requireLength(env, fn, "weights", w, op_->weightSize());
    return {x, n, w};
  }

  // forward(x, n, weights, out)
  Napi::Value Forward(const Napi::CallbackInfo& info) {
    static const char* fn = "LayerOp.forward";
    return guarded(info, fn, [&]() -> Napi::Value {
      Napi::Env env = info.Env();
      const auto [x, n, w] = inputs(info, fn);
      auto out = typedArrayArg<float>(info, 3, fn, "out");
      requireLength(env, fn, "out", out, checkedMul(env, fn, n, op_->outputSize()));
      if (overlaps(out.data, out.length, x.data, x.length) || overlaps(out.data, out.length, w.data, w.length))
        throwRange(env, fn, "out overlaps an input");
      op_->forward(x.data, n, w.data, out.data);
      report(env);
      return env.Undefined();
    });
  }

  // backward(x, n, weights, dy, dx | null, dWeights | null)
  Napi::Value Backward(const Napi::CallbackInfo& info) {
    static const char* fn = "LayerOp.backward";
    return guarded(info, fn, [&]() -> Napi::Value {
      Napi::Env env = info.Env();
      const auto [x, n, w] = inputs(info, fn);
      auto dy = typedArrayArg<float>(info, 3, fn, "dy");
      const auto optional = [&](size_t i, const char* name) {
        const Napi::Value v = argAt(info, i);
        return v.IsEmpty() || v.IsNull() || v.IsUndefined() ? View<float>{nullptr, 0} : typedArrayArg<float>(info, i, fn, name);
      };
      const View<float> dx = optional(4, "dx"), dw = optional(5, "dWeights");
      const int64_t inFloats = checkedMul(env, fn, n, op_->inputSize()), outFloats = checkedMul(env, fn, n, op_->outputSize());
      requireLength(env, fn, "dy", dy, outFloats);
      // A given output must hold its floats (an empty array's data is null, so test the argument, not the pointer).
      const Napi::Value dxArg = argAt(info, 4), dwArg = argAt(info, 5);
      const bool wantDx = !(dxArg.IsEmpty() || dxArg.IsNull() || dxArg.IsUndefined());
      const bool wantDw = !(dwArg.IsEmpty() || dwArg.IsNull() || dwArg.IsUndefined());
      if (wantDx) requireLength(env, fn, "dx", dx, inFloats);
      if (wantDw) requireLength(env, fn, "dWeights", dw, op_->weightSize());
      for (const View<float>& o : {dx, dw}) {
        if (overlaps(o.data, o.length, x.data, x.length) || overlaps(o.data, o.length, w.data, w.length) ||
            overlaps(o.data, o.length, dy.data, dy.length))
          throwRange(env, fn, "dx and dWeights must not overlap x, weights or dy");
      }
      if (overlaps(dx.data, dx.length, dw.data, dw.length)) throwRange(env, fn, "dx and dWeights overlap");
      op_->backward(x.data, n, w.data, dy.data, wantDx ? dx.data : nullptr, wantDw ? dw.data : nullptr);
      report(env);
      return env.Undefined();
    });
  }
};

void registerLayerOp(Napi::Env env, Napi::Object exports) { exports.Set("LayerOp", LayerOp::Define(env)); }

}  // namespace tfb
