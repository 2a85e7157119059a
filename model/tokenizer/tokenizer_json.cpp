// Reading tokenizer.json and tokenizer_config.json into a Tokenizer::Impl.
#include <algorithm>

#include "core/error.h"
#include "core/text.h"
#include "model/tokenizer/byte_level.h"
#include "model/tokenizer/tokenizer_impl.h"

namespace zerorl {

namespace {

const nlohmann::json& member_or_null(const nlohmann::json& j, const char* key) {
  static const nlohmann::json null_value;
  return j.contains(key) ? j[key] : null_value;
}

nlohmann::json parse_json(const std::string& text, const std::string& where) {
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    std::string what = e.what();
    const std::string tag = "] ";
    const size_t p = what.find(tag);
    if (p != std::string::npos) what = what.substr(p + tag.size());
    throw InputError(where + ": invalid JSON: " + what);
  }
}

DecoderKind parse_decoder(const nlohmann::json& j, const std::string& where) {
  if (j.is_null()) return DecoderKind::None;
  if (!j.is_object() || !j.contains("type") || !j["type"].is_string()) {
    throw InputError(where + ": decoder must be an object with a \"type\"");
  }
  const std::string type = j["type"];
  if (type == "ByteLevel") return DecoderKind::ByteLevel;
  if (type == "Fuse") return DecoderKind::Fuse;
  throw InputError(where + ": decoder.type \"" + type + "\" is not supported (supported: ByteLevel, Fuse, null)");
}

bool flag(const nlohmann::json& a, const char* name, bool def, const std::string& where, const std::string& key) {
  if (!a.contains(name) || a[name].is_null()) return def;
  if (!a[name].is_boolean()) throw InputError(where + ": " + key + "." + name + " must be true or false");
  return a[name].get<bool>();
}

std::vector<AddedToken> parse_added(const nlohmann::json& j, const std::string& where) {
  std::vector<AddedToken> out;
  if (j.is_null()) return out;
  if (!j.is_array()) throw InputError(where + ": added_tokens must be an array");
  for (size_t i = 0; i < j.size(); ++i) {
    const auto& a = j[i];
    const std::string key = "added_tokens[" + std::to_string(i) + "]";
    if (!a.is_object()) throw InputError(where + ": " + key + " must be an object");
    if (!a.contains("id") || !a["id"].is_number_integer() || a["id"].get<int64_t>() < 0 ||
        a["id"].get<int64_t>() > INT32_MAX) {
      throw InputError(where + ": " + key + ".id must be a non-negative integer");
    }
    if (!a.contains("content") || !a["content"].is_string() || a["content"].get<std::string>().empty()) {
      throw InputError(where + ": " + key + ".content must be a non-empty string");
    }
    AddedToken t;
    t.id = static_cast<int32_t>(a["id"].get<int64_t>());
    t.content = a["content"];
    t.special = flag(a, "special", false, where, key);
    t.single_word = flag(a, "single_word", false, where, key);
    t.lstrip = flag(a, "lstrip", false, where, key);
    t.rstrip = flag(a, "rstrip", false, where, key);
    t.normalized = flag(a, "normalized", !t.special, where, key);
    out.push_back(std::move(t));
  }
  return out;
}

// eos_token / pad_token: a string, an AddedToken object {"content": ...}, or null.
int32_t config_token(const nlohmann::json& config, const char* key, const Tokenizer::Impl& t,
                     const std::string& config_where) {
  const auto& v = member_or_null(config, key);
  std::string content;
  if (v.is_null()) return -1;
  if (v.is_string()) {
    content = v.get<std::string>();
  } else if (v.is_object() && v.contains("content") && v["content"].is_string()) {
    content = v["content"].get<std::string>();
  } else {
    throw InputError(config_where + ": " + key + " must be a string, an object with \"content\", or null");
  }
  for (const AddedToken& a : t.added) {
    if (a.content == content) return a.id;
  }
  const int32_t id = t.model->token_to_id(content);
  if (id < 0) throw InputError(config_where + ": " + key + " " + quote(content) + " is not a token of " + t.source);
  return id;
}

}  // namespace

std::shared_ptr<Tokenizer::Impl> parse_tokenizer(std::string tokenizer_json, std::string config_json,
                                                 const std::string& where, const std::string& config_where) {
  auto impl = std::make_shared<Tokenizer::Impl>();
  Tokenizer::Impl& t = *impl;
  t.source = where;
  {
    const nlohmann::json j = parse_json(tokenizer_json, where);
    if (!j.is_object()) throw InputError(where + ": not a JSON object");
    if (!j.contains("model") || j["model"].is_null()) throw InputError(where + ": key \"model\" is missing");
    t.model = std::make_unique<BpeModel>(j["model"], where);
    t.normalizer = Normalizer::from_json(member_or_null(j, "normalizer"), where);
    t.pre_tokenizer = PreTokenizer::from_json(member_or_null(j, "pre_tokenizer"), where);
    t.decoder = parse_decoder(member_or_null(j, "decoder"), where);
    t.added = parse_added(member_or_null(j, "added_tokens"), where);
    // post_processor, truncation and padding only act when special tokens are added or batches padded,
    // which encode() never does: they are kept in the file and otherwise ignored.
  }

  for (const AddedToken& a : t.added) {
    if (a.normalized) {
      std::string buf;
      t.normalized_matcher.add(a, std::string(t.normalizer.apply(a.content, &buf)));
    } else {
      t.raw_matcher.add(a, a.content);
    }
  }

  int32_t max_id = -1;
  for (const auto& e : t.model->entries()) max_id = std::max(max_id, e.second);
  for (const AddedToken& a : t.added) max_id = std::max(max_id, a.id);
  const size_t n = static_cast<size_t>(max_id) + 1;
  t.tokens.assign(n, std::string());
  t.known.assign(n, 0);
  t.special.assign(n, 0);
  for (const auto& e : t.model->entries()) {
    t.tokens[e.second] = e.first;
    t.known[e.second] = 1;
  }
  for (const AddedToken& a : t.added) {
    t.tokens[a.id] = a.content;
    t.known[a.id] = 1;
    t.special[a.id] = a.special ? 1 : 0;
  }
  t.token_bytes.assign(n, std::string());
  for (size_t id = 0; id < n; ++id) {
    // Hugging Face's ByteLevel decoder keeps a token as it is when one of its characters is outside
    // the byte alphabet (e.g. an added token with a space in it).
    if (t.decoder != DecoderKind::ByteLevel || !from_byte_level(t.tokens[id], &t.token_bytes[id])) {
      t.token_bytes[id] = t.tokens[id];
    }
  }

  if (!config_json.empty()) {
    const nlohmann::json c = parse_json(config_json, config_where);
    if (!c.is_object()) throw InputError(config_where + ": not a JSON object");
    t.eos = config_token(c, "eos_token", t, config_where);
    t.pad = config_token(c, "pad_token", t, config_where);
  }
  t.tokenizer_json = std::move(tokenizer_json);
  t.config_json = std::move(config_json);
  return impl;
}

}  // namespace zerorl
