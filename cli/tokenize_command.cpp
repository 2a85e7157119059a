// zerorl tokenize --tokenizer DIR [--json-input]: stdin lines to JSON arrays of token ids on stdout.
#include <boost/program_options.hpp>

#include <iostream>

#include "cli/commands.h"
#include "core/error.h"
#include "model/tokenizer/tokenize_stream.h"
#include "model/tokenizer/tokenizer.h"

namespace zerorl {

int cmd_tokenize(const std::vector<std::string>& args) {
  namespace po = boost::program_options;
  po::options_description opts("zerorl tokenize options");
  opts.add_options()
      ("help,h", "show this help")
      ("tokenizer", po::value<std::string>(), "folder holding tokenizer.json (and tokenizer_config.json)")
      ("json-input", "each input line is one JSON string (so text may hold newlines)");
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args).options(opts).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    throw InputError(std::string("zerorl tokenize: ") + e.what());
  }
  if (vm.count("help")) {
    std::cout << "usage: zerorl tokenize --tokenizer DIR [--json-input] < text\n"
                 "Reads stdin split on \"\\n\" only and writes one JSON array of token ids per line\n"
                 "(no special tokens added; special tokens written in the text are matched).\n"
              << opts;
    return kExitOk;
  }
  if (!vm.count("tokenizer")) throw InputError("zerorl tokenize: --tokenizer DIR is required");
  const Tokenizer tok = Tokenizer::load(vm["tokenizer"].as<std::string>());
  tokenize_stream(tok, std::cin, std::cout, vm.count("json-input") > 0);
  return kExitOk;
}

}  // namespace zerorl
