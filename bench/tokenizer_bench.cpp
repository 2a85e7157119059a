// Tokenizer throughput on one thread: load time of the Qwen3 tokenizer.json, encode MB/s on the GSM8K
// questions and answers (first pass with an empty piece cache, then a second pass), decode MB/s, and
// encode MB/s on the multilingual tokenizer corpus. Times are the thread's CPU time. Prints figures; the
// last line is one JSON object.
// Usage: tokenizer_bench [SHARED_DATA_DIR]
#include <chrono>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "model/tokenizer/tokenizer.h"

namespace {

// CPU time of this thread: the figures stay meaningful on a machine shared with other jobs.
double now() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

double wall() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct Pass {
  double seconds = 0;
  size_t bytes = 0, tokens = 0;
  double mb_per_s() const { return bytes / 1e6 / seconds; }
};

Pass encode_all(const zerorl::Tokenizer& tok, const std::vector<std::string>& texts,
                std::vector<std::vector<int32_t>>* ids = nullptr) {
  Pass p;
  const double t0 = now();
  for (const auto& t : texts) {
    auto v = tok.encode(t);
    p.bytes += t.size();
    p.tokens += v.size();
    if (ids) ids->push_back(std::move(v));
  }
  p.seconds = now() - t0;
  return p;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string data = argc > 1 ? argv[1] : ZERORL_SHARED_DATA;
  try {
    double t0 = now();
    const double w0 = wall();
    const auto tok = zerorl::Tokenizer::load(data + "/tokenizers/qwen3");
    const double load_s = now() - t0;
    std::printf("qwen3 tokenizer.json loaded in %.3f s CPU, %.3f s wall (vocab %lld)\n", load_s, wall() - w0,
                static_cast<long long>(tok.vocab_size()));

    std::vector<std::string> gsm8k;
    for (const char* f : {"/gsm8k_train.jsonl", "/gsm8k_test.jsonl"}) {
      std::istringstream in(slurp(data + f));
      std::string line;
      while (std::getline(in, line)) {
        if (line.empty()) continue;
        const auto row = nlohmann::json::parse(line);
        gsm8k.push_back(row.at("question").get<std::string>());
        gsm8k.push_back(row.at("answer").get<std::string>());
      }
    }
    std::vector<std::vector<int32_t>> ids;
    const Pass cold = encode_all(tok, gsm8k, &ids);
    const Pass warm = encode_all(tok, gsm8k);

    t0 = now();
    size_t decoded_bytes = 0;
    for (const auto& v : ids) decoded_bytes += tok.decode(v).size();
    const double decode_s = now() - t0;

    std::vector<std::string> corpus;
    {
      std::istringstream in(slurp(data + "/tokenizer_corpus.txt"));
      std::string line;
      while (std::getline(in, line)) corpus.push_back(line);
    }
    const auto fresh = zerorl::Tokenizer::load(data + "/tokenizers/qwen3");
    const Pass multi = encode_all(fresh, corpus);

    std::printf("gsm8k train+test: %zu texts, %.2f MB, %zu tokens\n", gsm8k.size(), cold.bytes / 1e6, cold.tokens);
    std::printf("encode, empty cache: %.2f MB/s (%.0f tokens/s)\n", cold.mb_per_s(), cold.tokens / cold.seconds);
    std::printf("encode, second pass: %.2f MB/s (%.0f tokens/s)\n", warm.mb_per_s(), warm.tokens / warm.seconds);
    std::printf("decode: %.2f MB/s\n", decoded_bytes / 1e6 / decode_s);
    std::printf("tokenizer corpus (multilingual, empty cache): %.2f MB/s\n", multi.mb_per_s());
    nlohmann::json out{{"load_s", load_s},
                       {"gsm8k_mb", cold.bytes / 1e6},
                       {"encode_cold_mb_per_s", cold.mb_per_s()},
                       {"encode_warm_mb_per_s", warm.mb_per_s()},
                       {"decode_mb_per_s", decoded_bytes / 1e6 / decode_s},
                       {"corpus_encode_mb_per_s", multi.mb_per_s()}};
    std::printf("%s\n", out.dump().c_str());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}
