// One list per enum. Each list (TF_ACTIVATIONS in activations.h, TF_LOSSES,
// TF_METRICS, TF_OPTIMIZERS, TF_SCHEDULES, TF_LAYER_KINDS) is an X-macro of
// X(Identifier, "name"); from it come the C++ enum (codes in list order, then
// Count), its name table, and through the binding `native.enums.<table>`
// (name -> code), so TypeScript looks codes up by name and no count is
// written out anywhere.
#pragma once
#include <cstdint>
#include <string>

namespace tf {

#define TF_ENUM_MEMBER(id, name) id,
#define TF_ENUM_NAME(id, name) name,

// enum class E : int32_t { ..., Count } plus enumNames(E) and enumCount(E).
#define TF_DEFINE_ENUM(E, LIST)                                                      \
  enum class E : int32_t { LIST(TF_ENUM_MEMBER) Count };                             \
  inline const char* const* enumNames(E) {                                           \
    static const char* const names[] = {LIST(TF_ENUM_NAME) nullptr};                 \
    return names;                                                                    \
  }                                                                                  \
  constexpr int32_t enumCount(E) { return static_cast<int32_t>(E::Count); }

// The name of a code (for messages); "?" outside the list.
template <typename E>
const char* enumName(E e) {
  const auto i = static_cast<int32_t>(e);
  return i >= 0 && i < enumCount(E{}) ? enumNames(E{})[i] : "?";
}

}  // namespace tf
