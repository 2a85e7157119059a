// zerorl eval --config F.yaml --checkpoint DIR [--out DIR] [--set key=value]...
// Evaluates a checkpoint (or any HF model folder) on the eval split; appends a row to OUT/eval.jsonl and
// prints the figures (stdout: one "name value" line each, then the row as one JSON line).
#include <boost/program_options.hpp>

#include <cstdio>
#include <filesystem>
#include <iostream>

#include "cli/commands.h"
#include "core/atomic_file.h"
#include "core/config.h"
#include "core/error.h"
#include "core/jsonl.h"
#include "core/log.h"
#include "model/hf_checkpoint.h"
#include "model/threads.h"
#include "rewards/reward_set.h"
#include "rollout/engine.h"
#include "trainer/dataset.h"
#include "trainer/evaluation.h"
#include "trainer/trainer.h"

namespace zerorl {

namespace fs = std::filesystem;

int cmd_eval(const std::vector<std::string>& args) {
  namespace po = boost::program_options;
  po::options_description opts("zerorl eval options");
  opts.add_options()("help,h", "show this help")(
      "config", po::value<std::vector<std::string>>()->composing(), "YAML config (repeatable; later files win)")(
      "set", po::value<std::vector<std::string>>()->composing(), "override one key: --set eval.samples=8 (repeatable)")(
      "checkpoint", po::value<std::string>(), "checkpoint directory (checkpoints/step-NNNNNN) or HF model folder")(
      "out", po::value<std::string>(), "where eval.jsonl goes (default: the checkpoint's run directory)");
  const std::string usage = "usage: zerorl eval --config F.yaml --checkpoint DIR [--out DIR] [--set KEY=VALUE]...\n";
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args).options(opts).run(), vm);
  } catch (const po::error& e) {
    throw InputError(std::string("zerorl eval: ") + e.what());
  }
  if (vm.count("help")) {
    std::cout << usage << opts;
    return kExitOk;
  }
  auto list = [&](const char* key) {
    return vm.count(key) ? vm[key].as<std::vector<std::string>>() : std::vector<std::string>{};
  };
  if (!vm.count("config")) throw InputError("zerorl eval: --config F.yaml is required");
  if (!vm.count("checkpoint")) throw InputError("zerorl eval: --checkpoint DIR is required");
  Config cfg = load_config(list("config"), list("set"), check_rewards_config);
  const fs::path ckpt = fs::path(vm["checkpoint"].as<std::string>());
  std::error_code ec;
  if (!fs::is_regular_file(ckpt / "config.json", ec))
    throw InputError("--checkpoint " + ckpt.string() + ": no config.json (expected a checkpoint or HF model folder)");

  // The step and run directory of a trainer checkpoint (run_dir/checkpoints/step-NNNNNN).
  int64_t step = 0;
  fs::path run_dir = ckpt;
  if (fs::is_regular_file(ckpt / "trainer_state.json", ec)) {
    try {
      step = nlohmann::json::parse(read_file((ckpt / "trainer_state.json").string())).at("step").get<int64_t>();
    } catch (const nlohmann::json::exception&) {
      throw InputError((ckpt / "trainer_state.json").string() + ": cannot read the step");
    }
    auto parent = fs::absolute(ckpt).lexically_normal().parent_path();
    if (parent.filename() == "checkpoints") run_dir = parent.parent_path();
  }
  if (!vm.count("out") && run_dir == ckpt)  // a plain model folder: never write into it unasked
    throw InputError("zerorl eval: " + ckpt.string() + " is not a trainer checkpoint (no trainer_state.json); "
                     "pass --out DIR for eval.jsonl");
  const fs::path out = vm.count("out") ? fs::path(vm["out"].as<std::string>()) : run_dir;

  set_compute_threads(cfg.run.threads);
  cfg.model.path = ckpt.string();
  if (fs::is_regular_file(ckpt / "tokenizer.json", ec)) cfg.tokenizer.path = ckpt.string();
  const Tokenizer tok = load_run_tokenizer(cfg);
  Transformer model = load_pretrained(ckpt.string(), cfg.model.device, cfg.model.dtype);
  DataSplits data = load_data(cfg);
  if (data.eval.empty()) throw InputError("zerorl eval: the eval split is empty (data.eval or task.eval_size)");
  Evaluator evaluator(cfg, tok, data.eval);
  Engine engine(model, tok, cfg.rollout);
  fs::create_directories(out, ec);
  if (ec || !fs::is_directory(out)) throw InputError("--out " + out.string() + ": cannot create the directory");
  JsonlWriter log((out / "eval.jsonl").string());

  nlohmann::json row;
  try {
    row = evaluator.evaluate(engine, step);
  } catch (const InputError& e) {
    throw RunError(e.what());
  }
  row["checkpoint"] = ckpt.string();
  log.write(row);
  for (auto& [k, v] : row.items()) {
    if (!v.is_number()) continue;
    char buf[128];
    std::snprintf(buf, sizeof buf, "%-18s %.4f\n", k.c_str(), v.get<double>());
    std::cout << buf;
  }
  std::cout << to_json_line(row) << std::endl;
  return kExitOk;
}

}  // namespace zerorl
