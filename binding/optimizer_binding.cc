// Standalone optimizer state for custom training loops (optimizer.applyGradients
// over tf.Variables): one tf::Optimizer (native/optimizers.h, the same fused
// update fit runs) over a parameter arena that TypeScript packs. Glue only:
// arguments are re-checked here, the update lives in native/.
#include <memory>
#include <utility>
#include <vector>

#include "args.h"
#include "config_arg.h"
#include "memory_limit.h"
#include "optimizers.h"

namespace tfb {

namespace {

class NativeOptimizer : public Napi::ObjectWrap<NativeOptimizer> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "NativeOptimizer",
                       {InstanceMethod("step", &NativeOptimizer::Step, napi_default_method),
                        InstanceMethod("iterations", &NativeOptimizer::Iterations, napi_default_method),
                        InstanceMethod("learningRate", &NativeOptimizer::LearningRate, napi_default_method)});
  }

  // NativeOptimizer(config, size): config as optimizerCreate documents.
  explicit NativeOptimizer(const Napi::CallbackInfo& info) : Napi::ObjectWrap<NativeOptimizer>(info) {
    static const char* fn = "optimizerCreate";
    guarded(info, fn, [&]() -> Napi::Value {
      const tf::Config c = configArg(info, 0, fn, "config");
      size_ = intArg(info, 1, fn, "size", 0, INT32_MAX);
      const tf::OptimizerConfig cfg = tf::optimizerConfigFrom(c);
      // The slots are written when made: a size past the memory limit is an error, not an out-of-memory kill.
      tf::requireMemory("the optimizer's state", static_cast<int64_t>(tf::optimizerSlotCount(cfg)) * size_ * 4);
      opt_ = std::make_unique<tf::Optimizer>(cfg, size_);
      return info.Env().Undefined();
    });
  }

 private:
  // step(params, grads, segments) -> finite. params and grads hold exactly
  // `size` floats; segments is an Int32Array of (offset, length) pairs, one per
  // variable, inside [0, size). grads may be changed by clipping.
  Napi::Value Step(const Napi::CallbackInfo& info) {
    static const char* fn = "NativeOptimizer.step";
    return guarded(info, fn, [&]() -> Napi::Value {
      Napi::Env env = info.Env();
      if (!opt_) throwType(env, fn, "not constructed");
      auto params = typedArrayArg<float>(info, 0, fn, "params");
      auto grads = typedArrayArg<float>(info, 1, fn, "grads");
      auto seg = typedArrayArg<int32_t>(info, 2, fn, "segments");
      if (static_cast<int64_t>(params.length) != size_ || static_cast<int64_t>(grads.length) != size_)
        throwRange(env, fn, "params and grads must hold " + std::to_string(size_) + " elements");
      if (seg.length % 2 != 0) throwRange(env, fn, "segments must hold (offset, length) pairs");
      std::vector<std::pair<int64_t, int64_t>> segments;
      segments.reserve(seg.length / 2);
      for (size_t k = 0; k + 1 < seg.length; k += 2) {
        const int64_t off = seg.data[k], len = seg.data[k + 1];
        if (off < 0 || len < 0 || off + len > size_) throwRange(env, fn, "segment " + std::to_string(k / 2) + " lies outside the arena");
        segments.emplace_back(off, len);
      }
      return Napi::Boolean::New(env, opt_->step(params.data, grads.data, size_, segments));
    });
  }

  Napi::Value Iterations(const Napi::CallbackInfo& info) {
    return Napi::Number::New(info.Env(), opt_ ? static_cast<double>(opt_->iterations()) : 0.0);
  }

  Napi::Value LearningRate(const Napi::CallbackInfo& info) {
    return Napi::Number::New(info.Env(), opt_ ? opt_->currentLearningRate() : 0.0);
  }

  std::unique_ptr<tf::Optimizer> opt_;
  int64_t size_ = 0;
};

// optimizerCreate(config, size): a NativeOptimizer. The class itself is not
// exported, so every entry point is a plain function.
Napi::Value Create(const Napi::CallbackInfo& info) {
  auto* ctor = static_cast<Napi::FunctionReference*>(info.Data());
  std::vector<napi_value> args;
  for (size_t i = 0; i < info.Length() && i < 2; ++i) args.push_back(info[i]);
  while (args.size() < 2) args.push_back(info.Env().Undefined());
  return ctor->New(args);
}

}  // namespace

void registerOptimizer(Napi::Env env, Napi::Object exports) {
  // One reference per environment, alive as long as the addon is loaded.
  auto* ctor = new Napi::FunctionReference(Napi::Persistent(NativeOptimizer::Define(env)));
  env.AddCleanupHook([ctor]() { delete ctor; });
  exports.Set("optimizerCreate", Napi::Function::New(env, Create, "optimizerCreate", ctor));
}

}  // namespace tfb
