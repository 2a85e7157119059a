// zerorl generate --model DIR --prompt TEXT [--num-samples N] [--template NAME] [--config F]... [--set k=v]...
// Prints one JSON object per sample on stdout: {"prompt", "completion", "finish_reason", "tokens"}.
#include <boost/program_options.hpp>

#include <cstdio>
#include <filesystem>
#include <iostream>

#include "cli/commands.h"
#include "core/config.h"
#include "core/error.h"
#include "core/jsonl.h"
#include "core/log.h"
#include "model/hf_checkpoint.h"
#include "model/threads.h"
#include "model/tokenizer/prompt_template.h"
#include "model/tokenizer/tokenizer.h"
#include "rollout/engine.h"

namespace zerorl {

int cmd_generate(const std::vector<std::string>& args) {
  namespace po = boost::program_options;
  po::options_description opts("zerorl generate options");
  opts.add_options()("help,h", "show this help")(
      "model", po::value<std::string>(), "model folder (HF format: config.json, model.safetensors, tokenizer.json)")(
      "prompt", po::value<std::string>(), "the question; the template wraps it")(
      "num-samples", po::value<int64_t>()->default_value(1), "completions to sample")(
      "template", po::value<std::string>()->default_value("raw"), "prompt template: r1zero, r1zero_think, chatml, raw, tiny")(
      "config", po::value<std::vector<std::string>>()->composing(), "YAML config (repeatable; later files win)")(
      "set", po::value<std::vector<std::string>>()->composing(), "override one key: --set rollout.temperature=0 (repeatable)");
  const std::string usage = "usage: zerorl generate --model DIR --prompt TEXT [--num-samples N] [--template NAME] "
                            "[--config F.yaml]... [--set rollout.KEY=VALUE]...\n";
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args).options(opts).run(), vm);
  } catch (const po::error& e) {
    throw InputError(std::string("zerorl generate: ") + e.what());
  }
  if (vm.count("help")) {
    std::cout << usage << opts;
    return kExitOk;
  }
  if (!vm.count("model")) throw InputError("zerorl generate: --model DIR is required");
  if (!vm.count("prompt")) throw InputError("zerorl generate: --prompt TEXT is required");
  const int64_t num_samples = vm["num-samples"].as<int64_t>();
  if (num_samples < 1) throw InputError("zerorl generate: --num-samples " + std::to_string(num_samples) + " must be >= 1");
  auto list = [&](const char* key) {
    return vm.count(key) ? vm[key].as<std::vector<std::string>>() : std::vector<std::string>{};
  };
  const std::string dir = vm["model"].as<std::string>();
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) throw InputError("zerorl generate: --model " + dir + ": no such folder");
  const TemplateKind kind = parse_template(vm["template"].as<std::string>());
  const Config cfg = load_config(list("config"), list("set"));

  const std::string threads = set_compute_threads(cfg.run.threads);
  const Tokenizer tok = Tokenizer::load(cfg.tokenizer.path.empty() ? dir : cfg.tokenizer.path);
  Transformer model = load_pretrained(dir, cfg.model.device, cfg.model.dtype);
  const std::string prompt = apply_template(kind, vm["prompt"].as<std::string>());

  GenerationRequest req;
  req.prompt_ids = tok.encode(prompt);
  if (req.prompt_ids.empty()) throw InputError("zerorl generate: the prompt encodes to no tokens (empty --prompt?)");
  req.num_samples = num_samples;
  req.seed = static_cast<uint64_t>(cfg.run.seed);
  SamplingParams p = SamplingParams::from(cfg.rollout);
  if (tok.eos_id() >= 0) p.stop_token_ids.push_back(tok.eos_id());
  Engine engine(model, tok, cfg.rollout);
  log_info("generate: " + threads);  // after every input check: a bad input gives one line on stderr
  const auto samples = engine.generate({req}, p);
  for (const Sample& s : samples[0]) {
    nlohmann::ordered_json row;  // keys in the documented order
    row["prompt"] = prompt;
    row["completion"] = s.text;
    row["finish_reason"] = s.finish_reason;
    row["tokens"] = s.tokens.size();
    std::cout << row.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  }
  std::cout.flush();
  const auto& st = engine.last_stats();
  char rate[64];
  std::snprintf(rate, sizeof rate, " tokens in %.2f s (%.0f tokens/s)", st.seconds,
                st.seconds > 0 ? st.generated_tokens / st.seconds : 0.0);
  log_info("generate: " + std::to_string(st.generated_tokens) + rate);
  return kExitOk;
}

}  // namespace zerorl
