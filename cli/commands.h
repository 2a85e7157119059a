#pragma once
// One function per subcommand, each in its own cli/<name>_command.cpp. `args` are the words after the
// subcommand name. They return the exit code; errors are thrown (main() catches and prints one line).
#include <string>
#include <vector>

namespace zerorl {

int cmd_train(const std::vector<std::string>& args);
int cmd_eval(const std::vector<std::string>& args);
int cmd_generate(const std::vector<std::string>& args);
int cmd_score(const std::vector<std::string>& args);
int cmd_tokenize(const std::vector<std::string>& args);
int cmd_pretrain(const std::vector<std::string>& args);
int cmd_bench(const std::vector<std::string>& args);
int cmd_config(const std::vector<std::string>& args);

}  // namespace zerorl
