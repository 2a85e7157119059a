// zerorl: one executable, one subcommand per file (cli/<name>_command.cpp). Only this file catches.
#include <torch/torch.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "core/error.h"
#include "core/log.h"

// A subcommand whose machinery has not landed yet is a weak, unresolved symbol: calling it reports
// "not available yet" instead of failing the link.
#define ZERORL_WEAK(fn) __attribute__((weak)) int fn(const std::vector<std::string>& args);
namespace zerorl {
ZERORL_WEAK(cmd_train)
ZERORL_WEAK(cmd_eval)
ZERORL_WEAK(cmd_generate)
ZERORL_WEAK(cmd_score)
ZERORL_WEAK(cmd_tokenize)
ZERORL_WEAK(cmd_pretrain)
ZERORL_WEAK(cmd_bench)
}  // namespace zerorl

namespace {

using Command = int (*)(const std::vector<std::string>&);
struct Entry {
  const char* name;
  Command fn;
  const char* help;
};

const Entry kCommands[] = {
    {"train", zerorl::cmd_train, "a GRPO run from YAML configs (--config, --set, --resume, --dump-config)"},
    {"eval", zerorl::cmd_eval, "pass@1, pass@k, maj@k, greedy accuracy and format rate of a checkpoint"},
    {"generate", zerorl::cmd_generate, "sample completions from a checkpoint"},
    {"score", zerorl::cmd_score, "score JSONL rows with named rewards"},
    {"tokenize", zerorl::cmd_tokenize, "text lines to token ids with a tokenizer.json"},
    {"pretrain", zerorl::cmd_pretrain, "train the small base model of the main job"},
    {"bench", zerorl::cmd_bench, "throughput figures: bench rollout | bench train"},
    {"config", zerorl::cmd_config, "config --list: every key with its type, default and comment"},
};

void usage(std::FILE* out) {
  std::fprintf(out, "usage: zerorl <command> [options]   (zerorl <command> --help for its options)\n\ncommands:\n");
  for (const auto& c : kCommands) std::fprintf(out, "  %-9s %s\n", c.name, c.help);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    usage(stderr);
    return zerorl::kExitBadInput;
  }
  std::string name = argv[1];
  if (name == "--help" || name == "-h" || name == "help") {
    usage(stdout);
    return zerorl::kExitOk;
  }
  std::vector<std::string> args(argv + 2, argv + argc);
  for (const auto& c : kCommands) {
    if (name != c.name) continue;
    try {
      if (!c.fn) throw zerorl::NotAvailable(std::string("zerorl ") + c.name);
      return c.fn(args);
    } catch (const zerorl::ConfigError& e) {
      for (const auto& p : e.problems()) zerorl::log_error(p);
      return zerorl::kExitBadInput;
    } catch (const zerorl::InputError& e) {
      zerorl::log_error(e.what());
      return zerorl::kExitBadInput;
    } catch (const zerorl::RunError& e) {
      zerorl::log_error(e.what());
      return zerorl::kExitRunFailure;
    } catch (const c10::Error& e) {
      zerorl::log_error(std::string("LibTorch: ") + e.what_without_backtrace());
      return zerorl::kExitRunFailure;
    } catch (const std::bad_alloc&) {
      zerorl::log_error("out of memory");
      return zerorl::kExitRunFailure;
    } catch (const std::exception& e) {
      zerorl::log_error(e.what());
      return zerorl::kExitRunFailure;
    }
  }
  std::vector<std::string> names;
  for (const auto& c : kCommands) names.emplace_back(c.name);
  zerorl::log_error("unknown command '" + name + "'" + [&] {
    std::string best;
    size_t bd = 3;
    for (auto& n : names) {
      size_t d = 0, i = 0;
      for (; i < std::min(n.size(), name.size()); ++i) d += n[i] != name[i];
      d += std::max(n.size(), name.size()) - i;
      if (d < bd) bd = d, best = n;
    }
    return best.empty() ? std::string() : " (did you mean '" + best + "'?)";
  }() + "; run zerorl --help");
  return zerorl::kExitBadInput;
}
