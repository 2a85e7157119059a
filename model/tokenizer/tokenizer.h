#pragma once
// A Hugging Face tokenizer.json tokenizer: byte-level BPE as used by Qwen2/Qwen3, Llama-3 and
// DeepSeek-V3, and the small character-level tokenizer of the tiny models (saved as a BPE with no
// merges, so other tools can read it). Immutable after loading; copies share the loaded tables and
// encode/decode may be called from several threads.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace zerorl {

class Tokenizer {
 public:
  Tokenizer() = default;  // an empty tokenizer: encode/decode throw RunError

  // dir_or_file: a folder holding tokenizer.json (and tokenizer_config.json), or the tokenizer.json
  // itself. Throws InputError naming the file and the key at fault.
  static Tokenizer load(const std::string& dir_or_file);

  // The tokenizer of the tiny models: each symbol (one UTF-8 character) and each special token
  // (e.g. "<think>") is one token. Ids: special tokens first, in order, then the symbols.
  // eos and pad name one of the special tokens ("" for none); they are the only ones marked
  // "special" (dropped by decode(..., skip_special = true)).
  static Tokenizer characters(const std::vector<std::string>& symbols,
                              const std::vector<std::string>& special_tokens, const std::string& eos,
                              const std::string& pad);

  // Writes tokenizer.json (loadable by Hugging Face tokenizers) and tokenizer_config.json into dir
  // (created when missing). A loaded tokenizer writes back the files it was loaded from.
  void save(const std::string& dir) const;

  // No special tokens are added; added and special tokens written literally in text are matched
  // (Hugging Face's default). Throws InputError on invalid UTF-8.
  std::vector<int32_t> encode(std::string_view text) const;

  // Ids the tokenizer does not know are skipped (as Hugging Face does); invalid UTF-8 that token bytes
  // form is replaced by U+FFFD.
  std::string decode(const std::vector<int32_t>& ids, bool skip_special = false) const;

  std::string id_to_token(int32_t id) const;        // "" when absent
  int32_t token_to_id(std::string_view tok) const;  // -1 when absent
  int64_t vocab_size() const;                       // largest id + 1
  int32_t eos_id() const;                           // tokenizer_config.json eos_token, -1 when absent
  int32_t pad_id() const;                           // tokenizer_config.json pad_token, -1 when absent
  bool is_special(int32_t id) const;                // an added token marked "special"

  // The raw bytes this token stands for (may be part of a UTF-8 character), for stop strings that
  // span token boundaries. "" for an unknown id.
  std::string decode_token_bytes(int32_t id) const;

  bool empty() const { return impl_ == nullptr; }
  const std::string& source() const;  // where it was loaded from, for messages

  struct Impl;

 private:
  explicit Tokenizer(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}
  const Impl& impl() const;

  std::shared_ptr<const Impl> impl_;
};

}  // namespace zerorl
