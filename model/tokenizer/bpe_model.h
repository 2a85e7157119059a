#pragma once
// The tokenizer.json "model": BPE (merges stored as "a b" strings or [a, b] pairs, ignore_merges,
// unk_token, fuse_unk, byte_fallback) or WordLevel. Encodes one pre-tokenized piece at a time,
// with a cache of recent pieces.
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "model/tokenizer/piece_cache.h"
#include "model/tokenizer/vocab_map.h"

namespace zerorl {

class BpeModel {
 public:
  // j is the "model" value; `where` names the file for errors.
  BpeModel(const nlohmann::json& j, const std::string& where);
  BpeModel(const BpeModel&) = delete;
  BpeModel& operator=(const BpeModel&) = delete;

  // Appends the ids of one piece. With byte_level, the piece is raw bytes and the vocabulary is in
  // the GPT-2 byte alphabet. Throws InputError when a character has no token and there is no unk_token.
  void encode_piece(std::string_view piece, bool byte_level, std::vector<int32_t>* out) const;

  int32_t token_to_id(std::string_view token) const { return vocab_.find(token); }
  // All (token, id) pairs of the vocabulary.
  const std::vector<std::pair<std::string, int32_t>>& entries() const { return entries_; }
  size_t merge_count() const { return merges_.size(); }

 private:
  void merge(std::vector<int32_t>* ids) const;
  void initial_symbols(std::string_view piece, bool byte_level, std::vector<int32_t>* ids) const;
  int32_t missing(std::string_view ch) const;  // the unk id for a character without a token, or throws

  bool word_level_ = false;      // WordLevel: a piece is one token or unk
  bool ignore_merges_ = false;   // a piece that is a token is taken whole
  bool fuse_unk_ = false;
  bool byte_fallback_ = false;   // unknown characters become <0xXX> byte tokens
  int32_t unk_id_ = -1;
  VocabMap vocab_;
  std::vector<std::pair<std::string, int32_t>> entries_;
  MergeMap merges_;
  std::array<int32_t, 256> byte_ids_{};      // token of each byte's GPT-2 character (-1 if none)
  std::array<int32_t, 256> fallback_ids_{};  // token <0xXX> of each byte (-1 if none)

  mutable PieceCache cache_;
};

}  // namespace zerorl
