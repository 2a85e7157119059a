#include "trainer/dataset.h"

#include "core/error.h"
#include "core/jsonl.h"
#include "model/tokenizer/prompt_template.h"
#include "trainer/tasks.h"

namespace zerorl {

Example make_example(const nlohmann::json& row, const DataConfig& data) {
  auto it = row.find(data.prompt_field);
  if (it == row.end())
    throw InputError("missing field '" + data.prompt_field + "' (data.prompt_field)");
  if (!it->is_string())
    throw InputError("field '" + data.prompt_field + "' must be a string, got " + std::string(it->type_name()));
  if (it->get_ref<const std::string&>().empty()) throw InputError("field '" + data.prompt_field + "' is empty");
  auto ans = row.find(data.answer_field);
  if (ans == row.end())
    throw InputError("missing field '" + data.answer_field + "' (data.answer_field)");
  if (!ans->is_string() && !ans->is_number())
    throw InputError("field '" + data.answer_field + "' must be a string or a number, got " +
                     std::string(ans->type_name()));
  Example e;
  e.question = it->get<std::string>();
  e.prompt = apply_template(parse_template(data.template_name), e.question);
  e.row = row;
  return e;
}

// Reads one JSONL split; an empty file (or one with only bad rows) is an error even when skipping.
static std::vector<Example> read_split(const std::string& path, const DataConfig& data, long& skipped) {
  std::vector<Example> out;
  long bad = 0;
  read_jsonl(
      path, [&](const nlohmann::json& row, long) { out.push_back(make_example(row, data)); },
      data.skip_bad_rows, &bad);
  skipped += bad;
  if (out.empty()) {
    if (bad > 0) throw InputError(path + ": no usable rows (" + std::to_string(bad) + " bad rows skipped)");
    throw InputError(path + ": empty file, no rows");
  }
  return out;
}

static std::vector<Example> from_rows(const std::vector<nlohmann::json>& rows, const DataConfig& data) {
  std::vector<Example> out;
  out.reserve(rows.size());
  for (const nlohmann::json& r : rows) out.push_back(make_example(r, data));
  return out;
}

DataSplits load_data(const Config& cfg) {
  DataSplits s;
  if (!cfg.data.train.empty()) {
    s.train = read_split(cfg.data.train, cfg.data, s.skipped_rows);
  }
  const bool synthetic = cfg.data.train.empty();
  if (synthetic) {
    TaskRows rows = make_task_rows(cfg);
    s.train = from_rows(rows.train, cfg.data);
    if (cfg.data.eval.empty()) s.eval = from_rows(rows.eval, cfg.data);
  }
  if (!cfg.data.eval.empty()) s.eval = read_split(cfg.data.eval, cfg.data, s.skipped_rows);
  if (cfg.data.eval_size > 0 && int64_t(s.eval.size()) > cfg.data.eval_size) s.eval.resize(size_t(cfg.data.eval_size));
  return s;
}

// ---------------------------------------------------------------- sampler
PromptSampler::PromptSampler(size_t n, uint64_t seed) : n_(n), seed_(seed) {
  if (n == 0) throw InputError("no training prompts to sample from");
  shuffle();
}

void PromptSampler::shuffle() {
  order_.resize(n_);
  for (size_t i = 0; i < n_; ++i) order_[i] = i;
  TaskRng rng(mix_seed(seed_, 0x5A3D1E0000000000ULL + epoch_));
  for (size_t i = n_; i > 1; --i) std::swap(order_[i - 1], order_[size_t(rng.uniform_int(0, int64_t(i) - 1))]);
}

std::vector<size_t> PromptSampler::next(size_t count) {
  std::vector<size_t> out;
  out.reserve(count);
  while (out.size() < count) {
    if (position_ == n_) {
      ++epoch_;
      position_ = 0;
      shuffle();
    }
    out.push_back(order_[position_++]);
  }
  return out;
}

nlohmann::json PromptSampler::state() const {
  return {{"size", n_}, {"seed", seed_}, {"epoch", epoch_}, {"position", position_}};
}

void PromptSampler::restore(const nlohmann::json& st) {
  auto get = [&](const char* key) -> uint64_t {
    if (!st.is_object() || !st.contains(key) || !st[key].is_number_unsigned())
      throw InputError(std::string("data cursor: missing or bad '") + key + "' in " + to_json_line(st));
    return st[key].get<uint64_t>();
  };
  const uint64_t size = get("size"), seed = get("seed"), epoch = get("epoch"), position = get("position");
  if (size != n_)
    throw InputError("data cursor is for " + std::to_string(size) + " prompts, this dataset has " + std::to_string(n_));
  if (seed != seed_)
    throw InputError("data cursor was made with seed " + std::to_string(seed) + ", this run uses " +
                     std::to_string(seed_));
  if (position > n_) throw InputError("data cursor position " + std::to_string(position) + " is past the dataset");
  epoch_ = epoch;
  position_ = size_t(position);
  shuffle();
}

bool is_recheck(const std::string& completion) { return completion.find(kRecheckWord) != std::string::npos; }

}  // namespace zerorl
