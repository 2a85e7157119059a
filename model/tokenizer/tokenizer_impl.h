#pragma once
// The parts of a loaded tokenizer (private to model/tokenizer).
#include <memory>
#include <string>
#include <vector>

#include "model/tokenizer/added_tokens.h"
#include "model/tokenizer/bpe_model.h"
#include "model/tokenizer/normalizer.h"
#include "model/tokenizer/pre_tokenizer.h"
#include "model/tokenizer/tokenizer.h"

namespace zerorl {

enum class DecoderKind { None, ByteLevel, Fuse };

struct Tokenizer::Impl {
  std::string source;            // file it came from, for messages
  std::string tokenizer_json;    // the file text, written back by save()
  std::string config_json;       // tokenizer_config.json text ("" when there was none)

  Normalizer normalizer;
  PreTokenizer pre_tokenizer;
  std::unique_ptr<BpeModel> model;
  DecoderKind decoder = DecoderKind::None;
  std::vector<AddedToken> added;
  AddedTokenMatcher raw_matcher;         // added tokens with normalized = false, matched in the raw text
  AddedTokenMatcher normalized_matcher;  // the others, matched in the normalized text

  std::vector<std::string> tokens;       // by id ("" for holes)
  std::vector<std::string> token_bytes;  // by id: what decoding the token alone gives
  std::vector<uint8_t> special;          // by id: 1 for special added tokens
  std::vector<uint8_t> known;            // by id: 1 when the id exists
  int32_t eos = -1;
  int32_t pad = -1;

  void encode(std::string_view text, std::vector<int32_t>* out) const;
  void encode_plain(std::string_view text, std::vector<int32_t>* out) const;
};

// Builds a tokenizer from the text of tokenizer.json and tokenizer_config.json ("" when absent).
// `where` / `config_where` name the files in error messages.
std::shared_ptr<Tokenizer::Impl> parse_tokenizer(std::string tokenizer_json, std::string config_json,
                                                 const std::string& where, const std::string& config_where);

}  // namespace zerorl
