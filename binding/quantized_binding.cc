// NativeQuantizedMlp: the int8 inference chain of native/quantized_mlp.h.
// Shapes are validated in TypeScript (src/compression/quantize.ts) first;
// here every length is re-checked so no call can read or write outside its buffers.
#include <memory>

#include "args.h"
#include "int8_gemm.h"
#include "promise_worker.h"
#include "quantized_mlp.h"

namespace tfb {

namespace {
tf::Int8Path pathValue(Napi::Env env, Napi::Value v, const char* fn) {
  if (v.IsEmpty() || v.IsUndefined()) return tf::int8BestPath();
  if (!v.IsString()) throwType(env, fn, "path must be a string");
  const std::string s = v.As<Napi::String>().Utf8Value();
  for (tf::Int8Path p : {tf::Int8Path::Portable, tf::Int8Path::Avx2, tf::Int8Path::AvxVnni, tf::Int8Path::Avx512Vnni}) {
    if (s == tf::int8PathName(p)) {
      if (!tf::int8PathAvailable(p)) throwRange(env, fn, "int8 path '" + s + "' does not run on this CPU");
      return p;
    }
  }
  throwRange(env, fn, "unknown int8 path '" + s + "'; valid: portable, avx2, avx-vnni, avx512-vnni");
}
}  // namespace

class NativeQuantizedMlp : public Napi::ObjectWrap<NativeQuantizedMlp> {
 public:
  static Napi::Function Define(Napi::Env env) {
    using Q = NativeQuantizedMlp;
    return DefineClass(env, "NativeQuantizedMlp",
                       {InstanceMethod("predict", &Q::Predict, napi_default_method),
                        InstanceMethod("predictAsync", &Q::PredictAsync, napi_default_method),
                        InstanceMethod("predictFloat", &Q::PredictFloat, napi_default_method),
                        InstanceMethod("info", &Q::Info, napi_default_method),
                        InstanceMethod("exportLayers", &Q::ExportLayers, napi_default_method)});
  }

  // NativeQuantizedMlp(layers [{inputs, units, kernel, bias, activation, activationParam}], perChannel, calibration, rows)
  explicit NativeQuantizedMlp(const Napi::CallbackInfo& info) : Napi::ObjectWrap<NativeQuantizedMlp>(info) {
    static const char* fn = "quantize";
    guarded(info, fn, [&]() -> Napi::Value {
      Napi::Env env = info.Env();
      if (info.Length() == 1 && info[0].IsArray()) return fromSaved(info, fn);
      if (info.Length() < 4 || !info[0].IsArray()) throwType(env, fn, "expects (layers, perChannel, calibration, rows) or (savedLayers)");
      Napi::Array list = info[0].As<Napi::Array>();
      const uint32_t n = list.Length();
      if (n == 0 || n > 4096) throwRange(env, fn, "needs 1 to 4096 layers");
      // Every property is read (getters run) before any pointer is taken.
      std::vector<std::array<Napi::Value, 6>> props(n);
      for (uint32_t l = 0; l < n; ++l) {
        Napi::Value v = list.Get(l);
        if (!v.IsObject()) throwType(env, fn, "layers must hold objects");
        Napi::Object o = v.As<Napi::Object>();
        const char* keys[6] = {"inputs", "units", "kernel", "bias", "activation", "activationParam"};
        for (int k = 0; k < 6; ++k) props[l][k] = o.Get(keys[k]);
      }
      const bool perChannel = boolArg(info, 1, fn, "perChannel");
      const int64_t rows = intArg(info, 3, fn, "rows", 1, INT32_MAX);
      std::vector<tf::DenseLayerSpec> specs(n);
      for (uint32_t l = 0; l < n; ++l) {
        tf::DenseLayerSpec& s = specs[l];
        s.inputs = intValue(env, props[l][0], fn, "inputs", 1, int64_t{1} << 24);
        s.units = intValue(env, props[l][1], fn, "units", 1, int64_t{1} << 24);
        auto kernel = typedArrayValue<float>(env, props[l][2], fn, "kernel");
        requireLength(env, fn, "kernel", kernel, checkedMul(env, fn, s.inputs, s.units));
        s.kernel = kernel.data;
        if (!props[l][3].IsNull() && !props[l][3].IsUndefined()) {
          auto bias = typedArrayValue<float>(env, props[l][3], fn, "bias");
          requireLength(env, fn, "bias", bias, s.units);
          s.bias = bias.data;
        }
        s.activation = static_cast<tf::Activation>(intValue(env, props[l][4], fn, "activation", 0,
                                                            static_cast<int64_t>(tf::Activation::Softmax)));
        double p = 0;
        if (napi_get_value_double(env, props[l][5], &p) != napi_ok) p = 0;
        s.activationParam = static_cast<float>(p);
      }
      auto calib = typedArrayArg<float>(info, 2, fn, "calibration");
      requireLength(env, fn, "calibration", calib, checkedMul(env, fn, rows, specs[0].inputs));
      mlp_ = std::make_shared<tf::QuantizedMlp>(specs, perChannel, calib.data, rows);
      return env.Undefined();
    });
  }

