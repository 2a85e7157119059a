// Config: enum name tables, validation (ranges and cross-field rules) and the key reference.
#include "core/config.h"

#include <cmath>
#include <sstream>

#include "core/config_visit.h"

namespace zerorl {

const std::vector<std::pair<LossType, const char*>>& EnumNames<LossType>::table() {
  static const std::vector<std::pair<LossType, const char*>> t = {
      {LossType::Grpo, "grpo"}, {LossType::Bnpo, "bnpo"}, {LossType::DrGrpo, "dr_grpo"}, {LossType::Dapo, "dapo"}};
  return t;
}
const std::vector<std::pair<ScaleRewards, const char*>>& EnumNames<ScaleRewards>::table() {
  static const std::vector<std::pair<ScaleRewards, const char*>> t = {
      {ScaleRewards::Group, "group"}, {ScaleRewards::Batch, "batch"}, {ScaleRewards::None, "none"}};
  return t;
}
const std::vector<std::pair<Schedule, const char*>>& EnumNames<Schedule>::table() {
  static const std::vector<std::pair<Schedule, const char*>> t = {
      {Schedule::Constant, "constant"}, {Schedule::Cosine, "cosine"}, {Schedule::Linear, "linear"}};
  return t;
}
const std::vector<std::pair<Backend, const char*>>& EnumNames<Backend>::table() {
  static const std::vector<std::pair<Backend, const char*>> t = {
      {Backend::Auto, "auto"}, {Backend::Gloo, "gloo"}, {Backend::Nccl, "nccl"}};
  return t;
}

RewardSpec* RewardsConfig::find(const std::string& name) {
  for (auto& r : list)
    if (r.name == name) return &r;
  return nullptr;
}
const RewardSpec* RewardsConfig::find(const std::string& name) const {
  for (auto& r : list)
    if (r.name == name) return &r;
  return nullptr;
}

namespace {

std::string num(double x) {
  std::ostringstream os;
  os << x;
  return os.str();
}

// Checks every field's range and choices.
struct RangeCheck {
  std::string prefix;
  std::vector<std::string>* problems;
  void check_num(const char* key, double x, const Range& r) {
    bool ok = std::isfinite(x) && (r.lo_open ? x > r.lo : x >= r.lo) && x <= r.hi;
    if (!ok) problems->push_back(prefix + key + "=" + num(x) + ": out of range, must be " + describe(r));
  }
  template <class T> void operator()(const char*, T&, const char*) {}
  template <class T> void operator()(const char* key, T& v, const char*, const Range& r) {
    if constexpr (std::is_arithmetic_v<T>) check_num(key, static_cast<double>(v), r);
  }
  void operator()(const char* key, std::string& v, const char*, const Choices& c) {
    for (auto& x : c.values)
      if (x == v) return;
    problems->push_back(prefix + key + "=" + quote(v) + ": must be one of " + join_choices(c) +
                        did_you_mean(v, c.values));
  }
};

struct SectionRangeCheck {
  std::vector<std::string>* problems;
  template <class S> void operator()(const char* name, S& s) {
    RangeCheck rc{std::string(name) + ".", problems};
    fields(rc, s);
  }
};

}  // namespace

std::string describe(const Range& r) {
  bool has_lo = r.lo > -1e299, has_hi = r.hi < 1e299;
  if (has_lo && has_hi) return "in [" + num(r.lo) + ", " + num(r.hi) + "]" + (r.lo_open ? " and > " + num(r.lo) : "");
  if (has_lo) return (r.lo_open ? "> " : ">= ") + num(r.lo);
  if (has_hi) return "<= " + num(r.hi);
  return "finite";
}

std::string join_choices(const Choices& c) {
  std::string s;
  for (auto& v : c.values) s += (s.empty() ? "" : " | ") + (v.empty() ? std::string("\"\"") : v);
  return s;
}

std::vector<std::string> validate(const Config& cfg_in) {
  Config& cfg = const_cast<Config&>(cfg_in);  // visitors take non-const refs; nothing is modified
  std::vector<std::string> p;
  SectionRangeCheck sv{&p};
  sections(sv, cfg);

  const auto& m = cfg.model;
  if (m.head_dim == 0 && m.num_attention_heads > 0 && m.hidden_size % m.num_attention_heads != 0)
    p.push_back("model.hidden_size=" + std::to_string(m.hidden_size) + ": must be divisible by model.num_attention_heads=" +
                std::to_string(m.num_attention_heads) + " (or set model.head_dim)");
  if (m.num_key_value_heads > 0 && m.num_attention_heads % m.num_key_value_heads != 0)
    p.push_back("model.num_attention_heads=" + std::to_string(m.num_attention_heads) +
                ": must be divisible by model.num_key_value_heads=" + std::to_string(m.num_key_value_heads));
  if (m.device != "cpu" && m.device != "cuda" && !starts_with(m.device, "cuda:"))
    p.push_back("model.device=" + quote(m.device) + ": must be cpu, cuda or cuda:N");
  if (cfg.grpo.delta != 0 && cfg.grpo.delta <= 1)
    p.push_back("grpo.delta=" + num(cfg.grpo.delta) + ": the dual clip must be 0 (off) or > 1");
  if (cfg.eval.k > cfg.eval.samples)
    p.push_back("eval.k=" + std::to_string(cfg.eval.k) + ": must be <= eval.samples=" + std::to_string(cfg.eval.samples));
  if (cfg.pretrain.min_lr > cfg.pretrain.lr)
    p.push_back("pretrain.min_lr=" + num(cfg.pretrain.min_lr) + ": must be <= pretrain.lr=" + num(cfg.pretrain.lr));
  if (cfg.pretrain.forget_carry > 0 && cfg.pretrain.recheck_scope != "work")
    p.push_back("pretrain.forget_carry=" + num(cfg.pretrain.forget_carry) +
                ": needs pretrain.recheck_scope=work (a re-check then redoes the work with the carries)");
  if (cfg.run.resume != "auto" && cfg.run.resume != "never" && cfg.run.resume.empty())
    p.push_back("run.resume='': must be auto, never or a checkpoint directory");
  for (const auto& r : cfg.rewards.list)
    if (!std::isfinite(r.weight))
      p.push_back("rewards." + r.name + ".weight: must be a finite number");
  return p;
}

namespace {

template <class T> std::string type_name() {
  if constexpr (std::is_same_v<T, bool>) return "bool";
  else if constexpr (std::is_integral_v<T>) return "int";
  else if constexpr (std::is_floating_point_v<T>) return "float";
  else if constexpr (std::is_same_v<T, std::string>) return "string";
  else if constexpr (std::is_same_v<T, std::vector<std::string>>) return "list[string]";
  else return "enum";
}

struct Lister {
  std::string prefix;
  std::ostringstream* out;
  template <class T> void row(const char* key, const T& v, const std::string& type, const std::string& comment) {
    *out << prefix << key << "\t" << type << "\t" << scalar_text(v) << "\t" << comment << "\n";
  }
  template <class T> void operator()(const char* key, T& v, const char* comment) {
    if constexpr (std::is_enum_v<T>) {
      std::string choices;
      for (auto& [e, n] : EnumNames<T>::table()) choices += (choices.empty() ? "" : "|") + std::string(n);
      row(key, v, choices, comment);
    } else {
      row(key, v, type_name<T>(), comment);
    }
  }
  template <class T> void operator()(const char* key, T& v, const char* comment, const Range& r) {
    row(key, v, type_name<T>(), std::string(comment) + " (" + describe(r) + ")");
  }
  void operator()(const char* key, std::string& v, const char* comment, const Choices& c) {
    row(key, v, join_choices(c), comment);
  }
};

struct SectionLister {
  std::ostringstream* out;
  template <class S> void operator()(const char* name, S& s) {
    Lister l{std::string(name) + ".", out};
    fields(l, s);
  }
};

}  // namespace

std::string list_keys() {
  Config defaults;
  std::ostringstream out;
  out << "key\ttype\tdefault\tcomment\n";
  SectionLister sl{&out};
  sections(sl, defaults);
  out << "rewards.plugins\tlist[string]\t[]\tshared libraries that register custom rewards (see rewards/plugin_abi.h)\n";
  out << "rewards.<name>.weight\tfloat\t1\tweight of reward <name> in the total; a reward is on when it is listed\n";
  out << "rewards.<name>.command\tlist[string]\t\targv of an external reward program (JSON lines over stdin/stdout)\n";
  return out.str();
}

}  // namespace zerorl
