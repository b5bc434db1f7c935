// Op-level kernels: elementwise, activations, reductions, movement. Shapes are
// validated (and broadcast / merged) in TypeScript first; here every size,
// stride and index is re-checked so that no call, however malformed, can read
// or write outside its buffers.
#include <string>
#include <vector>

#include "activations.h"
#include "args.h"
#include "elementwise.h"
#include "movement.h"
#include "reduce.h"

namespace tfb {

namespace {

constexpr int64_t kMaxIndex = INT32_MAX;

int64_t checkedAdd(Napi::Env env, const char* fn, int64_t a, int64_t b) {
  if (b > std::numeric_limits<int64_t>::max() - a) throwRange(env, fn, "size overflows");
  return a + b;
}

// A shape or stride list passed as an Int32Array of non-negative values.
struct Dims {
  int64_t v[tf::kMaxRank];
  int rank;
};

Dims dimsArg(const Napi::CallbackInfo& info, size_t i, const char* fn, const char* name) {
  Napi::Env env = info.Env();
  auto a = typedArrayArg<int32_t>(info, i, fn, name);
  if (a.length > static_cast<size_t>(tf::kMaxRank))
    throwRange(env, fn, std::string(name) + " has " + std::to_string(a.length) + " dimensions, at most " +
                            std::to_string(tf::kMaxRank) + " are supported");
  Dims d{};
  d.rank = static_cast<int>(a.length);
  for (int k = 0; k < d.rank; ++k) {
    if (a.data[k] < 0) throwRange(env, fn, std::string(name) + "[" + std::to_string(k) + "] is negative");
    d.v[k] = a.data[k];
  }
  return d;
}

int64_t elementCount(Napi::Env env, const char* fn, const Dims& shape) {
  int64_t n = 1;
  for (int k = 0; k < shape.rank; ++k) n = checkedMul(env, fn, n, shape.v[k]);
  return n;
}

// Throws unless every element a strided view of `shape` reads, starting at
// `offset`, lies inside an array of `length` elements.
void requireStridedFits(Napi::Env env, const char* fn, const char* name, size_t length, int64_t offset,
                        const Dims& shape, const Dims& strides) {
  if (strides.rank != shape.rank) throwRange(env, fn, std::string(name) + " strides do not match the shape's rank");
  if (elementCount(env, fn, shape) == 0) return;
  int64_t last = offset;
  for (int k = 0; k < shape.rank; ++k) last = checkedAdd(env, fn, last, checkedMul(env, fn, shape.v[k] - 1, strides.v[k]));
  if (last >= static_cast<int64_t>(length))
    throwRange(env, fn, std::string(name) + " has " + std::to_string(length) + " elements, its strided view reaches element " +
                            std::to_string(last));
}

// Float32Array -> true, Int32Array -> false, anything else throws.
bool isFloat(const Napi::CallbackInfo& info, size_t i, const char* fn, const char* name) {
  const napi_typedarray_type t = anyTypedArrayArg(info, i, fn, name).type;
  if (t == napi_float32_array) return true;
  if (t == napi_int32_array) return false;
  throwType(info.Env(), fn, std::string(name) + " must be a Float32Array or an Int32Array");
}

// double -> float without the undefined behaviour of an out-of-range conversion.
float toFloat(double v) {
  if (v > std::numeric_limits<float>::max()) return INFINITY;
  if (v < -std::numeric_limits<float>::max()) return -INFINITY;
  return static_cast<float>(v);
}

template <typename E>
E enumArg(const Napi::CallbackInfo& info, size_t i, const char* fn, const char* name, E count) {
  return static_cast<E>(intArg(info, i, fn, name, 0, static_cast<int64_t>(count) - 1));
}

// binary(op, a, aStrides, b, bStrides, out, shape): same typed-array type for a, b, out.
template <typename T>
void runBinary(const Napi::CallbackInfo& info, const char* fn, tf::BinaryOp op) {
  Napi::Env env = info.Env();
  auto a = typedArrayArg<T>(info, 1, fn, "a");
  const Dims as = dimsArg(info, 2, fn, "aStrides");
  auto b = typedArrayArg<T>(info, 3, fn, "b");
  const Dims bs = dimsArg(info, 4, fn, "bStrides");
  auto out = typedArrayArg<T>(info, 5, fn, "out");
  Dims shape = dimsArg(info, 6, fn, "shape");
  requireStridedFits(env, fn, "a", a.length, 0, shape, as);
  requireStridedFits(env, fn, "b", b.length, 0, shape, bs);
  const int64_t n = elementCount(env, fn, shape);
  requireLength(env, fn, "out", out, n);
  if (n == 0) return;
  if constexpr (std::is_same<T, float>::value) tf::binaryF32(op, a.data, as.v, b.data, bs.v, out.data, shape.v, shape.rank);
  else tf::binaryI32(op, a.data, as.v, b.data, bs.v, out.data, shape.v, shape.rank);
}

Napi::Value Binary(const Napi::CallbackInfo& info) {
  static const char* fn = "binary";
  return guarded(info, fn, [&]() -> Napi::Value {
    const auto op = enumArg(info, 0, fn, "op", tf::BinaryOp::Count);
    if (isFloat(info, 1, fn, "a")) runBinary<float>(info, fn, op);
    else runBinary<int32_t>(info, fn, op);
    return info.Env().Undefined();
  });
}

// unary(op, x, out)
Napi::Value Unary(const Napi::CallbackInfo& info) {
  static const char* fn = "unary";
  return guarded(info, fn, [&]() -> Napi::Value {
    Napi::Env env = info.Env();
    const auto op = enumArg(info, 0, fn, "op", tf::UnaryOp::Count);
    if (isFloat(info, 1, fn, "x")) {
      auto x = typedArrayArg<float>(info, 1, fn, "x");
      auto out = typedArrayArg<float>(info, 2, fn, "out");
      requireLength(env, fn, "out", out, x.length);
      tf::unaryF32(op, x.data, out.data, x.length);
    } else {
      auto x = typedArrayArg<int32_t>(info, 1, fn, "x");
      auto out = typedArrayArg<int32_t>(info, 2, fn, "out");
      requireLength(env, fn, "out", out, x.length);
      tf::unaryI32(op, x.data, out.data, x.length);
    }
    return env.Undefined();
  });
}

// Softmax has its own row-wise entry points; the elementwise ones stop before it.
tf::Activation activationArg(const Napi::CallbackInfo& info, size_t i, const char* fn) {
  return enumArg(info, i, fn, "activation", tf::Activation::Softmax);
}

// activation(kind, param, x, out)
Napi::Value ActivationForward(const Napi::CallbackInfo& info) {
  static const char* fn = "activation";
  return guarded(info, fn, [&]() -> Napi::Value {
    Napi::Env env = info.Env();
    const auto kind = activationArg(info, 0, fn);
    const float param = toFloat(numberArg(info, 1, fn, "param"));
    auto x = typedArrayArg<float>(info, 2, fn, "x");
    auto out = typedArrayArg<float>(info, 3, fn, "out");
    requireLength(env, fn, "out", out, x.length);
    tf::activationForward(kind, param, x.data, out.data, x.length);
    return env.Undefined();
  });
}

// activationGrad(kind, param, x, y, dy, dx)
Napi::Value ActivationBackward(const Napi::CallbackInfo& info) {
  static const char* fn = "activationGrad";
  return guarded(info, fn, [&]() -> Napi::Value {
    Napi::Env env = info.Env();
    const auto kind = activationArg(info, 0, fn);
    const float param = toFloat(numberArg(info, 1, fn, "param"));
    auto x = typedArrayArg<float>(info, 2, fn, "x");
    auto y = typedArrayArg<float>(info, 3, fn, "y");
    auto dy = typedArrayArg<float>(info, 4, fn, "dy");
    auto dx = typedArrayArg<float>(info, 5, fn, "dx");
    requireLength(env, fn, "y", y, x.length);
    requireLength(env, fn, "dy", dy, x.length);
    requireLength(env, fn, "dx", dx, x.length);
    tf::activationBackward(kind, param, x.data, y.data, dy.data, dx.data, x.length);
    return env.Undefined();
  });
}

// softmax(x, out, rows, cols, log)
Napi::Value Softmax(const Napi::CallbackInfo& info) {
  static const char* fn = "softmax";
  return guarded(info, fn, [&]() -> Napi::Value {
    Napi::Env env = info.Env();
    auto x = typedArrayArg<float>(info, 0, fn, "x");
    auto out = typedArrayArg<float>(info, 1, fn, "out");
    const int64_t rows = intArg(info, 2, fn, "rows", 0, kMaxIndex);
    const int64_t cols = intArg(info, 3, fn, "cols", 0, kMaxIndex);
    const bool log = boolArg(info, 4, fn, "log");
    const int64_t n = checkedMul(env, fn, rows, cols);
    requireLength(env, fn, "x", x, n);
    requireLength(env, fn, "out", out, n);
    if (n == 0) return env.Undefined();
    if (log) tf::logSoftmaxRows(x.data, out.data, rows, cols);
    else tf::softmaxRows(x.data, out.data, rows, cols);
    return env.Undefined();
  });
}

// softmaxGrad(y, dy, dx, rows, cols, log): y is the forward output.
Napi::Value SoftmaxBackward(const Napi::CallbackInfo& info) {
  static const char* fn = "softmaxGrad";
  return guarded(info, fn, [&]() -> Napi::Value {
    Napi::Env env = info.Env();
    auto y = typedArrayArg<float>(info, 0, fn, "y");
    auto dy = typedArrayArg<float>(info, 1, fn, "dy");
    auto dx = typedArrayArg<float>(info, 2, fn, "dx");
    const int64_t rows = intArg(info, 3, fn, "rows", 0, kMaxIndex);
    const int64_t cols = intArg(info, 4, fn, "cols", 0, kMaxIndex);
    const bool log = boolArg(info, 5, fn, "log");
    const int64_t n = checkedMul(env, fn, rows, cols);
    requireLength(env, fn, "y", y, n);
    requireLength(env, fn, "dy", dy, n);
    requireLength(env, fn, "dx", dx, n);
    if (n == 0) return env.Undefined();
    if (log) tf::logSoftmaxBackwardRows(y.data, dy.data, dx.data, rows, cols);
    else tf::softmaxBackwardRows(y.data, dy.data, dx.data, rows, cols);
    return env.Undefined();
  });
}

struct ReduceDims {
  int64_t outer, n, inner, inSize, outSize;
};

ReduceDims reduceDimsArgs(const Napi::CallbackInfo& info, size_t i, const char* fn) {
  Napi::Env env = info.Env();
  ReduceDims d{};
  d.outer = intArg(info, i, fn, "outer", 0, kMaxIndex);
  d.n = intArg(info, i + 1, fn, "n", 0, kMaxIndex);
  d.inner = intArg(info, i + 2, fn, "inner", 0, kMaxIndex);
  d.outSize = checkedMul(env, fn, d.outer, d.inner);
  d.inSize = checkedMul(env, fn, d.outSize, d.n);
  return d;
}

// reduce(op, x, out, outer, n, inner): out has x's element type.
Napi::Value Reduce(const Napi::CallbackInfo& info) {
  static const char* fn = "reduce";
  return guarded(info, fn, [&]() -> Napi::Value {
    Napi::Env env = info.Env();
    const auto op = enumArg(info, 0, fn, "op", tf::ReduceOp::Count);
    const ReduceDims d = reduceDimsArgs(info, 3, fn);
    if (isFloat(info, 1, fn, "x")) {
      auto x = typedArrayArg<float>(info, 1, fn, "x");
      auto out = typedArrayArg<float>(info, 2, fn, "out");
      requireLength(env, fn, "x", x, d.inSize);
      requireLength(env, fn, "out", out, d.outSize);
      if (d.outSize > 0) tf::reduceF32(op, x.data, out.data, d.outer, d.n, d.inner);
    } else {
      auto x = typedArrayArg<int32_t>(info, 1, fn, "x");
      auto out = typedArrayArg<int32_t>(info, 2, fn, "out");
      requireLength(env, fn, "x", x, d.inSize);
      requireLength(env, fn, "out", out, d.outSize);
      if (d.outSize > 0) tf::reduceI32(op, x.data, out.data, d.outer, d.n, d.inner);
    }
    return env.Undefined();
  });
}

// argReduce(isMin, x, out: Int32Array, outer, n, inner)
Napi::Value ArgReduce(const Napi::CallbackInfo& info) {
  static const char* fn = "argReduce";
  return guarded(info, fn, [&]() -> Napi::Value {
    Napi::Env env = info.Env();
    const bool isMin = boolArg(info, 0, fn, "isMin");
    const ReduceDims d = reduceDimsArgs(info, 3, fn);
    auto out = typedArrayArg<int32_t>(info, 2, fn, "out");
    requireLength(env, fn, "out", out, d.outSize);
    if (d.outSize > 0 && d.n == 0) throwRange(env, fn, "cannot reduce over an empty axis");
    if (isFloat(info, 1, fn, "x")) {
      auto x = typedArrayArg<float>(info, 1, fn, "x");
      requireLength(env, fn, "x", x, d.inSize);
      if (d.outSize == 0) return env.Undefined();
      (isMin ? tf::argMinF32 : tf::argMaxF32)(x.data, out.data, d.outer, d.n, d.inner);
    } else {
      auto x = typedArrayArg<int32_t>(info, 1, fn, "x");
      requireLength(env, fn, "x", x, d.inSize);
      if (d.outSize == 0) return env.Undefined();
      (isMin ? tf::argMinI32 : tf::argMaxI32)(x.data, out.data, d.outer, d.n, d.inner);
    }
    return env.Undefined();
  });
}

// stridedCopy(x, offset, shape, strides, out)
template <typename T>
void runStridedCopy(const Napi::CallbackInfo& info, const char* fn) {
  Napi::Env env = info.Env();
  auto x = typedArrayArg<T>(info, 0, fn, "x");
  const int64_t offset = intArg(info, 1, fn, "offset", 0, kMaxIndex);
  const Dims shape = dimsArg(info, 2, fn, "shape");
  const Dims strides = dimsArg(info, 3, fn, "strides");
  auto out = typedArrayArg<T>(info, 4, fn, "out");
  requireStridedFits(env, fn, "x", x.length, offset, shape, strides);
  const int64_t n = elementCount(env, fn, shape);
  requireLength(env, fn, "out", out, n);
  if (n > 0) tf::stridedCopy<T>(x.data + offset, shape.v, strides.v, shape.rank, out.data);
}

Napi::Value StridedCopy(const Napi::CallbackInfo& info) {
  static const char* fn = "stridedCopy";
  return guarded(info, fn, [&]() -> Napi::Value {
    if (isFloat(info, 0, fn, "x")) runStridedCopy<float>(info, fn);
    else runStridedCopy<int32_t>(info, fn);
    return info.Env().Undefined();
  });
}

// gather(x, indices, out, outer, axisDim, inner)
template <typename T>
void runGather(const Napi::CallbackInfo& info, const char* fn) {
  Napi::Env env = info.Env();
  auto x = typedArrayArg<T>(info, 0, fn, "x");
  auto idx = typedArrayArg<int32_t>(info, 1, fn, "indices");
  auto out = typedArrayArg<T>(info, 2, fn, "out");
  const int64_t outer = intArg(info, 3, fn, "outer", 0, kMaxIndex);
  const int64_t axisDim = intArg(info, 4, fn, "axisDim", 0, kMaxIndex);
  const int64_t inner = intArg(info, 5, fn, "inner", 0, kMaxIndex);
  const int64_t nIdx = static_cast<int64_t>(idx.length);
  requireLength(env, fn, "x", x, checkedMul(env, fn, checkedMul(env, fn, outer, axisDim), inner));
  const int64_t n = checkedMul(env, fn, checkedMul(env, fn, outer, nIdx), inner);
  requireLength(env, fn, "out", out, n);
  if (n == 0) return;
  for (int64_t j = 0; j < nIdx; ++j)
    if (idx.data[j] < 0 || idx.data[j] >= axisDim)
      throwRange(env, fn, "indices[" + std::to_string(j) + "] = " + std::to_string(idx.data[j]) + " is out of range [0, " +
                              std::to_string(axisDim) + ")");
  tf::gather<T>(x.data, outer, axisDim, inner, idx.data, nIdx, out.data);
}

Napi::Value Gather(const Napi::CallbackInfo& info) {
  static const char* fn = "gather";
  return guarded(info, fn, [&]() -> Napi::Value {
    if (isFloat(info, 0, fn, "x")) runGather<float>(info, fn);
    else runGather<int32_t>(info, fn);
    return info.Env().Undefined();
  });
}

// concat(inputs: typed array[], widths: Int32Array, out, outer)
template <typename T>
void runConcat(const Napi::CallbackInfo& info, const char* fn) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsArray()) throwType(env, fn, "inputs must be an array of typed arrays");
  Napi::Array list = info[0].As<Napi::Array>();
  auto widthArg = typedArrayArg<int32_t>(info, 1, fn, "widths");
  auto out = typedArrayArg<T>(info, 2, fn, "out");
  const int64_t outer = intArg(info, 3, fn, "outer", 0, kMaxIndex);
  const uint32_t count = list.Length();
  constexpr napi_typedarray_type want = typedArrayTypeOf<T>();  // out's, checked above
  if (widthArg.length != count) throwRange(env, fn, "widths and inputs differ in length");
  std::vector<const T*> ptrs(count);
  std::vector<int64_t> widths(count);
  int64_t total = 0;
  for (uint32_t k = 0; k < count; ++k) {
    Napi::Value v = list.Get(k);
    const std::string name = "inputs[" + std::to_string(k) + "]";
    TypedArrayInfo arr;
    if (!typedArrayInfo(env, v, arr) || arr.type != want)
      throwType(env, fn, name + " must be a typed array of out's element type");
    if (widthArg.data[k] < 0) throwRange(env, fn, "widths[" + std::to_string(k) + "] is negative");
    widths[k] = widthArg.data[k];
    if (static_cast<int64_t>(arr.length) < checkedMul(env, fn, outer, widths[k]))
      throwRange(env, fn, name + " has " + std::to_string(arr.length) + " elements, needs " +
                              std::to_string(outer * widths[k]));
    ptrs[k] = static_cast<const T*>(arr.data);
    total = checkedAdd(env, fn, total, widths[k]);
  }
  const int64_t n = checkedMul(env, fn, outer, total);
  requireLength(env, fn, "out", out, n);
  if (n > 0) tf::concat<T>(ptrs.data(), widths.data(), count, outer, out.data);
}

