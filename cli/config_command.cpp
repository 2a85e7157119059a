// zerorl config --list: the reference of every key.
#include <boost/program_options.hpp>

#include <iostream>

#include "cli/commands.h"
#include "core/config.h"
#include "core/error.h"

namespace zerorl {
std::string list_reward_params() __attribute__((weak));

int cmd_config(const std::vector<std::string>& args) {
  namespace po = boost::program_options;
  po::options_description opts("zerorl config options");
  opts.add_options()("help,h", "show this help")("list", "print every config key: key, type, default, comment");
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args).options(opts).run(), vm);
  } catch (const po::error& e) {
    throw InputError(std::string("zerorl config: ") + e.what());
  }
  if (vm.count("help") || !vm.count("list")) {
    std::cout << "usage: zerorl config --list\n" << opts;
    return vm.count("help") ? kExitOk : kExitBadInput;
  }
  std::cout << list_keys();
  if (list_reward_params) std::cout << list_reward_params();
  return kExitOk;
}

}  // namespace zerorl