 private:
  std::shared_ptr<tf::QuantizedMlp> mlp_;

  // (savedLayers [{inputs, units, kernel: Int8Array, weightScales, bias, inputScale, inputZeroPoint, activation, activationParam}])
  Napi::Value fromSaved(const Napi::CallbackInfo& info, const char* fn) {
    Napi::Env env = info.Env();
    Napi::Array list = info[0].As<Napi::Array>();
    const uint32_t n = list.Length();
    if (n == 0 || n > 4096) throwRange(env, fn, "needs 1 to 4096 layers");
    constexpr int kKeys = 9;
    const char* keys[kKeys] = {"inputs", "units", "kernel", "weightScales", "bias", "inputScale", "inputZeroPoint", "activation", "activationParam"};
    std::vector<std::array<Napi::Value, kKeys>> props(n);
    for (uint32_t l = 0; l < n; ++l) {
      Napi::Value v = list.Get(l);
      if (!v.IsObject()) throwType(env, fn, "layers must hold objects");
      Napi::Object o = v.As<Napi::Object>();
      for (int k = 0; k < kKeys; ++k) props[l][k] = o.Get(keys[k]);
    }
    std::vector<tf::QuantizedDenseSpec> specs(n);
    for (uint32_t l = 0; l < n; ++l) {
      tf::QuantizedDenseSpec& s = specs[l];
      s.inputs = intValue(env, props[l][0], fn, "inputs", 1, int64_t{1} << 24);
      s.units = intValue(env, props[l][1], fn, "units", 1, int64_t{1} << 24);
      const TypedArrayInfo kernel = anyTypedArrayValue(env, props[l][2], fn, "kernel");
      if (kernel.type != napi_int8_array) throwType(env, fn, "kernel must be an Int8Array");
      if (static_cast<int64_t>(kernel.length) != checkedMul(env, fn, s.inputs, s.units)) throwRange(env, fn, "kernel has the wrong length");
      s.kernel = static_cast<const int8_t*>(kernel.data);
      auto scales = typedArrayValue<float>(env, props[l][3], fn, "weightScales");
      requireLength(env, fn, "weightScales", scales, s.units);
      s.weightScales = scales.data;
      auto bias = typedArrayValue<float>(env, props[l][4], fn, "bias");
      requireLength(env, fn, "bias", bias, s.units);
      s.bias = bias.data;
      double scale = 0;
      if (napi_get_value_double(env, props[l][5], &scale) != napi_ok) throwType(env, fn, "inputScale must be a number");
      s.input.scale = static_cast<float>(scale);
      s.input.zeroPoint = static_cast<int32_t>(intValue(env, props[l][6], fn, "inputZeroPoint", 0, 255));
      s.activation = static_cast<tf::Activation>(intValue(env, props[l][7], fn, "activation", 0, static_cast<int64_t>(tf::Activation::Softmax)));
      double p = 0;
      if (napi_get_value_double(env, props[l][8], &p) != napi_ok) p = 0;
      s.activationParam = static_cast<float>(p);
    }
    mlp_ = std::make_shared<tf::QuantizedMlp>(specs);
    return env.Undefined();
  }

