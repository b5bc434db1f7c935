#include "config.h"

#include <algorithm>

#include <cmath>
#include <limits>
#include <stdexcept>

namespace tf {

namespace {
[[noreturn]] void fail(const std::string& key, const std::string& what) { throw std::invalid_argument(key + " " + what); }
}  // namespace

const Config::Value* Config::find(const std::string& key) const {
  auto it = values_.find(key);
  return it == values_.end() || it->second.type == Type::Missing ? nullptr : &it->second;
}

bool Config::has(const std::string& key) const { return find(key) != nullptr; }

double Config::number(const std::string& key, double def) const {
  const Value* v = find(key);
  if (!v) return def;
  if (v->type != Type::Number) fail(key, "must be a number");
  return v->number;
}

bool Config::flag(const std::string& key, bool def) const {
  const Value* v = find(key);
  if (!v) return def;
  if (v->type != Type::Bool) fail(key, "must be a boolean");
  return v->flag;
}

int64_t Config::integer(const std::string& key, double def, int64_t lo, int64_t hi) const {
  const double d = number(key, def);
  if (!(d >= static_cast<double>(lo) && d <= static_cast<double>(hi)) || std::floor(d) != d)
    fail(key, "must be an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
  return static_cast<int64_t>(d);
}

float Config::real(const std::string& key, double def) const {
  const double d = number(key, def);
  if (d > std::numeric_limits<float>::max()) return std::numeric_limits<float>::infinity();
  if (d < -std::numeric_limits<float>::max()) return -std::numeric_limits<float>::infinity();
  return static_cast<float>(d);
}

std::vector<double> Config::numbers(const std::string& key) const {
  auto it = values_.find(key);
  if (it == values_.end()) return {};
  if (it->second.type == Type::Other) fail(key, "must hold numbers");
  return it->second.type == Type::Numbers ? it->second.numbers : std::vector<double>{};
}

const Config& Config::object(const std::string& key) const {
  const Value* v = find(key);
  if (!v || v->type != Type::Object) fail(key, "must be an object");
  return *v->object;
}

const std::vector<Config>& Config::objects(const std::string& key) const {
  static const std::vector<Config> none;
  const Value* v = find(key);
  if (v && v->type == Type::Numbers && v->numbers.empty()) return none;
  if (!v || v->type != Type::Objects) fail(key, "must be an array of objects");
  return v->objects;
}

const std::vector<std::vector<double>>& Config::numberLists(const std::string& key) const {
  static const std::vector<std::vector<double>> none;
  const Value* v = find(key);
  if (v && v->type == Type::Numbers && v->numbers.empty()) return none;
  if (!v || v->type != Type::NumberLists) fail(key, "must be an array of arrays of numbers");
  return v->numberLists;
}

std::vector<std::string> Config::keys() const {
  std::vector<std::string> out;
  for (const auto& kv : values_) out.push_back(kv.first);
  return out;
}

int32_t Config::codeIn(const std::string& key, int32_t count) const {
  if (!has(key)) fail(key, "is required");
  const double d = number(key, 0);
  if (!(d >= 0 && d < count) || d != static_cast<int32_t>(d)) fail(key, "is not a valid code");
  return static_cast<int32_t>(d);
}

void refuseUnknownKeys(const Config& c, std::initializer_list<const char*> known, const char* where) {
  for (const std::string& key : c.keys()) {
    if (std::any_of(known.begin(), known.end(), [&](const char* k) { return key == k; })) continue;
    std::string list;
    for (const char* k : known) list += (list.empty() ? "" : ", ") + std::string(k);
    throw std::invalid_argument("unknown key '" + key + "'" + where + " (expected " + list + ")");
  }
}

}  // namespace tf
