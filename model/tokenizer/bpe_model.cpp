#include "model/tokenizer/bpe_model.h"

#include <algorithm>
#include <cstdio>

#include "core/error.h"
#include "core/text.h"
#include "model/tokenizer/byte_level.h"
#include "model/tokenizer/utf8.h"

namespace zerorl {

namespace {

constexpr size_t kCacheMaxPiece = 256;  // longer pieces are not cached (as in Hugging Face)

std::string key_name(const std::string& where, const std::string& key) { return where + ": " + key; }

void require_absent_or(const nlohmann::json& j, const char* name, const std::string& where,
                       bool (*ok)(const nlohmann::json&), const char* what) {
  if (j.contains(name) && !j[name].is_null() && !ok(j[name])) {
    throw InputError(key_name(where, std::string("model.") + name) + " " + what + " is not supported");
  }
}

bool get_flag(const nlohmann::json& j, const char* name, const std::string& where) {
  if (!j.contains(name) || j[name].is_null()) return false;
  if (!j[name].is_boolean()) throw InputError(key_name(where, std::string("model.") + name) + " must be true or false");
  return j[name].get<bool>();
}

struct Candidate {
  int32_t rank, pos, new_id;
  bool operator>(const Candidate& o) const { return rank != o.rank ? rank > o.rank : pos > o.pos; }
};

struct Symbol {
  int32_t id, prev, next;
};

}  // namespace

BpeModel::BpeModel(const nlohmann::json& j, const std::string& where) {
  if (!j.is_object()) throw InputError(key_name(where, "model") + " must be an object");
  if (!j.contains("type") || !j["type"].is_string()) throw InputError(key_name(where, "model.type") + " is missing");
  const std::string type = j["type"];
  if (type == "WordLevel") {
    word_level_ = true;
  } else if (type != "BPE") {
    throw InputError(key_name(where, "model.type") + " \"" + type +
                     "\" is not supported (supported: BPE, WordLevel)");
  }
  if (!j.contains("vocab") || !j["vocab"].is_object()) {
    throw InputError(key_name(where, "model.vocab") + " is missing or not an object");
  }
  const auto& vocab = j["vocab"];
  entries_.reserve(vocab.size());
  for (auto it = vocab.begin(); it != vocab.end(); ++it) {
    if (!it.value().is_number_integer() || it.value().get<int64_t>() < 0 ||
        it.value().get<int64_t>() > INT32_MAX) {
      throw InputError(key_name(where, "model.vocab") + ": token " + quote(it.key()) +
                       " has an id that is not a non-negative integer");
    }
    const auto id = static_cast<int32_t>(it.value().get<int64_t>());
    vocab_.insert(it.key(), id);
    entries_.emplace_back(it.key(), id);
  }
  if (j.contains("unk_token") && !j["unk_token"].is_null()) {
    if (!j["unk_token"].is_string()) throw InputError(key_name(where, "model.unk_token") + " must be a string");
    unk_id_ = vocab_.find(j["unk_token"].get<std::string>());
    if (unk_id_ < 0) {
      throw InputError(key_name(where, "model.unk_token") + " " + quote(j["unk_token"].get<std::string>()) +
                       " is not in model.vocab");
    }
  }
  if (word_level_) return;

  require_absent_or(j, "dropout", where, [](const nlohmann::json& v) { return v.is_number() && v.get<double>() == 0.0; },
                    "other than null or 0");
  require_absent_or(j, "continuing_subword_prefix", where,
                    [](const nlohmann::json& v) { return v.is_string() && v.get<std::string>().empty(); },
                    "other than null or \"\"");
  require_absent_or(j, "end_of_word_suffix", where,
                    [](const nlohmann::json& v) { return v.is_string() && v.get<std::string>().empty(); },
                    "other than null or \"\"");
  ignore_merges_ = get_flag(j, "ignore_merges", where);
  fuse_unk_ = get_flag(j, "fuse_unk", where);
  byte_fallback_ = get_flag(j, "byte_fallback", where);

  if (!j.contains("merges") || !j["merges"].is_array()) {
    throw InputError(key_name(where, "model.merges") + " is missing or not an array");
  }
  const auto& merges = j["merges"];
  std::string merged;
  for (size_t r = 0; r < merges.size(); ++r) {
    const auto& m = merges[r];
    const std::string key = "model.merges[" + std::to_string(r) + "]";
    std::string_view left, right;
    std::string joined;
    if (m.is_string()) {
      const std::string& s = m.get_ref<const std::string&>();
      const size_t sp = s.find(' ');
      if (sp == std::string::npos || s.find(' ', sp + 1) != std::string::npos) {
        throw InputError(key_name(where, key) + " " + quote(s) + " is not two tokens separated by one space");
      }
      left = std::string_view(s).substr(0, sp);
      right = std::string_view(s).substr(sp + 1);
    } else if (m.is_array() && m.size() == 2 && m[0].is_string() && m[1].is_string()) {
      left = m[0].get_ref<const std::string&>();
      right = m[1].get_ref<const std::string&>();
    } else {
      throw InputError(key_name(where, key) + " must be \"a b\" or [\"a\", \"b\"]");
    }
    const int32_t a = vocab_.find(left), b = vocab_.find(right);
    if (a < 0) throw InputError(key_name(where, key) + ": token " + quote(left) + " is not in model.vocab");
    if (b < 0) throw InputError(key_name(where, key) + ": token " + quote(right) + " is not in model.vocab");
    merged.assign(left);
    merged.append(right);
    const int32_t c = vocab_.find(merged);
    if (c < 0) throw InputError(key_name(where, key) + ": merged token " + quote(merged) + " is not in model.vocab");
    merges_.insert(a, b, MergeRule{static_cast<int32_t>(r), c});
  }

  for (int b = 0; b < 256; ++b) {
    std::string ch;
    utf8_append(ch, byte_level_char(static_cast<unsigned char>(b)));
    byte_ids_[b] = vocab_.find(ch);
    char hex[8];
    std::snprintf(hex, sizeof hex, "<0x%02X>", b);
    fallback_ids_[b] = vocab_.find(hex);
  }
}

int32_t BpeModel::missing(std::string_view ch) const {
  if (unk_id_ >= 0) return unk_id_;
  std::string code = "U+";
  if (!ch.empty()) {
    uint32_t cp;
    utf8_decode(ch, 0, &cp);
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04X", cp);
    code += buf;
  }
  throw InputError("tokenizer: no token for character " + code + " " + quote(ch) +
                   " and the tokenizer has no unk_token");
}

void BpeModel::initial_symbols(std::string_view piece, bool byte_level, std::vector<int32_t>* ids) const {
  ids->clear();
  bool last_was_unk = false;  // for fuse_unk: a run of unknown characters gives one unk
  auto push_unknown = [&](std::string_view ch) {
    if (byte_fallback_) {
      bool all = true;
      for (char c : ch) all = all && fallback_ids_[static_cast<unsigned char>(c)] >= 0;
      if (all) {
        for (char c : ch) ids->push_back(fallback_ids_[static_cast<unsigned char>(c)]);
        last_was_unk = false;
        return;
      }
    }
    const int32_t unk = missing(ch);
    if (!(fuse_unk_ && last_was_unk)) ids->push_back(unk);
    last_was_unk = true;
  };
  if (byte_level) {
    for (size_t i = 0; i < piece.size(); ++i) {
      const int32_t id = byte_ids_[static_cast<unsigned char>(piece[i])];
      if (id >= 0) {
        ids->push_back(id);
        last_was_unk = false;
      } else {
        std::string ch;
        utf8_append(ch, byte_level_char(static_cast<unsigned char>(piece[i])));
        if (unk_id_ < 0 && !byte_fallback_) {
          throw InputError("tokenizer: no token for byte-level character " + quote(ch) +
                           " (byte " + std::to_string(static_cast<unsigned char>(piece[i])) +
                           ") and the tokenizer has no unk_token");
        }
        push_unknown(ch);
      }
    }
    return;
  }
  for (size_t i = 0; i < piece.size();) {
    const size_t n = utf8_length(static_cast<unsigned char>(piece[i]));
    const std::string_view ch = piece.substr(i, n);
    const int32_t id = vocab_.find(ch);
    if (id >= 0) {
      ids->push_back(id);
      last_was_unk = false;
    } else {
      push_unknown(ch);
    }
    i += n;
  }
}

// Hugging Face's Word::merge_all: repeatedly merge the pair with the lowest rank (leftmost on ties).
void BpeModel::merge(std::vector<int32_t>* ids) const {
  const int32_t n = static_cast<int32_t>(ids->size());
  if (n < 2 || merges_.size() == 0) return;
  thread_local std::vector<Symbol> syms;
  thread_local std::vector<Candidate> heap;
  syms.resize(n);
  heap.clear();
  for (int32_t i = 0; i < n; ++i) syms[i] = {(*ids)[i], i - 1, i + 1 < n ? i + 1 : -1};
  const auto cmp = std::greater<Candidate>();
  for (int32_t i = 0; i + 1 < n; ++i) {
    if (const MergeRule* r = merges_.find(syms[i].id, syms[i + 1].id)) heap.push_back({r->rank, i, r->new_id});
  }
  std::make_heap(heap.begin(), heap.end(), cmp);
  while (!heap.empty()) {
    std::pop_heap(heap.begin(), heap.end(), cmp);
    const Candidate top = heap.back();
    heap.pop_back();
    Symbol& s = syms[top.pos];
    if (s.id < 0 || s.next < 0) continue;
    const int32_t nx = s.next;
    const MergeRule* r = merges_.find(s.id, syms[nx].id);
    if (!r || r->new_id != top.new_id) continue;  // a stale candidate
    s.id = top.new_id;
    s.next = syms[nx].next;
    if (s.next >= 0) syms[s.next].prev = top.pos;
    syms[nx].id = -1;
    if (s.prev >= 0) {
      if (const MergeRule* p = merges_.find(syms[s.prev].id, s.id)) {
        heap.push_back({p->rank, s.prev, p->new_id});
        std::push_heap(heap.begin(), heap.end(), cmp);
      }
    }
    if (s.next >= 0) {
      if (const MergeRule* q = merges_.find(s.id, syms[s.next].id)) {
        heap.push_back({q->rank, top.pos, q->new_id});
        std::push_heap(heap.begin(), heap.end(), cmp);
      }
    }
  }
  ids->clear();
  for (int32_t i = 0; i >= 0; i = syms[i].next) ids->push_back(syms[i].id);
}

void BpeModel::encode_piece(std::string_view piece, bool byte_level, std::vector<int32_t>* out) const {
  if (piece.empty()) return;
  if (word_level_ || ignore_merges_) {
    thread_local std::string key;
    if (byte_level) key = to_byte_level(piece);
    const int32_t id = vocab_.find(byte_level ? std::string_view(key) : piece);
    if (id >= 0) {
      out->push_back(id);
      return;
    }
    if (word_level_) {
      out->push_back(missing(piece));
      return;
    }
  }
  const bool cacheable = piece.size() <= kCacheMaxPiece && merges_.size() > 0;
  if (cacheable && cache_.lookup(piece, out)) return;
  thread_local std::vector<int32_t> ids;
  initial_symbols(piece, byte_level, &ids);
  merge(&ids);
  out->insert(out->end(), ids.begin(), ids.end());
  if (cacheable) cache_.insert(piece, ids);
}

}  // namespace zerorl
