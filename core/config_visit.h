#pragma once
// Internals shared by config.cpp, config_io.cpp and config_dump.cpp (not for other libraries).
#include <sstream>
#include <string>
#include <type_traits>
#include <vector>

#include "core/config.h"
#include "core/text.h"

namespace zerorl {

std::string describe(const Range& r);
std::string join_choices(const Choices& c);

// A value as plain text (used by --list and for messages).
template <class T> std::string scalar_text(const T& v) {
  if constexpr (std::is_same_v<T, bool>) {
    return v ? "true" : "false";
  } else if constexpr (std::is_enum_v<T>) {
    return to_string(v);
  } else if constexpr (std::is_arithmetic_v<T>) {
    std::ostringstream os;
    os.precision(17);
    os << v;
    // shortest form that reads back to the same value
    for (int p = 1; p <= 17; ++p) {
      std::ostringstream t;
      t.precision(p);
      t << v;
      std::istringstream in(t.str());
      T back{};
      in >> back;
      if (back == v) return t.str();
    }
    return os.str();
  } else if constexpr (std::is_same_v<T, std::string>) {
    return v;
  } else {
    std::string s = "[";
    for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + v[i];
    return s + "]";
  }
}

}  // namespace zerorl
