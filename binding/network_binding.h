// NativeModel: the JavaScript face of one tf::Model (native/model.h), which
// the TypeScript model class owns. Its methods are defined in
// network_binding.cc (weights, compile, training, evaluation, prediction)
// and model_gradients_binding.cc (gradients for the tape, custom layers'
// hooks, the optimizer's state).
#pragma once
#include <climits>
#include <cstdint>
#include <memory>

#include "args.h"
#include "dataset_arg.h"
#include "host_hooks.h"
#include "model.h"
#include "model_values.h"

namespace tfb {

class NativeModel : public Napi::ObjectWrap<NativeModel> {
 public:
  // Writable and configurable, as a JavaScript class's methods are (tests wrap them).
  static PropertyDescriptor method(const char* name, InstanceMethodCallback fn) {
    return InstanceMethod(name, fn, napi_default_method);
  }
  static Napi::Function Define(Napi::Env env);

  explicit NativeModel(const Napi::CallbackInfo& info);

  void Finalize(Napi::Env env) override { Napi::MemoryManagement::AdjustExternalMemory(env, -reported_); }

 private:
  std::unique_ptr<tf::Model> model_;
  int64_t reported_ = 0;
  std::unique_ptr<JsHostHooks> hooks_;  // the model's custom layers (host_hooks.h), or null
  bool predicting_ = false;

  tf::Graph& graph() { return model_->graph(); }
  // The data object, checked against what the loss and metrics read once compiled.
  tf::Dataset dataFrom(Napi::Env env, const DataValues& v, const char* fn);

  // (x, n, batchSize, out) at info[0..3], checked.
  struct PredictArgs {
    const float* x;
    float* out;
    int64_t n, batchSize;
  };
  PredictArgs predictArgs(const Napi::CallbackInfo& info, const char* fn) {
    Napi::Env env = info.Env();
    auto x = typedArrayArg<float>(info, 0, fn, "x");
    const int64_t n = intArg(info, 1, fn, "n", 0, INT32_MAX);
    const int64_t batchSize = intArg(info, 2, fn, "batchSize", 1, INT32_MAX);
    auto out = typedArrayArg<float>(info, 3, fn, "out");
    requireLength(env, fn, "x", x, checkedMul(env, fn, n, graph().rowSize()));
    requireLength(env, fn, "out", out, checkedMul(env, fn, n, graph().outputSize()));
    return {x.data, out.data, n, batchSize};
  }

  // network_binding.cc
  Napi::Value Slots(const Napi::CallbackInfo& info) { return slotsValue(info.Env(), graph().slots()); }
  Napi::Value ReadWeights(const Napi::CallbackInfo& info);
  Napi::Value WriteWeights(const Napi::CallbackInfo& info);
  Napi::Value Compile(const Napi::CallbackInfo& info);
  Napi::Value TrainChunk(const Napi::CallbackInfo& info);
  Napi::Value Evaluate(const Napi::CallbackInfo& info);
  Napi::Value Predict(const Napi::CallbackInfo& info);
  Napi::Value PredictAsync(const Napi::CallbackInfo& info);
  Napi::Value Cancel(const Napi::CallbackInfo& info);
  Napi::Value LearningRate(const Napi::CallbackInfo& info);
  Napi::Value SetLearningRate(const Napi::CallbackInfo& info);
  Napi::Value SetPruning(const Napi::CallbackInfo& info);
  Napi::Value Reseed(const Napi::CallbackInfo& info);

  // model_gradients_binding.cc
  Napi::Value SetHostCallbacks(const Napi::CallbackInfo& info);
  Napi::Value OptimizerState(const Napi::CallbackInfo& info);
  Napi::Value SetOptimizerState(const Napi::CallbackInfo& info);
  Napi::Value ComputeGradients(const Napi::CallbackInfo& info);
  Napi::Value ApplyGradients(const Napi::CallbackInfo& info);
  Napi::Value TapeForward(const Napi::CallbackInfo& info);
  Napi::Value TapeStep(const Napi::CallbackInfo& info);
  Napi::Value RegularizationPenalty(const Napi::CallbackInfo& info);
};

}  // namespace tfb
