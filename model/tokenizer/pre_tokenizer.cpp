#include "model/tokenizer/pre_tokenizer.h"

#include <algorithm>

#include "core/error.h"

namespace zerorl {

namespace {

// The pattern ByteLevel uses when use_regex is true (GPT-2's).
const char kGpt2Pattern[] =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

SplitBehavior parse_behavior(const nlohmann::json& j, const std::string& where, const std::string& key) {
  if (!j.is_string()) throw InputError(where + ": " + key + " must be a string");
  const std::string b = j;
  if (b == "Removed") return SplitBehavior::Removed;
  if (b == "Isolated") return SplitBehavior::Isolated;
  if (b == "MergedWithPrevious") return SplitBehavior::MergedWithPrevious;
  if (b == "MergedWithNext") return SplitBehavior::MergedWithNext;
  if (b == "Contiguous") return SplitBehavior::Contiguous;
  throw InputError(where + ": " + key + " \"" + b +
                   "\" is not one of Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous");
}

bool get_bool(const nlohmann::json& j, const char* name, bool def, const std::string& where,
              const std::string& key) {
  if (!j.contains(name) || j[name].is_null()) return def;
  if (!j[name].is_boolean()) throw InputError(where + ": " + key + "." + name + " must be true or false");
  return j[name].get<bool>();
}

struct Mark {
  size_t begin, end;
  bool is_match;
};

}  // namespace

void split_by_regex(std::string_view s, const Regex& re, SplitBehavior behavior, bool invert,
                    std::vector<std::string_view>* pieces) {
  // Fast path for the common case (Qwen, Llama-3): every match and every gap is its own piece.
  if (behavior == SplitBehavior::Isolated) {
    size_t prev = 0;
    re.find_all(s, [&](size_t b, size_t e) {
      if (b > prev) pieces->push_back(s.substr(prev, b - prev));
      pieces->push_back(s.substr(b, e - b));
      prev = e;
    });
    if (prev < s.size()) pieces->push_back(s.substr(prev));
    return;
  }
  std::vector<Mark> marks;
  size_t prev = 0;
  re.find_all(s, [&](size_t b, size_t e) {
    if (b > prev) marks.push_back({prev, b, invert});
    marks.push_back({b, e, !invert});
    prev = e;
  });
  if (prev < s.size()) marks.push_back({prev, s.size(), invert});

  std::vector<Mark> out;
  bool previous_match = false;
  switch (behavior) {
    case SplitBehavior::Isolated:
      out = marks;
      break;
    case SplitBehavior::Removed:
      for (const Mark& m : marks) {
        if (!m.is_match) out.push_back(m);
      }
      break;
    case SplitBehavior::Contiguous:
      for (const Mark& m : marks) {
        if (m.is_match == previous_match && !out.empty()) out.back().end = m.end;
        else out.push_back(m);
        previous_match = m.is_match;
      }
      break;
    case SplitBehavior::MergedWithPrevious:
      for (const Mark& m : marks) {
        if (m.is_match && !previous_match && !out.empty()) out.back().end = m.end;
        else out.push_back(m);
        previous_match = m.is_match;
      }
      break;
    case SplitBehavior::MergedWithNext:
      for (size_t i = marks.size(); i-- > 0;) {
        const Mark& m = marks[i];
        if (m.is_match && !previous_match && !out.empty()) out.back().begin = m.begin;
        else out.push_back(m);
        previous_match = m.is_match;
      }
      std::reverse(out.begin(), out.end());
      break;
  }
  for (const Mark& m : out) {
    if (m.end > m.begin) pieces->push_back(s.substr(m.begin, m.end - m.begin));
  }
}

void PreTokenizer::add_step(const nlohmann::json& j, const std::string& where, const std::string& key) {
  if (j.is_null()) return;
  if (!j.is_object() || !j.contains("type") || !j["type"].is_string()) {
    throw InputError(where + ": " + key + " must be an object with a \"type\"");
  }
  if (byte_level_) {
    throw InputError(where + ": " + key + ": a step after ByteLevel is not supported");
  }
  const std::string type = j["type"];
  Step step;
  if (type == "Sequence") {
    if (!j.contains("pretokenizers") || !j["pretokenizers"].is_array()) {
      throw InputError(where + ": " + key + ".pretokenizers must be an array");
    }
    for (size_t i = 0; i < j["pretokenizers"].size(); ++i) {
      add_step(j["pretokenizers"][i], where, key + ".pretokenizers[" + std::to_string(i) + "]");
    }
    return;
  }
  if (type == "Split") {
    const auto& pat = j.contains("pattern") ? j["pattern"] : nlohmann::json();
    std::string pattern;
    if (pat.is_object() && pat.contains("Regex") && pat["Regex"].is_string()) {
      pattern = pat["Regex"].get<std::string>();
    } else if (pat.is_object() && pat.contains("String") && pat["String"].is_string()) {
      pattern = regex_escape(pat["String"].get<std::string>());
    } else {
      throw InputError(where + ": " + key + ".pattern must be {\"Regex\": ...} or {\"String\": ...}");
    }
    step.regex = std::make_shared<const Regex>(pattern, where + ": " + key + ".pattern");
    if (!j.contains("behavior")) throw InputError(where + ": " + key + ".behavior is missing");
    step.behavior = parse_behavior(j["behavior"], where, key + ".behavior");
    step.invert = get_bool(j, "invert", false, where, key);
  } else if (type == "ByteLevel") {
    step.add_prefix_space = get_bool(j, "add_prefix_space", true, where, key);
    if (get_bool(j, "use_regex", true, where, key)) {
      step.regex = std::make_shared<const Regex>(kGpt2Pattern, where + ": " + key);
    }
    byte_level_ = true;
  } else if (type == "Digits") {
    const bool individual = get_bool(j, "individual_digits", false, where, key);
    step.regex = std::make_shared<const Regex>(individual ? "\\p{N}" : "\\p{N}+", where + ": " + key);
  } else if (type == "Whitespace") {
    step.regex = std::make_shared<const Regex>("\\w+|[^\\w\\s]+", where + ": " + key);
    step.behavior = SplitBehavior::Removed;
    step.invert = true;
  } else if (type == "WhitespaceSplit") {
    step.regex = std::make_shared<const Regex>("\\s+", where + ": " + key);
    step.behavior = SplitBehavior::Removed;
  } else {
    throw InputError(where + ": " + key + ".type \"" + type +
                     "\" is not supported (supported: Split, ByteLevel, Digits, Whitespace, "
                     "WhitespaceSplit, Sequence)");
  }
  steps_.push_back(std::move(step));
}

PreTokenizer PreTokenizer::from_json(const nlohmann::json& j, const std::string& where) {
  PreTokenizer p;
  p.add_step(j, where, "pre_tokenizer");
  return p;
}

void PreTokenizer::split(std::string_view s, std::vector<std::string_view>* pieces,
                         std::deque<std::string>* arena) const {
  if (s.empty()) return;
  if (steps_.empty()) {
    pieces->push_back(s);
    return;
  }
  if (steps_.size() == 1 && !steps_[0].add_prefix_space) {
    if (steps_[0].regex) split_by_regex(s, *steps_[0].regex, steps_[0].behavior, steps_[0].invert, pieces);
    else pieces->push_back(s);
    return;
  }
  std::vector<std::string_view> cur{s}, next;
  for (const Step& step : steps_) {
    next.clear();
    for (std::string_view piece : cur) {
      if (step.add_prefix_space && piece.front() != ' ') {
        arena->push_back(" " + std::string(piece));
        piece = arena->back();
      }
      if (step.regex) split_by_regex(piece, *step.regex, step.behavior, step.invert, &next);
      else next.push_back(piece);
    }
    cur.swap(next);
  }
  pieces->insert(pieces->end(), cur.begin(), cur.end());
}

}  // namespace zerorl
