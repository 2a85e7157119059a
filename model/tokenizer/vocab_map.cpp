#include "model/tokenizer/vocab_map.h"

#include <functional>

namespace zerorl {

static size_t hash_key(std::string_view s) { return std::hash<std::string_view>()(s); }

void VocabMap::grow() {
  const size_t cap = slots_.empty() ? 1024 : slots_.size() * 2;
  slots_.assign(cap, -1);
  for (int32_t e = 0; e < static_cast<int32_t>(ids_.size()); ++e) {
    size_t i = hash_key(key_at(e)) & (cap - 1);
    while (slots_[i] != -1) i = (i + 1) & (cap - 1);
    slots_[i] = e;
  }
}

bool VocabMap::insert(std::string_view key, int32_t id) {
  if ((ids_.size() + 1) * 2 > slots_.size()) grow();
  const size_t mask = slots_.size() - 1;
  size_t i = hash_key(key) & mask;
  while (slots_[i] != -1) {
    if (key_at(slots_[i]) == key) return false;
    i = (i + 1) & mask;
  }
  slots_[i] = static_cast<int32_t>(ids_.size());
  arena_.append(key.data(), key.size());
  offsets_.push_back(static_cast<uint32_t>(arena_.size()));
  ids_.push_back(id);
  return true;
}

int32_t VocabMap::find(std::string_view key) const {
  if (slots_.empty()) return -1;
  const size_t mask = slots_.size() - 1;
  size_t i = hash_key(key) & mask;
  while (slots_[i] != -1) {
    if (key_at(slots_[i]) == key) return ids_[slots_[i]];
    i = (i + 1) & mask;
  }
  return -1;
}

void MergeMap::grow() {
  const size_t cap = keys_.empty() ? 1024 : keys_.size() * 2;
  std::vector<uint64_t> old_keys(cap, kEmpty);
  std::vector<MergeRule> old_rules(cap);
  old_keys.swap(keys_);
  old_rules.swap(rules_);
  shift_ = 64;
  for (size_t c = cap; c > 1; c >>= 1) --shift_;
  for (size_t j = 0; j < old_keys.size(); ++j) {
    if (old_keys[j] == kEmpty) continue;
    size_t i = slot(old_keys[j]);
    while (keys_[i] != kEmpty) i = (i + 1) & (cap - 1);
    keys_[i] = old_keys[j];
    rules_[i] = old_rules[j];
  }
}

void MergeMap::insert(int32_t left, int32_t right, MergeRule rule) {
  if ((count_ + 1) * 2 > keys_.size()) grow();
  const uint64_t key = pack(left, right);
  size_t i = slot(key);
  while (keys_[i] != kEmpty && keys_[i] != key) i = (i + 1) & (keys_.size() - 1);
  if (keys_[i] == kEmpty) ++count_;
  keys_[i] = key;
  rules_[i] = rule;
}

}  // namespace zerorl
