// An enum value's code by its name (the tables of native/enum_table.h), for
// building the Configs native tests hand to layers and models.
#pragma once
#include <cstdint>
#include <stdexcept>
#include <string>

#include "../../native/enum_table.h"

namespace tftest {
template <typename E>
int32_t codeOf(const char* name) {
  for (int32_t i = 0; i < tf::enumCount(E{}); ++i)
    if (std::string(tf::enumNames(E{})[i]) == name) return i;
  throw std::invalid_argument(name);
}
}  // namespace tftest