Napi::Value Concat(const Napi::CallbackInfo& info) {
  static const char* fn = "concat";
  return guarded(info, fn, [&]() -> Napi::Value {
    if (isFloat(info, 2, fn, "out")) runConcat<float>(info, fn);
    else runConcat<int32_t>(info, fn);
    return info.Env().Undefined();
  });
}

// oneHot(indices, out, depth, on, off)
Napi::Value OneHot(const Napi::CallbackInfo& info) {
  static const char* fn = "oneHot";
  return guarded(info, fn, [&]() -> Napi::Value {
    Napi::Env env = info.Env();
    auto idx = typedArrayArg<int32_t>(info, 0, fn, "indices");
    const int64_t depth = intArg(info, 2, fn, "depth", 0, kMaxIndex);
    const double on = numberArg(info, 3, fn, "on"), off = numberArg(info, 4, fn, "off");
    const int64_t n = checkedMul(env, fn, static_cast<int64_t>(idx.length), depth);
    if (isFloat(info, 1, fn, "out")) {
      auto out = typedArrayArg<float>(info, 1, fn, "out");
      requireLength(env, fn, "out", out, n);
      if (n > 0) tf::oneHot<float>(idx.data, idx.length, depth, toFloat(on), toFloat(off), out.data);
    } else {
      auto out = typedArrayArg<int32_t>(info, 1, fn, "out");
      requireLength(env, fn, "out", out, n);
      for (double v : {on, off})
        if (!(v >= INT32_MIN && v <= INT32_MAX) || v != static_cast<double>(static_cast<int64_t>(v)))
          throwRange(env, fn, "int32 on/off values must be integers in the int32 range, got " + std::to_string(v));
      if (n > 0) tf::oneHot<int32_t>(idx.data, idx.length, depth, static_cast<int32_t>(on), static_cast<int32_t>(off), out.data);
    }
    return env.Undefined();
  });
}

}  // namespace

void registerOps(Napi::Env env, Napi::Object exports) {
  exports.Set("binary", Napi::Function::New(env, Binary, "binary"));
  exports.Set("unary", Napi::Function::New(env, Unary, "unary"));
  exports.Set("activation", Napi::Function::New(env, ActivationForward, "activation"));
  exports.Set("activationGrad", Napi::Function::New(env, ActivationBackward, "activationGrad"));
  exports.Set("softmax", Napi::Function::New(env, Softmax, "softmax"));
  exports.Set("softmaxGrad", Napi::Function::New(env, SoftmaxBackward, "softmaxGrad"));
  exports.Set("reduce", Napi::Function::New(env, Reduce, "reduce"));
  exports.Set("argReduce", Napi::Function::New(env, ArgReduce, "argReduce"));
  exports.Set("stridedCopy", Napi::Function::New(env, StridedCopy, "stridedCopy"));
  exports.Set("gather", Napi::Function::New(env, Gather, "gather"));
  exports.Set("concat", Napi::Function::New(env, Concat, "concat"));
  exports.Set("oneHot", Napi::Function::New(env, OneHot, "oneHot"));
}

}  // namespace tfb
