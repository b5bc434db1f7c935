// The int8 quantization rules of native/int8_quantization.h for TypeScript
// (src/compression/quantize_graph.ts), so that the graph quantizer and the
// native int8 chain share one definition:
//   int8QuantizeKernel(kernel: Float32Array [inputs * units], inputs, units, perChannel)
//     -> { kernel: Int8Array [inputs * units], weightScales: Float32Array [units] }
//   uint8QuantFromRange(lo, hi) -> { scale, zeroPoint }
#include <cfloat>

#include "args.h"
#include "int8_quantization.h"

namespace tfb {

static Napi::Value Int8QuantizeKernel(const Napi::CallbackInfo& info) {
  static const char* fn = "int8QuantizeKernel";
  return guarded(info, fn, [&]() -> Napi::Value {
    Napi::Env env = info.Env();
    const int64_t K = intArg(info, 1, fn, "inputs", 1, INT32_MAX);
    const int64_t N = intArg(info, 2, fn, "units", 1, INT32_MAX);
    const bool perChannel = boolArg(info, 3, fn, "perChannel");
    const int64_t size = checkedMul(env, fn, K, N);
    const View<float> kernel = typedArrayArg<float>(info, 0, fn, "kernel");
    // Checked before allocating: the outputs are as large as the kernel given.
    if (static_cast<int64_t>(kernel.length) != size)
      throwRange(env, fn, "kernel has " + std::to_string(kernel.length) + " values, inputs * units = " + std::to_string(size));
    Napi::Int8Array q = Napi::Int8Array::New(env, static_cast<size_t>(size));
    Napi::Float32Array scales = Napi::Float32Array::New(env, static_cast<size_t>(N));
    tf::quantizeKernelInt8(kernel.data, K, N, perChannel, q.Data(), scales.Data());
    Napi::Object out = Napi::Object::New(env);
    out.Set("kernel", q);
    out.Set("weightScales", scales);
    return out;
  });
}

// A finite number within float32's range (the rule computes in float32).
static float float32Arg(const Napi::CallbackInfo& info, size_t i, const char* fn, const char* name) {
  const double d = numberArg(info, i, fn, name);
  if (!std::isfinite(d) || std::fabs(d) > FLT_MAX) throwRange(info.Env(), fn, std::string(name) + " must be a finite float32 value");
  return static_cast<float>(d);
}

static Napi::Value Uint8QuantFromRange(const Napi::CallbackInfo& info) {
  static const char* fn = "uint8QuantFromRange";
  return guarded(info, fn, [&]() -> Napi::Value {
    const float lo = float32Arg(info, 0, fn, "lo"), hi = float32Arg(info, 1, fn, "hi");
    const tf::Uint8Quant q = tf::uint8QuantFromRange(lo, hi);
    Napi::Object out = Napi::Object::New(info.Env());
    out.Set("scale", q.scale);
    out.Set("zeroPoint", q.zeroPoint);
    return out;
  });
}

void registerInt8Quantization(Napi::Env env, Napi::Object exports) {
  exports.Set("int8QuantizeKernel", Napi::Function::New(env, Int8QuantizeKernel, "int8QuantizeKernel"));
  exports.Set("uint8QuantFromRange", Napi::Function::New(env, Uint8QuantFromRange, "uint8QuantFromRange"));
}

}  // namespace tfb
