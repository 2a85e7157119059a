#pragma once
// Hash tables for the tokenizer's hot path: token string -> id looked up with a string_view
// (no std::string built per lookup), and (left id, right id) -> merge rank and merged id.
// Both use open addressing over flat arrays; they are copyable because they hold offsets, not pointers.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace zerorl {

class VocabMap {
 public:
  // False when key is already present (the old id is kept).
  bool insert(std::string_view key, int32_t id);
  int32_t find(std::string_view key) const;  // -1 when absent
  size_t size() const { return ids_.size(); }

 private:
  std::string_view key_at(int32_t entry) const {
    return std::string_view(arena_.data() + offsets_[entry], offsets_[entry + 1] - offsets_[entry]);
  }
  void grow();

  std::string arena_;                  // all keys, back to back
  std::vector<uint32_t> offsets_{0};   // key i is arena_[offsets_[i], offsets_[i+1])
  std::vector<int32_t> ids_;           // id of key i
  std::vector<int32_t> slots_;         // entry index or -1; size is a power of two
};

struct MergeRule {
  int32_t rank = -1;    // position in the merges list: lower merges first
  int32_t new_id = -1;  // id of the merged token
};

class MergeMap {
 public:
  void insert(int32_t left, int32_t right, MergeRule rule);  // overwrites, as Hugging Face's HashMap does
  // nullptr when the pair has no merge.
  const MergeRule* find(int32_t left, int32_t right) const {
    if (keys_.empty()) return nullptr;
    const uint64_t key = pack(left, right);
    size_t i = slot(key);
    while (true) {
      const uint64_t k = keys_[i];
      if (k == key) return &rules_[i];
      if (k == kEmpty) return nullptr;
      i = (i + 1) & (keys_.size() - 1);
    }
  }
  size_t size() const { return count_; }

 private:
  static constexpr uint64_t kEmpty = ~0ULL;
  static uint64_t pack(int32_t a, int32_t b) {
    return (static_cast<uint64_t>(static_cast<uint32_t>(a)) << 32) | static_cast<uint32_t>(b);
  }
  size_t slot(uint64_t key) const {
    return static_cast<size_t>((key * 0x9E3779B97F4A7C15ULL) >> shift_);
  }
  void grow();

  std::vector<uint64_t> keys_;
  std::vector<MergeRule> rules_;
  size_t count_ = 0;
  int shift_ = 64;
};

}  // namespace zerorl
