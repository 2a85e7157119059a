// Tokenizer::characters: the tiny models' tokenizer, written as a Hugging Face tokenizer.json (a BPE
// with no merges, no pre-tokenizer and the Fuse decoder) and then loaded like any other, so what is
// saved with a checkpoint is exactly what is used.
#include <algorithm>
#include <set>

#include "core/error.h"
#include "core/text.h"
#include "model/tokenizer/tokenizer_impl.h"
#include "model/tokenizer/utf8.h"

namespace zerorl {

Tokenizer Tokenizer::characters(const std::vector<std::string>& symbols,
                                const std::vector<std::string>& special_tokens, const std::string& eos,
                                const std::string& pad) {
  std::set<std::string> seen;
  for (const std::string& s : special_tokens) {
    if (s.empty() || !valid_utf8(s)) throw InputError("character tokenizer: special token " + quote(s) + " is empty or not UTF-8");
    if (!seen.insert(s).second) throw InputError("character tokenizer: special token " + quote(s) + " is listed twice");
  }
  for (const std::string& s : symbols) {
    if (s.empty() || !valid_utf8(s) || static_cast<size_t>(utf8_length(static_cast<unsigned char>(s[0]))) != s.size()) {
      throw InputError("character tokenizer: symbol " + quote(s) + " is not one UTF-8 character");
    }
    if (!seen.insert(s).second) throw InputError("character tokenizer: symbol " + quote(s) + " is listed twice");
  }
  for (const std::string* name : {&eos, &pad}) {
    if (!name->empty() && std::find(special_tokens.begin(), special_tokens.end(), *name) == special_tokens.end()) {
      throw InputError("character tokenizer: " + std::string(name == &eos ? "eos" : "pad") + " token " +
                       quote(*name) + " is not one of the special tokens");
    }
  }

  nlohmann::ordered_json vocab = nlohmann::ordered_json::object();
  nlohmann::ordered_json added = nlohmann::ordered_json::array();
  nlohmann::ordered_json decoder_map = nlohmann::ordered_json::object();
  int32_t id = 0;
  for (const std::string& s : special_tokens) {
    const bool special = s == eos || s == pad;
    added.push_back({{"id", id}, {"content", s}, {"single_word", false}, {"lstrip", false},
                     {"rstrip", false}, {"normalized", false}, {"special", special}});
    decoder_map[std::to_string(id)] = {{"content", s}, {"lstrip", false}, {"normalized", false},
                                       {"rstrip", false}, {"single_word", false}, {"special", special}};
    vocab[s] = id++;
  }
  for (const std::string& s : symbols) vocab[s] = id++;

  nlohmann::ordered_json j;
  j["version"] = "1.0";
  j["truncation"] = nullptr;
  j["padding"] = nullptr;
  j["added_tokens"] = added;
  j["normalizer"] = nullptr;
  j["pre_tokenizer"] = nullptr;
  j["post_processor"] = nullptr;
  j["decoder"] = {{"type", "Fuse"}};
  j["model"] = {{"type", "BPE"},
                {"dropout", nullptr},
                {"unk_token", nullptr},
                {"continuing_subword_prefix", nullptr},
                {"end_of_word_suffix", nullptr},
                {"fuse_unk", false},
                {"byte_fallback", false},
                {"ignore_merges", false},
                {"vocab", vocab},
                {"merges", nlohmann::ordered_json::array()}};

  nlohmann::ordered_json c;
  c["tokenizer_class"] = "PreTrainedTokenizerFast";
  c["model_max_length"] = 1000000000;
  c["clean_up_tokenization_spaces"] = false;
  c["bos_token"] = nullptr;
  c["unk_token"] = nullptr;
  c["eos_token"] = eos.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(eos);
  c["pad_token"] = pad.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(pad);
  c["added_tokens_decoder"] = decoder_map;

  return Tokenizer(parse_tokenizer(j.dump(2) + "\n", c.dump(2) + "\n", "character tokenizer",
                                   "character tokenizer config"));
}

}  // namespace zerorl
