// zerorl pretrain --config F.yaml [--config G.yaml]... [--set key=value]...
// Trains the tiny base model on the synthetic corpus and writes it to pretrain.out (HF format +
// tokenizer). Progress goes to stderr; stdout gets one JSON line with the figures.
#include <boost/program_options.hpp>

#include <iostream>

#include "cli/commands.h"
#include "core/config.h"
#include "core/error.h"
#include "core/jsonl.h"
#include "trainer/pretrain.h"

namespace zerorl {

int cmd_pretrain(const std::vector<std::string>& args) {
  namespace po = boost::program_options;
  po::options_description opts("zerorl pretrain options");
  opts.add_options()("help,h", "show this help")(
      "config", po::value<std::vector<std::string>>()->composing(), "YAML config (repeatable; later files win)")(
      "set", po::value<std::vector<std::string>>()->composing(), "override one key: --set pretrain.steps=100 (repeatable)");
  const std::string usage = "usage: zerorl pretrain --config F.yaml [--config G.yaml]... [--set KEY=VALUE]...\n";
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args).options(opts).run(), vm);
  } catch (const po::error& e) {
    throw InputError(std::string("zerorl pretrain: ") + e.what());
  }
  if (vm.count("help")) {
    std::cout << usage << opts;
    return kExitOk;
  }
  auto list = [&](const char* key) {
    return vm.count(key) ? vm[key].as<std::vector<std::string>>() : std::vector<std::string>{};
  };
  if (!vm.count("config")) throw InputError("zerorl pretrain: --config F.yaml is required (e.g. configs/base_tiny.yaml)");
  const Config cfg = load_config(list("config"), list("set"));
  const PretrainResult r = pretrain(cfg);
  nlohmann::json out = {{"out", r.out},           {"steps", r.steps},   {"params", r.params},
                        {"final_loss", r.final_loss}, {"wall_s", r.wall_s}, {"tokens_per_s", r.tokens_per_s}};
  std::cout << to_json_line(out) << std::endl;
  return kExitOk;
}

}  // namespace zerorl
