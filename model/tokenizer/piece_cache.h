#pragma once
// Cache of encoded pieces (piece bytes -> ids) for BPE: most words of a corpus repeat, and a lookup is
// much cheaper than merging. Open addressing over flat arrays, no allocation per lookup; when full it
// starts over. Thread-safe.
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace zerorl {

class PieceCache {
 public:
  explicit PieceCache(size_t max_entries = 1 << 17);
  // Appends the cached ids of key to *out and returns true, or returns false.
  bool lookup(std::string_view key, std::vector<int32_t>* out) const;
  void insert(std::string_view key, const std::vector<int32_t>& ids);

 private:
  struct Slot {
    uint32_t hash = 0;
    int32_t entry = -1;  // -1: empty
  };
  static uint32_t hash_of(std::string_view key);
  int32_t find_locked(std::string_view key, uint32_t h, size_t* slot) const;

  size_t max_entries_;
  mutable std::mutex mutex_;
  std::vector<Slot> slots_;
  std::string keys_;
  std::vector<uint32_t> key_end_;  // entry i: keys_[key_end_[i-1] or 0, key_end_[i])
  std::vector<int32_t> ids_;
  std::vector<uint32_t> ids_end_;
};

}  // namespace zerorl