  // exportLayers(): [{kernel: Int8Array [K*N], weightScales, bias}] (the rest is in info()).
  Napi::Value ExportLayers(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Napi::Array out = Napi::Array::New(env);
    for (int64_t l = 0; l < mlp_->layerCount(); ++l) {
      Napi::Object e = Napi::Object::New(env);
      e.Set("kernel", typedArrayCopy(env, mlp_->kernelInt8(l)));
      e.Set("weightScales", typedArrayCopy(env, mlp_->weightScales(l)));
      e.Set("bias", typedArrayCopy(env, mlp_->bias(l)));
      out.Set(static_cast<uint32_t>(l), e);
    }
    return out;
  }

  struct Call {
    float* x;
    float* out;
    int64_t rows;
    tf::Int8Path path;
  };
  // (x, rows, out, path?)
  Call callArgs(const Napi::CallbackInfo& info, const char* fn) {
    Napi::Env env = info.Env();
    const int64_t rows = intArg(info, 1, fn, "rows", 0, INT32_MAX);
    const tf::Int8Path path = pathValue(env, argAt(info, 3), fn);
    auto x = typedArrayArg<float>(info, 0, fn, "x");
    auto out = typedArrayArg<float>(info, 2, fn, "out");
    requireLength(env, fn, "x", x, checkedMul(env, fn, rows, mlp_->inputs()));
    requireLength(env, fn, "out", out, checkedMul(env, fn, rows, mlp_->outputs()));
    return {x.data, out.data, rows, path};
  }

  Napi::Value Predict(const Napi::CallbackInfo& info) {
    static const char* fn = "predict";
    return guarded(info, fn, [&]() -> Napi::Value {
      const Call c = callArgs(info, fn);
      mlp_->predict(c.x, c.rows, c.out, c.path);
      return info.Env().Undefined();
    });
  }

  Napi::Value PredictAsync(const Napi::CallbackInfo& info) {
    static const char* fn = "predictAsync";
    return guarded(info, fn, [&]() -> Napi::Value {
      const Call c = callArgs(info, fn);
      std::shared_ptr<tf::QuantizedMlp> mlp = mlp_;
      return queueWork(info, fn, {0, 2}, [mlp, c]() { mlp->predict(c.x, c.rows, c.out, c.path); },
                       [](Napi::Env env) -> Napi::Value { return env.Undefined(); });
    });
  }

  Napi::Value PredictFloat(const Napi::CallbackInfo& info) {
    static const char* fn = "predictFloat";
    return guarded(info, fn, [&]() -> Napi::Value {
      const Call c = callArgs(info, fn);
      mlp_->predictFloat(c.x, c.rows, c.out);
      return info.Env().Undefined();
    });
  }

  // info(): {path, storedBytes, layers: [{inputScale, inputZeroPoint, weightScales}]}
  Napi::Value Info(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Napi::Object o = Napi::Object::New(env);
    o.Set("path", tf::int8PathName(tf::int8BestPath()));
    o.Set("storedBytes", static_cast<double>(mlp_->storedBytes()));
    Napi::Array layers = Napi::Array::New(env);
    for (int64_t l = 0; l < mlp_->layerCount(); ++l) {
      Napi::Object e = Napi::Object::New(env);
      e.Set("inputScale", mlp_->inputQuant(l).scale);
      e.Set("inputZeroPoint", mlp_->inputQuant(l).zeroPoint);
      e.Set("weightScales", typedArrayCopy(env, mlp_->weightScales(l)));
      layers.Set(static_cast<uint32_t>(l), e);
    }
    o.Set("layers", layers);
    return o;
  }
};

void registerQuantized(Napi::Env env, Napi::Object exports) {
  exports.Set("NativeQuantizedMlp", NativeQuantizedMlp::Define(env));
  Napi::Array paths = Napi::Array::New(env);
  uint32_t k = 0;
  for (tf::Int8Path p : {tf::Int8Path::Portable, tf::Int8Path::Avx2, tf::Int8Path::AvxVnni, tf::Int8Path::Avx512Vnni})
    if (tf::int8PathAvailable(p)) paths.Set(k++, tf::int8PathName(p));
  exports.Set("int8Paths", paths);
}

}  // namespace tfb
