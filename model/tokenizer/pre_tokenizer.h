#pragma once
// The tokenizer.json "pre_tokenizer": cuts normalized text into the pieces that BPE encodes one by
// one. Supported: Split (Regex or String pattern, every behavior, invert), ByteLevel (add_prefix_space,
// use_regex with the GPT-2 pattern), Digits, Whitespace, WhitespaceSplit, and Sequence of these.
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "model/tokenizer/regex.h"

namespace zerorl {

enum class SplitBehavior { Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous };

class PreTokenizer {
 public:
  PreTokenizer() = default;
  // j is the "pre_tokenizer" value (null for none); `where` names the file for errors.
  static PreTokenizer from_json(const nlohmann::json& j, const std::string& where);

  // Appends the non-empty pieces of s to *pieces. Pieces view s, or strings kept in *arena
  // (when ByteLevel add_prefix_space prepends a space).
  void split(std::string_view s, std::vector<std::string_view>* pieces, std::deque<std::string>* arena) const;

  // True when a ByteLevel step maps bytes to the GPT-2 alphabet before the model sees them.
  bool byte_level() const { return byte_level_; }

 private:
  struct Step {
    std::shared_ptr<const Regex> regex;   // pieces are cut where it matches
    SplitBehavior behavior = SplitBehavior::Isolated;
    bool invert = false;
    bool add_prefix_space = false;        // ByteLevel: prepend ' ' to pieces that lack one
  };
  void add_step(const nlohmann::json& j, const std::string& where, const std::string& key);

  std::vector<Step> steps_;
  bool byte_level_ = false;
};

// Cuts s by the matches of re following `behavior` (Hugging Face's split semantics); appends pieces.
void split_by_regex(std::string_view s, const Regex& re, SplitBehavior behavior, bool invert,
                    std::vector<std::string_view>* pieces);

}  // namespace zerorl
