#pragma once
// The value types of config fields beyond numbers and strings: enums, each with the names users
// write, and the Range / Choices annotations of a fields() list that validate() checks.
#include <string>
#include <utility>
#include <vector>

namespace zerorl {

// ---- enums, each with its name table (the strings users write) ----
enum class LossType { Grpo, Bnpo, DrGrpo, Dapo };
enum class ScaleRewards { Group, Batch, None };
enum class Schedule { Constant, Cosine, Linear };
enum class Backend { Auto, Gloo, Nccl };

template <class E> struct EnumNames;  // specialised below: static const std::vector<std::pair<E, const char*>> table
template <> struct EnumNames<LossType> {
  static const std::vector<std::pair<LossType, const char*>>& table();
};
template <> struct EnumNames<ScaleRewards> {
  static const std::vector<std::pair<ScaleRewards, const char*>>& table();
};
template <> struct EnumNames<Schedule> {
  static const std::vector<std::pair<Schedule, const char*>>& table();
};
template <> struct EnumNames<Backend> {
  static const std::vector<std::pair<Backend, const char*>>& table();
};
template <class E> std::string to_string(E e) {
  for (auto& [v, n] : EnumNames<E>::table())
    if (v == e) return n;
  return "?";
}

// A numeric range for validation; both ends inclusive unless noted.
struct Range {
  double lo = -1e300, hi = 1e300;
  bool lo_open = false;  // lo itself not allowed (e.g. temperature > 0)
};
inline Range at_least(double lo) { return {lo, 1e300, false}; }
inline Range above(double lo) { return {lo, 1e300, true}; }
inline Range between(double lo, double hi) { return {lo, hi, false}; }

// Values restricted to a set of strings (for plain string fields such as data.template).
struct Choices {
  std::vector<std::string> values;
};

}  // namespace zerorl
