// zerorl bench rollout|train --config F.yaml [--set key=value]...: throughput figures.
// Progress goes to stderr; the last line on stdout is one JSON object.
#include <boost/program_options.hpp>

#include <iostream>

#include "cli/commands.h"
#include "core/config.h"
#include "core/error.h"
#include "core/jsonl.h"
#include "core/text.h"
#include "rollout/bench_rollout.h"
#if __has_include("trainer/bench_train.h")
#include "trainer/bench_train.h"
#define ZERORL_HAVE_BENCH_TRAIN 1
#endif

namespace zerorl {

int cmd_bench(const std::vector<std::string>& args) {
  namespace po = boost::program_options;
  po::options_description opts("zerorl bench rollout|train options");
  opts.add_options()("help,h", "show this help")(
      "config", po::value<std::vector<std::string>>()->composing(), "YAML config (repeatable; later files win)")(
      "set", po::value<std::vector<std::string>>()->composing(), "override one key: --set bench.batch=64 (repeatable)");
  const std::string usage = "usage: zerorl bench rollout|train [--config F.yaml]... [--set key=value]...\n";
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    std::cout << usage << opts;
    return args.empty() ? kExitBadInput : kExitOk;
  }
  const std::string what = args[0];
  if (what != "rollout" && what != "train")
    throw InputError("zerorl bench: unknown benchmark '" + what + "' (expected rollout or train)" +
                     did_you_mean(what, {"rollout", "train"}));
  po::variables_map vm;
  try {
    const std::vector<std::string> rest(args.begin() + 1, args.end());
    po::store(po::command_line_parser(rest).options(opts).run(), vm);
  } catch (const po::error& e) {
    throw InputError(std::string("zerorl bench: ") + e.what());
  }
  if (vm.count("help")) {
    std::cout << usage << opts;
    return kExitOk;
  }
  auto list = [&](const char* key) {
    return vm.count(key) ? vm[key].as<std::vector<std::string>>() : std::vector<std::string>{};
  };
  const Config cfg = load_config(list("config"), list("set"));
  if (what == "rollout") {
    std::cout << to_json_line(bench_rollout(cfg)) << std::endl;
    return kExitOk;
  }
#ifdef ZERORL_HAVE_BENCH_TRAIN
  return bench_train(cfg);
#else
  throw NotAvailable("bench train");
#endif
}

}  // namespace zerorl
