#include "model/tokenizer/tokenizer.h"

#include <filesystem>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/text.h"
#include "model/tokenizer/tokenizer_impl.h"
#include "model/tokenizer/utf8.h"

namespace zerorl {

namespace fs = std::filesystem;

void Tokenizer::Impl::encode_plain(std::string_view text, std::vector<int32_t>* out) const {
  thread_local std::vector<std::string_view> pieces;
  std::deque<std::string> arena;
  pieces.clear();
  pre_tokenizer.split(text, &pieces, &arena);
  const bool byte_level = pre_tokenizer.byte_level();
  for (std::string_view p : pieces) model->encode_piece(p, byte_level, out);
}

void Tokenizer::Impl::encode(std::string_view text, std::vector<int32_t>* out) const {
  // Hugging Face's AddedVocabulary::extract_and_normalize: raw-text added tokens first, then the
  // normalizer on each remaining segment, then the normalized added tokens, then pre-tokenization.
  auto on_segment = [&](std::string_view seg, int32_t id) {
    if (id >= 0) {
      out->push_back(id);
      return;
    }
    std::string buf;
    const std::string_view norm = normalizer.apply(seg, &buf);
    if (normalized_matcher.empty()) {
      encode_plain(norm, out);
      return;
    }
    normalized_matcher.split(norm, [&](std::string_view sub, int32_t sub_id) {
      if (sub_id >= 0) out->push_back(sub_id);
      else encode_plain(sub, out);
    });
  };
  if (raw_matcher.empty()) {
    if (!text.empty()) on_segment(text, -1);
  } else {
    raw_matcher.split(text, on_segment);
  }
}

const Tokenizer::Impl& Tokenizer::impl() const {
  if (!impl_) throw RunError("tokenizer used before it was loaded");
  return *impl_;
}

Tokenizer Tokenizer::load(const std::string& dir_or_file) {
  std::error_code ec;
  std::string file = dir_or_file;
  if (fs::is_directory(dir_or_file, ec)) {
    file = (fs::path(dir_or_file) / "tokenizer.json").string();
    if (!fs::exists(file, ec)) throw InputError(dir_or_file + ": no tokenizer.json in this folder");
  } else if (!fs::exists(dir_or_file, ec)) {
    throw InputError(dir_or_file + ": no such tokenizer file or folder");
  }
  const std::string config_file = (fs::path(file).parent_path() / "tokenizer_config.json").string();
  std::string config_text;
  if (fs::exists(config_file, ec)) config_text = read_file(config_file);
  return Tokenizer(parse_tokenizer(read_file(file), std::move(config_text), file, config_file));
}

void Tokenizer::save(const std::string& dir) const {
  const Impl& t = impl();
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw RunError("cannot create " + dir + ": " + ec.message());
  write_file_atomic((fs::path(dir) / "tokenizer.json").string(), t.tokenizer_json);
  std::string config = t.config_json;
  if (config.empty()) {
    nlohmann::ordered_json c;
    c["tokenizer_class"] = "PreTrainedTokenizerFast";
    c["eos_token"] = t.eos >= 0 ? nlohmann::ordered_json(t.tokens[t.eos]) : nlohmann::ordered_json();
    c["pad_token"] = t.pad >= 0 ? nlohmann::ordered_json(t.tokens[t.pad]) : nlohmann::ordered_json();
    config = c.dump(2) + "\n";
  }
  write_file_atomic((fs::path(dir) / "tokenizer_config.json").string(), config);
}

std::vector<int32_t> Tokenizer::encode(std::string_view text) const {
  const Impl& t = impl();
  size_t bad = 0;
  if (!valid_utf8(text, &bad)) {
    throw InputError("tokenizer: text is not valid UTF-8 (byte " + std::to_string(bad + 1) + ")");
  }
  std::vector<int32_t> ids;
  ids.reserve(text.size() / 3 + 4);
  t.encode(text, &ids);
  return ids;
}

std::string Tokenizer::decode(const std::vector<int32_t>& ids, bool skip_special) const {
  const Impl& t = impl();
  std::string bytes;
  bool first = true;
  for (int32_t id : ids) {
    if (id < 0 || id >= static_cast<int32_t>(t.known.size()) || !t.known[id]) continue;
    if (skip_special && t.special[id]) continue;
    if (t.decoder == DecoderKind::None && !first) bytes += ' ';  // Hugging Face joins with spaces
    bytes += t.token_bytes[id];
    first = false;
  }
  if (valid_utf8(bytes)) return bytes;
  return utf8_lossy(bytes);
}

std::string Tokenizer::id_to_token(int32_t id) const {
  const Impl& t = impl();
  if (id < 0 || id >= static_cast<int32_t>(t.tokens.size())) return "";
  return t.tokens[id];
}

int32_t Tokenizer::token_to_id(std::string_view tok) const {
  const Impl& t = impl();
  for (const AddedToken& a : t.added) {
    if (a.content == tok) return a.id;
  }
  return t.model->token_to_id(tok);
}

int64_t Tokenizer::vocab_size() const { return static_cast<int64_t>(impl().tokens.size()); }
int32_t Tokenizer::eos_id() const { return impl().eos; }
int32_t Tokenizer::pad_id() const { return impl().pad; }

bool Tokenizer::is_special(int32_t id) const {
  const Impl& t = impl();
  return id >= 0 && id < static_cast<int32_t>(t.special.size()) && t.special[id];
}

std::string Tokenizer::decode_token_bytes(int32_t id) const {
  const Impl& t = impl();
  if (id < 0 || id >= static_cast<int32_t>(t.token_bytes.size())) return "";
  return t.token_bytes[id];
}

const std::string& Tokenizer::source() const { return impl().source; }

}  // namespace zerorl
