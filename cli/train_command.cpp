// zerorl train --config F.yaml [--config G.yaml]... [--set key=value]... [--resume auto|never|DIR] [--dump-config]
#include <boost/program_options.hpp>

#include <iostream>

#include "cli/commands.h"
#include "core/config.h"
#include "core/error.h"
#include "rewards/reward_set.h"
#include "core/log.h"
#include "trainer/distributed.h"
#include "trainer/trainer.h"

namespace zerorl {

int cmd_train(const std::vector<std::string>& args) {
  namespace po = boost::program_options;
  po::options_description opts("zerorl train options");
  opts.add_options()("help,h", "show this help")(
      "config", po::value<std::vector<std::string>>()->composing(), "YAML config (repeatable; later files win)")(
      "set", po::value<std::vector<std::string>>()->composing(), "override one key: --set grpo.beta=0.04 (repeatable)")(
      "resume", po::value<std::string>(), "auto | never | DIR (default: run.resume, which defaults to never)")(
      "dump-config", "validate, print the resolved YAML and exit");
  const std::string usage =
      "usage: zerorl train --config F.yaml [--config G.yaml]... [--set KEY=VALUE]... [--resume auto|never|DIR] "
      "[--dump-config]\n";
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args).options(opts).run(), vm);
  } catch (const po::error& e) {
    throw InputError(std::string("zerorl train: ") + e.what());
  }
  if (vm.count("help")) {
    std::cout << usage << opts;
    return kExitOk;
  }
  auto list = [&](const char* key) {
    return vm.count(key) ? vm[key].as<std::vector<std::string>>() : std::vector<std::string>{};
  };
  if (!vm.count("config")) throw InputError("zerorl train: --config F.yaml is required (e.g. configs/tiny_debug.yaml)");
  Config cfg = load_config(list("config"), list("set"), check_rewards_config);
  if (vm.count("dump-config")) {
    std::cout << dump_yaml(cfg);
    return kExitOk;
  }
  // Data parallel when launched with torchrun-style or srun variables; a single process otherwise.
  const RankInfo ranks = detect_ranks();
  set_log_rank(ranks.rank);
  if (cfg.run.threads == 0) cfg.run.threads = default_threads(ranks);
  DistContext dist(cfg, ranks);
  if (ranks.world_size > 1)
    log_rank_line("rank " + std::to_string(ranks.rank) + "/" + std::to_string(ranks.world_size) + " (" + ranks.source +
                  "): rendezvous " + ranks.master_addr + ":" + std::to_string(ranks.master_port) + " ok, " +
                  std::to_string(cfg.run.threads) + " threads");
  TrainOptions o;
  if (vm.count("resume")) o.resume = vm["resume"].as<std::string>();
  o.command_line = {"zerorl", "train"};
  o.command_line.insert(o.command_line.end(), args.begin(), args.end());
  o.dist = dist.dist();
  Trainer trainer(cfg, std::move(o));
  dist.broadcast_module(*trainer.policy());  // every rank starts from rank 0's weights
  int rc = trainer.run();
  if (ranks.world_size > 1)
    log_rank_line("rank " + std::to_string(ranks.rank) + " done after step " + std::to_string(trainer.completed_steps()) +
                  ", all-reduce " + std::to_string(dist.allreduce_seconds()) + " s in total");
  return rc;
}

}  // namespace zerorl
