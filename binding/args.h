// One-line argument checks for the binding. Every message has the same form,
// "<function>: <what> ...", so users can tell which call failed and why.
#pragma once
#include <napi.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <new>
#include <stdexcept>
#include <string>
#include <vector>

namespace tfb {

[[noreturn]] inline void throwType(Napi::Env env, const std::string& fn, const std::string& msg) {
  throw Napi::TypeError::New(env, fn + ": " + msg);
}
[[noreturn]] inline void throwRange(Napi::Env env, const std::string& fn, const std::string& msg) {
  throw Napi::RangeError::New(env, fn + ": " + msg);
}

template <typename T>
struct View {
  T* data;
  size_t length;
};

// Each check below is one Node-API call: they run on every op, and
// napi_get_typedarray_info alone (type, length and data at once) costs more
// than the rest of a small product's argument handling.

// A typed array's element type, length and data (nullptr when empty).
struct TypedArrayInfo {
  napi_typedarray_type type;
  size_t length;
  void* data;
};

// False when v is not a typed array.
inline bool typedArrayInfo(napi_env env, napi_value v, TypedArrayInfo& out) {
  out.length = 0;
  out.data = nullptr;
  if (napi_get_typedarray_info(env, v, &out.type, &out.length, &out.data, nullptr, nullptr) != napi_ok) return false;
  if (out.length == 0) out.data = nullptr;
  return true;
}

template <typename T>
constexpr napi_typedarray_type typedArrayTypeOf() {
  return std::is_same<T, float>::value ? napi_float32_array
         : std::is_same<T, int32_t>::value ? napi_int32_array
         : std::is_same<T, uint8_t>::value ? napi_uint8_array
         : napi_float64_array;
}

// The i-th argument, or an empty value when the call has fewer.
inline Napi::Value argAt(const Napi::CallbackInfo& info, size_t i) { return info.Length() > i ? info[i] : Napi::Value(); }

// v as a typed array of any element type; `name` says what it is in errors.
inline TypedArrayInfo anyTypedArrayValue(Napi::Env env, Napi::Value v, const char* fn, const char* name) {
  TypedArrayInfo t;
  if (v.IsEmpty() || !typedArrayInfo(env, v, t)) throwType(env, fn, std::string(name) + " must be a typed array");
  return t;
}

template <typename T>
inline View<T> typedArrayValue(Napi::Env env, Napi::Value v, const char* fn, const char* name) {
  const TypedArrayInfo t = anyTypedArrayValue(env, v, fn, name);
  if (t.type != typedArrayTypeOf<T>()) throwType(env, fn, std::string(name) + " has the wrong element type");
  return View<T>{static_cast<T*>(t.data), t.length};
}

inline int64_t intValue(Napi::Env env, Napi::Value v, const char* fn, const char* name, int64_t lo = 0,
                        int64_t hi = (int64_t{1} << 53)) {
  double d = 0;
  if (v.IsEmpty() || napi_get_value_double(env, v, &d) != napi_ok) throwType(env, fn, std::string(name) + " must be a number");
  if (!std::isfinite(d) || std::floor(d) != d) throwRange(env, fn, std::string(name) + " must be an integer, got " + std::to_string(d));
  if (d < static_cast<double>(lo) || d > static_cast<double>(hi))
    throwRange(env, fn, std::string(name) + " = " + std::to_string(static_cast<int64_t>(d)) + " is out of range [" +
                            std::to_string(lo) + ", " + std::to_string(hi) + "]");
  return static_cast<int64_t>(d);
}

inline bool boolValue(Napi::Env env, Napi::Value v, const char* fn, const char* name) {
  bool b = false;
  if (v.IsEmpty() || napi_get_value_bool(env, v, &b) != napi_ok) throwType(env, fn, std::string(name) + " must be a boolean");
  return b;
}

// Argument i as a typed array of any element type.
inline TypedArrayInfo anyTypedArrayArg(const Napi::CallbackInfo& info, size_t i, const char* fn, const char* name) {
  return anyTypedArrayValue(info.Env(), argAt(info, i), fn, name);
}

template <typename T>
inline View<T> typedArrayArg(const Napi::CallbackInfo& info, size_t i, const char* fn, const char* name) {
  return typedArrayValue<T>(info.Env(), argAt(info, i), fn, name);
}

inline int64_t intArg(const Napi::CallbackInfo& info, size_t i, const char* fn, const char* name,
                      int64_t lo = 0, int64_t hi = (int64_t{1} << 53)) {
  return intValue(info.Env(), argAt(info, i), fn, name, lo, hi);
}

// The named properties of the object argument i, in the order asked for
// (missing ones undefined). Reading runs any getter, so a binding reads every
// property it needs first and takes typed-array pointers only afterwards:
// then no JavaScript runs (and no buffer can be detached) in between.
template <size_t N>
std::array<Napi::Value, N> propertiesArg(const Napi::CallbackInfo& info, size_t i, const char* fn, const char* name,
                                         const std::array<const char*, N>& keys) {
  Napi::Value v = argAt(info, i);
  if (v.IsEmpty() || !v.IsObject() || v.IsArray()) throwType(info.Env(), fn, std::string(name) + " must be an object");
  Napi::Object o = v.As<Napi::Object>();
  std::array<Napi::Value, N> out;
  for (size_t k = 0; k < N; ++k) out[k] = o.Get(keys[k]);
  return out;
}

// Argument i as one integer or an array of integers, each in [lo, hi].
inline std::vector<int64_t> intsArg(const Napi::CallbackInfo& info, size_t i, const char* fn, const char* name, int64_t lo,
                                    int64_t hi) {
  if (info.Length() <= i || !info[i].IsArray()) return {intArg(info, i, fn, name, lo, hi)};
  Napi::Array a = info[i].As<Napi::Array>();
  std::vector<int64_t> out;
  for (uint32_t k = 0; k < a.Length(); ++k) {
    double d = 0;
    if (napi_get_value_double(info.Env(), a.Get(k), &d) != napi_ok) throwType(info.Env(), fn, std::string(name) + " must hold numbers");
    if (!(d >= static_cast<double>(lo) && d <= static_cast<double>(hi)) || std::floor(d) != d)
      throwRange(info.Env(), fn, std::string(name) + " must hold integers in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
    out.push_back(static_cast<int64_t>(d));
  }
  return out;
}

inline double numberArg(const Napi::CallbackInfo& info, size_t i, const char* fn, const char* name) {
  double d = 0;
  if (info.Length() <= i || napi_get_value_double(info.Env(), info[i], &d) != napi_ok)
    throwType(info.Env(), fn, std::string(name) + " must be a number");
  return d;
}

inline bool boolArg(const Napi::CallbackInfo& info, size_t i, const char* fn, const char* name) {
  return boolValue(info.Env(), argAt(info, i), fn, name);
}

// a * b with overflow detection (sizes come from users).
inline int64_t checkedMul(Napi::Env env, const char* fn, int64_t a, int64_t b) {
  if (a < 0 || b < 0) throwRange(env, fn, "negative size");
  if (a != 0 && b > std::numeric_limits<int64_t>::max() / a) throwRange(env, fn, "size overflows");
  return a * b;
}

template <typename T>
inline void requireLength(Napi::Env env, const char* fn, const char* name, const View<T>& v, int64_t need) {
  if (static_cast<int64_t>(v.length) < need)
    throwRange(env, fn, std::string(name) + " has " + std::to_string(v.length) + " elements, needs " + std::to_string(need));
}

// A new JavaScript typed array (Float32Array for float, ...) holding a copy of v.
template <typename T>
Napi::TypedArrayOf<T> typedArrayCopy(Napi::Env env, const std::vector<T>& v) {
  auto a = Napi::TypedArrayOf<T>::New(env, v.size());
  std::copy(v.begin(), v.end(), a.Data());
  return a;
}

// The one mapping of C++ exceptions to JavaScript errors, for calls on the
// JavaScript thread (guarded) and on worker threads (PromiseWorker) alike:
// std::invalid_argument -> TypeError; std::out_of_range (a label outside the
// classes), std::length_error (over the memory limit) and std::bad_alloc ->
// RangeError; anything else -> Error. Messages read "<function>: <what>".
struct JsErrorInfo {
  enum Kind { Error, TypeError, RangeError } kind = Error;
  std::string message;
};

// Call inside a catch block.
inline JsErrorInfo currentException(const std::string& fn) {
  try {
    throw;
  } catch (const std::bad_alloc&) {
    return {JsErrorInfo::RangeError, fn + ": out of memory"};
  } catch (const std::invalid_argument& e) {
    return {JsErrorInfo::TypeError, fn + ": " + e.what()};
  } catch (const std::out_of_range& e) {
    return {JsErrorInfo::RangeError, fn + ": " + e.what()};
  } catch (const std::length_error& e) {
    return {JsErrorInfo::RangeError, fn + ": " + e.what()};
  } catch (const std::exception& e) {
    return {JsErrorInfo::Error, fn + ": " + e.what()};
  } catch (...) {
    return {JsErrorInfo::Error, fn + ": unknown native error"};
  }
}

inline Napi::Error toJsError(Napi::Env env, const JsErrorInfo& e) {
  switch (e.kind) {
    case JsErrorInfo::TypeError: return Napi::TypeError::New(env, e.message);
    case JsErrorInfo::RangeError: return Napi::RangeError::New(env, e.message);
    case JsErrorInfo::Error: break;
  }
  return Napi::Error::New(env, e.message);
}

// Wraps a binding so that no C++ exception escapes into Node as a crash.
template <typename F>
Napi::Value guarded(const Napi::CallbackInfo& info, const char* fn, F&& body) {
  try {
    return body();
  } catch (const Napi::Error&) {
    throw;
  } catch (...) {
    throw toJsError(info.Env(), currentException(fn));
  }
}

}  // namespace tfb
