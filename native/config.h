// A layer's, optimizer's, loss's or metric's options as plain values, read by
// the native code that uses them. The binding only converts a JavaScript
// object into a Config (numbers, booleans, arrays of numbers, nested
// objects, arrays of objects or of number arrays); each reader checks its own fields, so a new layer or optimizer
// adds its options in its own file and the binding does not change.
// Every accessor throws std::invalid_argument naming the key.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <initializer_list>
#include <string>
#include <vector>

#include "enum_table.h"

namespace tf {

class Config {
 public:
  // What a key holds. Missing: present but undefined / null (the same as
  // absent, except to code(), where it is "required"). Other: a value of no
  // type above (a string, a function, an array mixing kinds of element).
  // An empty array is Numbers, and reads as an empty list of either kind.
  enum class Type { Missing, Number, Bool, Numbers, Object, Objects, NumberLists, Other };

  void setMissing(const std::string& key) { values_[key].type = Type::Missing; }
  void setNumber(const std::string& key, double v) { put(key, Type::Number).number = v; }
  void setBool(const std::string& key, bool v) { put(key, Type::Bool).flag = v; }
  void setNumbers(const std::string& key, std::vector<double> v) { put(key, Type::Numbers).numbers = std::move(v); }
  void setObject(const std::string& key, Config v) { put(key, Type::Object).object = std::make_shared<Config>(std::move(v)); }
  void setObjects(const std::string& key, std::vector<Config> v) { put(key, Type::Objects).objects = std::move(v); }
  void setNumberLists(const std::string& key, std::vector<std::vector<double>> v) {
    put(key, Type::NumberLists).numberLists = std::move(v);
  }
  void setOther(const std::string& key) { put(key, Type::Other); }

  // Present with a value (not undefined / null).
  bool has(const std::string& key) const;
  // Present at all, even as undefined / null.
  bool mentions(const std::string& key) const { return values_.count(key) != 0; }

  double number(const std::string& key, double def) const;
  bool flag(const std::string& key, bool def) const;
  // An integer in [lo, hi]; a double outside an integer type's range would
  // make the cast undefined behaviour.
  int64_t integer(const std::string& key, double def, int64_t lo, int64_t hi) const;
  // Doubles beyond float's range become +-Infinity (a plain cast would be undefined).
  float real(const std::string& key, double def) const;
  // Empty when absent or not an array; throws when an array holds a non-number.
  std::vector<double> numbers(const std::string& key) const;
  const Config& object(const std::string& key) const;  // required
  // Arrays of objects / of number arrays; required (empty arrays allowed).
  const std::vector<Config>& objects(const std::string& key) const;
  const std::vector<std::vector<double>>& numberLists(const std::string& key) const;
  // Every key present, sorted (for readers that refuse unknown keys).
  std::vector<std::string> keys() const;
  // An enum code in [0, count). Required: a missing code must not silently
  // mean the enum's first value (a metric without a kind became a sparse metric).
  template <typename E>
  E code(const std::string& key) const {
    return static_cast<E>(codeIn(key, enumCount(E{})));
  }

 private:
  struct Value {
    Type type = Type::Missing;
    double number = 0;
    bool flag = false;
    std::vector<double> numbers;
    std::shared_ptr<const Config> object;
    std::vector<Config> objects;
    std::vector<std::vector<double>> numberLists;
  };
  std::map<std::string, Value> values_;
  const Value* find(const std::string& key) const;
  Value& put(const std::string& key, Type t) {
    Value& v = values_[key] = Value{};
    v.type = t;
    return v;
  }
  int32_t codeIn(const std::string& key, int32_t count) const;
};

// std::invalid_argument naming the first key of `c` not in `known` ("unknown key 'x'<where> (expected ...)").
void refuseUnknownKeys(const Config& c, std::initializer_list<const char*> known, const char* where);

}  // namespace tf
