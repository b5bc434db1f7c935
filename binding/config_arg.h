// A JavaScript options object as a tf::Config (native/config.h): numbers,
// booleans, arrays of numbers, nested objects, arrays of objects and arrays
// of number arrays are kept as such (nesting up to 4 deep); the
// native reader of each field checks it, so this file knows no option names.
#pragma once
#include <cstring>
#include <string>
#include <vector>

#include "args.h"
#include "config.h"

namespace tfb {

inline void setArray(tf::Config& c, const std::string& key, Napi::Array a, int depth);

// A typed array's values as numbers (large weight lists, e.g. a quantized
// layer's int8 kernel, without one property read per element); BigInt arrays are Other.
inline void setTypedArray(tf::Config& c, const std::string& key, Napi::TypedArray t) {
  std::vector<double> v(t.ElementLength());
  const uint8_t* base = static_cast<const uint8_t*>(t.ArrayBuffer().Data()) + t.ByteOffset();
  auto copy = [&](auto tag) {
    using T = decltype(tag);
    for (size_t i = 0; i < v.size(); ++i) {
      T e;
      std::memcpy(&e, base + i * sizeof(T), sizeof(T));
      v[i] = static_cast<double>(e);
    }
  };
  switch (t.TypedArrayType()) {
    case napi_int8_array: copy(int8_t{}); break;
    case napi_uint8_array: case napi_uint8_clamped_array: copy(uint8_t{}); break;
    case napi_int16_array: copy(int16_t{}); break;
    case napi_uint16_array: copy(uint16_t{}); break;
    case napi_int32_array: copy(int32_t{}); break;
    case napi_uint32_array: copy(uint32_t{}); break;
    case napi_float32_array: copy(float{}); break;
    case napi_float64_array: copy(double{}); break;
    default: return c.setOther(key);
  }
  c.setNumbers(key, std::move(v));
}

inline tf::Config configFrom(Napi::Object o, int depth = 0) {
  tf::Config c;
  Napi::Array keys = o.GetPropertyNames();
  for (uint32_t i = 0; i < keys.Length(); ++i) {
    const std::string key = keys.Get(i).ToString().Utf8Value();
    Napi::Value v = o.Get(key);
    if (v.IsUndefined() || v.IsNull()) c.setMissing(key);
    else if (v.IsNumber()) c.setNumber(key, v.As<Napi::Number>().DoubleValue());
    else if (v.IsBoolean()) c.setBool(key, v.As<Napi::Boolean>().Value());
    else if (v.IsArray()) setArray(c, key, v.As<Napi::Array>(), depth);
    else if (v.IsTypedArray()) setTypedArray(c, key, v.As<Napi::TypedArray>());
    else if (v.IsObject() && depth < 4) c.setObject(key, configFrom(v.As<Napi::Object>(), depth + 1));
    else c.setOther(key);
  }
  return c;
}

// An array's elements as numbers; false at the first element that is not one.
inline bool numbersFrom(Napi::Array a, std::vector<double>& nums) {
  for (uint32_t k = 0; k < a.Length(); ++k) {
    Napi::Value e = a.Get(k);
    if (!e.IsNumber()) return false;
    nums.push_back(e.As<Napi::Number>().DoubleValue());
  }
  return true;
}

// Numbers, objects (as Configs) or arrays of numbers, by the first element;
// any other mix is Other.
inline void setArray(tf::Config& c, const std::string& key, Napi::Array a, int depth) {
  const Napi::Value first = a.Length() > 0 ? a.Get(0u) : Napi::Value();
  if (a.Length() > 0 && first.IsArray()) {
    std::vector<std::vector<double>> lists;
    for (uint32_t k = 0; k < a.Length(); ++k) {
      Napi::Value e = a.Get(k);
      lists.emplace_back();
      if (!e.IsArray() || !numbersFrom(e.As<Napi::Array>(), lists.back())) return c.setOther(key);
    }
    return c.setNumberLists(key, std::move(lists));
  }
  if (a.Length() > 0 && first.IsObject()) {
    if (depth >= 4) return c.setOther(key);
    std::vector<tf::Config> objects;
    for (uint32_t k = 0; k < a.Length(); ++k) {
      Napi::Value e = a.Get(k);
      if (!e.IsObject() || e.IsArray()) return c.setOther(key);
      objects.push_back(configFrom(e.As<Napi::Object>(), depth + 1));
    }
    return c.setObjects(key, std::move(objects));
  }
  std::vector<double> nums;
  if (numbersFrom(a, nums)) c.setNumbers(key, std::move(nums));
  else c.setOther(key);
}

// Argument i as a Config; `what` names it in the TypeError.
inline tf::Config configArg(const Napi::CallbackInfo& info, size_t i, const char* fn, const char* what) {
  if (info.Length() <= i || !info[i].IsObject() || info[i].IsArray()) throwType(info.Env(), fn, std::string(what) + " must be an object");
  return configFrom(info[i].As<Napi::Object>());
}

// Argument i as an array of Configs ("<list> must be an array", "each <item> must be an object").
inline std::vector<tf::Config> configListArg(const Napi::CallbackInfo& info, size_t i, const char* fn, const char* list,
                                             const char* item) {
  if (info.Length() <= i || !info[i].IsArray()) throwType(info.Env(), fn, std::string(list) + " must be an array");
  Napi::Array a = info[i].As<Napi::Array>();
  std::vector<tf::Config> out;
  for (uint32_t k = 0; k < a.Length(); ++k) {
    Napi::Value v = a.Get(k);
    if (!v.IsObject()) throwType(info.Env(), fn, std::string("each ") + item + " must be an object");
    out.push_back(configFrom(v.As<Napi::Object>()));
  }
  return out;
}

}  // namespace tfb
