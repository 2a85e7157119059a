#include "model/tokenizer/piece_cache.h"

#include <cstring>

namespace zerorl {

PieceCache::PieceCache(size_t max_entries) : max_entries_(max_entries) {}

uint32_t PieceCache::hash_of(std::string_view key) {
  uint64_t h = 0xcbf29ce484222325ULL;  // FNV-1a: pieces are short
  for (char c : key) h = (h ^ static_cast<unsigned char>(c)) * 0x100000001b3ULL;
  return static_cast<uint32_t>(h ^ (h >> 32));
}

int32_t PieceCache::find_locked(std::string_view key, uint32_t h, size_t* slot) const {
  const size_t mask = slots_.size() - 1;
  size_t i = h & mask;
  while (slots_[i].entry >= 0) {
    const Slot& s = slots_[i];
    if (s.hash == h) {
      const uint32_t begin = s.entry ? key_end_[s.entry - 1] : 0;
      const uint32_t end = key_end_[s.entry];
      if (end - begin == key.size() && std::memcmp(keys_.data() + begin, key.data(), key.size()) == 0) {
        *slot = i;
        return s.entry;
      }
    }
    i = (i + 1) & mask;
  }
  *slot = i;
  return -1;
}

bool PieceCache::lookup(std::string_view key, std::vector<int32_t>* out) const {
  const uint32_t h = hash_of(key);
  std::lock_guard<std::mutex> lock(mutex_);
  if (slots_.empty()) return false;
  size_t slot;
  const int32_t e = find_locked(key, h, &slot);
  if (e < 0) return false;
  const uint32_t begin = e ? ids_end_[e - 1] : 0;
  out->insert(out->end(), ids_.begin() + begin, ids_.begin() + ids_end_[e]);
  return true;
}

void PieceCache::insert(std::string_view key, const std::vector<int32_t>& ids) {
  const uint32_t h = hash_of(key);
  std::lock_guard<std::mutex> lock(mutex_);
  if (slots_.empty()) {  // allocated on first use: tokenizers without merges never cache
    size_t cap = 16;
    while (cap < max_entries_ * 2) cap <<= 1;
    slots_.resize(cap);
  }
  if (key_end_.size() >= max_entries_) {
    for (Slot& s : slots_) s = Slot();
    keys_.clear();
    key_end_.clear();
    ids_.clear();
    ids_end_.clear();
  }
  size_t slot;
  if (find_locked(key, h, &slot) >= 0) return;  // another thread was first
  slots_[slot] = Slot{h, static_cast<int32_t>(key_end_.size())};
  keys_.append(key.data(), key.size());
  key_end_.push_back(static_cast<uint32_t>(keys_.size()));
  ids_.insert(ids_.end(), ids.begin(), ids.end());
  ids_end_.push_back(static_cast<uint32_t>(ids_.size()));
}

}  // namespace zerorl
