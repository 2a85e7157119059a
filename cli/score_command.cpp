// zerorl score --reward NAME[,NAME] [--input F.jsonl] [--set rewards.NAME.PARAM=V]...
// Scores JSONL rows (stdin by default) and writes {"reward": total, "rewards": {NAME: score}}
// per row to stdout; a "no score" is null.
#include <boost/program_options.hpp>

#include <fstream>
#include <iostream>

#include "cli/commands.h"
#include "core/config.h"
#include "core/error.h"
#include "core/jsonl.h"
#include "core/text.h"
#include "rewards/reward_set.h"

namespace zerorl {
namespace {

constexpr size_t kBatch = 256;  // rows scored together (an external program sees one batch per call)

struct Row {
  nlohmann::json json;
  RewardInput input;
};

Row parse_row(const std::string& line, const std::string& where) {
  Row r;
  r.json = parse_json_line(line, where);
  const auto& j = r.json;
  auto completion = j.find("completion");
  if (completion == j.end() || !completion->is_string())
    throw InputError(where + ": expected a string field \"completion\"");
  r.input.completion = completion->get<std::string>();
  if (auto p = j.find("prompt"); p != j.end() && !p->is_null()) {
    if (!p->is_string()) throw InputError(where + ": \"prompt\" must be a string, got " + quote(p->dump()));
    r.input.prompt = p->get<std::string>();
  }
  if (auto t = j.find("completion_tokens"); t != j.end() && !t->is_null()) {
    if (!t->is_number_integer() || t->get<int64_t>() < 0)
      throw InputError(where + ": \"completion_tokens\" must be a non-negative integer, got " + quote(t->dump()));
    r.input.completion_tokens = t->get<int64_t>();
  }
  if (auto f = j.find("finish_reason"); f != j.end() && !f->is_null()) {
    if (!f->is_string()) throw InputError(where + ": \"finish_reason\" must be eos, stop or length");
    try {
      r.input.finish_reason = parse_finish_reason(f->get<std::string>());
    } catch (const InputError& e) {
      throw InputError(where + ": " + e.what());
    }
  }
  return r;
}

// Every row is read and checked before the first score is written: a malformed row fails the
// command (exit 2) without partial output.
std::vector<Row> read_rows(std::istream& in, const std::string& name) {
  std::vector<Row> rows;
  for_each_line(in, name, [&](const std::string& line, long n) { rows.push_back(parse_row(line, name + ":" + std::to_string(n))); });
  return rows;
}

nlohmann::json score_json(const Score& s) { return s ? nlohmann::json(*s) : nlohmann::json(nullptr); }

}  // namespace

int cmd_score(const std::vector<std::string>& args) {
  namespace po = boost::program_options;
  po::options_description opts("zerorl score options");
  opts.add_options()("help,h", "show this help")(
      "reward", po::value<std::vector<std::string>>()->composing(),
      "rewards to compute, comma-separated (accuracy,format,...) or a name given a command by --set")(
      "input", po::value<std::string>(), "JSONL rows to score (default: stdin)")(
      "set", po::value<std::vector<std::string>>()->composing(),
      "rewards.NAME.PARAM=VALUE (also rewards.NAME.weight, rewards.plugins, data.answer_field); repeatable");
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args).options(opts).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    throw InputError(std::string("zerorl score: ") + e.what());
  }
  if (vm.count("help")) {
    std::cout << "usage: zerorl score --reward NAME[,NAME] [--input F.jsonl] [--set rewards.NAME.PARAM=V]...\n\n"
                 "Each input row is a JSON object with \"completion\" and optionally \"prompt\", the gold answer\n"
                 "(\"gold\", or the field named by data.answer_field), task fields (\"numbers\", \"target\"),\n"
                 "\"completion_tokens\" and \"finish_reason\". Each output line is\n"
                 "{\"reward\": total, \"rewards\": {\"NAME\": score}}, null for no score; weights default to 1.\n\n"
              << opts;
    return kExitOk;
  }
  if (!vm.count("reward")) throw InputError("zerorl score: --reward NAME[,NAME] is required (see zerorl score --help)");
  std::vector<std::string> names;
  for (auto& r : vm["reward"].as<std::vector<std::string>>())
    for (auto& n : split(r, ',')) {
      std::string t = trim(n);
      if (t.empty()) throw InputError("zerorl score: --reward " + quote(r) + " holds an empty name");
      names.push_back(t);
    }
  std::vector<std::string> overrides;
  for (auto& n : names) overrides.push_back("rewards." + n + ".weight=1");
  if (vm.count("set"))
    for (auto& s : vm["set"].as<std::vector<std::string>>()) overrides.push_back(s);
  Config cfg;
  try {
    cfg = load_config({}, overrides, check_rewards_config);
  } catch (const ConfigError& e) {
    // The rewards named by --reward reach the config as --set overrides: say both.
    std::vector<std::string> problems;
    for (std::string p : e.problems()) {
      size_t at = p.rfind("(--set)");
      if (at != std::string::npos) p.replace(at, 7, "(--reward / --set)");
      problems.push_back(p);
    }
    throw ConfigError(problems);
  }
  for (auto& spec : cfg.rewards.list) {
    bool listed = false;
    for (auto& n : names) listed |= n == spec.name;
    if (!listed)
      throw InputError("--set rewards." + spec.name + ".*: reward " + quote(spec.name) + " is not in --reward" +
                       did_you_mean(spec.name, names));
  }
  RewardSet rewards(cfg);

  std::vector<Row> rows;
  if (vm.count("input")) {
    std::string path = vm["input"].as<std::string>();
    std::ifstream in(path, std::ios::binary);
    if (!in) throw InputError("cannot read " + path);
    rows = read_rows(in, path);
  } else {
    rows = read_rows(std::cin, "stdin");
  }
  for (size_t start = 0; start < rows.size(); start += kBatch) {
    size_t end = std::min(rows.size(), start + kBatch);
    std::vector<RewardInput> batch;
    for (size_t i = start; i < end; ++i) {
      rows[i].input.row = &rows[i].json;
      batch.push_back(rows[i].input);
    }
    RewardScores s = rewards.score(batch);
    for (size_t i = 0; i < batch.size(); ++i) {
      nlohmann::json per = nlohmann::json::object();
      for (auto& [name, scores] : s.per_fn) per[name] = score_json(scores[i]);
      nlohmann::json out = {{"reward", score_json(s.total[i])}, {"rewards", per}};
      std::cout << to_json_line(out) << "\n";
    }
    std::cout.flush();
  }
  return kExitOk;
}

}  // namespace zerorl
