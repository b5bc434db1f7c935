// NativeModel's methods for gradients outside fit's fused path: the tape's
// training forward and step (custom losses, custom layers), gradients and
// updates for tests, the regularization penalty, the hooks that run custom
// layers in JavaScript, and the optimizer's state (save / load).
#include <cstring>
#include <utility>
#include <vector>

#include "network_binding.h"

namespace tfb {

// setHostCallbacks(forward, backward): the functions that compute the model's custom layers.
Napi::Value NativeModel::SetHostCallbacks(const Napi::CallbackInfo& info) {
  static const char* fn = "setHostCallbacks";
  return guarded(info, fn, [&]() -> Napi::Value {
    if (info.Length() < 2 || !info[0].IsFunction() || !info[1].IsFunction()) throwType(info.Env(), fn, "expects (forward, backward) functions");
    hooks_ = std::make_unique<JsHostHooks>(info.Env(), info[0].As<Napi::Function>(), info[1].As<Napi::Function>());
    return info.Env().Undefined();
  });
}

// optimizerState() -> { iterations, nadamMomentumProduct, slots: Float32Array[] }
Napi::Value NativeModel::OptimizerState(const Napi::CallbackInfo& info) {
  return guarded(info, "optimizerState", [&]() -> Napi::Value {
    auto g = model_->shared();
    return optimizerStateValue(info.Env(), model_->trainer().optimizer());
  });
}

// setOptimizerState(iterations, nadamMomentumProduct, slots[])
Napi::Value NativeModel::SetOptimizerState(const Napi::CallbackInfo& info) {
  static const char* fn = "setOptimizerState";
  return guarded(info, fn, [&]() -> Napi::Value {
    Napi::Env env = info.Env();
    const int64_t it = intArg(info, 0, fn, "iterations", 0);
    const double u = numberArg(info, 1, fn, "nadamMomentumProduct");
    if (info.Length() < 3 || !info[2].IsArray()) throwType(env, fn, "slots must be an array");
    Napi::Array arr = info[2].As<Napi::Array>();
    std::vector<std::pair<const float*, size_t>> slots;
    for (uint32_t i = 0; i < arr.Length(); ++i) {
      TypedArrayInfo a;
      if (!typedArrayInfo(env, arr.Get(i), a) || a.type != napi_float32_array) throwType(env, fn, "slots must be Float32Arrays");
      slots.emplace_back(static_cast<const float*>(a.data), a.length);
    }
    model_->idleTrainer().optimizer().restore(it, u, slots);
    return env.Undefined();
  });
}

// computeGradients(data, gradsOut) -> loss. Synchronous; for tests.
Napi::Value NativeModel::ComputeGradients(const Napi::CallbackInfo& info) {
  static const char* fn = "computeGradients";
  return guarded(info, fn, [&]() -> Napi::Value {
    model_->trainer();
    const DataValues data = dataValuesArg(info, 0, fn);
    const tf::Dataset d = dataFrom(info.Env(), data, fn);
    auto out = typedArrayArg<float>(info, 1, fn, "grads");
    requireLength(info.Env(), fn, "grads", out, static_cast<int64_t>(graph().grads().size()));
    return Napi::Number::New(info.Env(), model_->computeGradients(d, out.data));
  });
}

// applyGradients(grads): one optimizer step with the given gradients. For tests.
Napi::Value NativeModel::ApplyGradients(const Napi::CallbackInfo& info) {
  static const char* fn = "applyGradients";
  return guarded(info, fn, [&]() -> Napi::Value {
    model_->trainer();
    auto in = typedArrayArg<float>(info, 0, fn, "grads");
    requireLength(info.Env(), fn, "grads", in, static_cast<int64_t>(graph().grads().size()));
    model_->applyGradients(in.data);
    return info.Env().Undefined();
  });
}

// tapeForward(x, rows, outputs): a training forward pass whose loss
// JavaScript's tape computes (custom losses); outputs [rows, outputSize].
Napi::Value NativeModel::TapeForward(const Napi::CallbackInfo& info) {
  static const char* fn = "tapeForward";
  return guarded(info, fn, [&]() -> Napi::Value {
    Napi::Env env = info.Env();
    auto x = typedArrayArg<float>(info, 0, fn, "x");
    const int64_t rows = intArg(info, 1, fn, "rows", 1, int64_t{1} << 31);
    auto out = typedArrayArg<float>(info, 2, fn, "outputs");
    requireLength(env, fn, "x", x, checkedMul(env, fn, rows, graph().rowSize()));
    requireLength(env, fn, "outputs", out, checkedMul(env, fn, rows, graph().outputSize()));
    tf::HostScope hosts(hooks_.get());
    model_->tapeForward(x.data, rows, out.data);
    return env.Undefined();
  });
}

// tapeStep(dOutputs, rows, loss) -> { loss, applied }: backward from the
// tape's dLoss/d(outputs) and the update (Trainer::tapeStep).
Napi::Value NativeModel::TapeStep(const Napi::CallbackInfo& info) {
  static const char* fn = "tapeStep";
  return guarded(info, fn, [&]() -> Napi::Value {
    Napi::Env env = info.Env();
    auto d = typedArrayArg<float>(info, 0, fn, "dOutputs");
    const int64_t rows = intArg(info, 1, fn, "rows", 1, int64_t{1} << 31);
    const double dataLoss = numberArg(info, 2, fn, "loss");
    requireLength(env, fn, "dOutputs", d, checkedMul(env, fn, rows, graph().outputSize()));
    bool applied = false;
    tf::HostScope hosts(hooks_.get());
    const double loss = model_->tapeStep(d.data, rows, dataLoss, &applied);
    Napi::Object r = Napi::Object::New(env);
    r.Set("loss", loss);
    r.Set("applied", applied);
    return r;
  });
}

// The kernel regularizers' penalty at the current weights (evaluate on the tape path adds it).
Napi::Value NativeModel::RegularizationPenalty(const Napi::CallbackInfo& info) {
  return guarded(info, "regularizationPenalty", [&]() -> Napi::Value {
    auto g = model_->shared();
    return Napi::Number::New(info.Env(), graph().regularizationPenalty());
  });
}

}  // namespace tfb
