/* ZeroRL reward plugin ABI, version 1: the documented contract between zerorl and a C or C++
 * shared library named in the config (rewards.plugins: [path/to/libmy_rewards.so]).
 *
 * The library exports one function:
 *
 *     extern "C" int zerorl_register_rewards_v1(ZerorlRewardRegistry* registry);
 *
 * which calls registry->add(registry, &def) once per reward and returns 0 (non-zero = failure;
 * it may write a message with registry->set_error). Each registered name can then be listed in
 * the config like a built-in reward: rewards.<name>.weight and rewards.<name>.<param>.
 *
 * For each configured reward zerorl calls create() once with the reward's parameters as a JSON
 * object (every key but weight), then score() once per batch, then destroy(). score() fills
 * scores[i] and has_score[i] (0 = "no score") for each of the n items and returns 0; a non-zero
 * return gives the whole batch no score. All strings are UTF-8 with an explicit length (they may
 * hold NUL bytes) and stay valid only during the call. Calls come from one thread at a time.
 * The registry and the ZerorlRewardDef passed to add() are copied; they need not outlive the calls.
 */
#ifndef ZERORL_REWARDS_PLUGIN_ABI_H
#define ZERORL_REWARDS_PLUGIN_ABI_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define ZERORL_REWARD_ABI_VERSION 1

typedef enum ZerorlFinishReason {
  ZERORL_FINISH_EOS = 0,    /* the model emitted its end-of-sequence token */
  ZERORL_FINISH_STOP = 1,   /* a stop string matched */
  ZERORL_FINISH_LENGTH = 2  /* max_new_tokens was reached */
} ZerorlFinishReason;

typedef struct ZerorlString {
  const char* data;
  size_t size;
} ZerorlString;

typedef struct ZerorlRewardItem {
  ZerorlString prompt;      /* prompt text, including a prefilled "<think>" */
  ZerorlString completion;  /* decoded completion, without stop string or EOS text */
  ZerorlString row_json;    /* the whole dataset row as a JSON object */
  int64_t completion_tokens;
  int32_t finish_reason; /* a ZerorlFinishReason */
} ZerorlRewardItem;

typedef struct ZerorlRewardDef {
  const char* name; /* [a-z0-9_]+, must not clash with a built-in reward */
  /* Returns the reward's state, or NULL after writing a one-line message into err. */
  void* (*create)(const char* params_json, size_t params_size, char* err, size_t err_size);
  int (*score)(void* state, const ZerorlRewardItem* items, size_t n, double* scores, unsigned char* has_score);
  void (*destroy)(void* state);
} ZerorlRewardDef;

typedef struct ZerorlRewardRegistry {
  int abi_version; /* ZERORL_REWARD_ABI_VERSION of the host */
  void* host;      /* opaque */
  int (*add)(struct ZerorlRewardRegistry* registry, const ZerorlRewardDef* def); /* 0 = added */
  void (*set_error)(struct ZerorlRewardRegistry* registry, const char* message);
} ZerorlRewardRegistry;

typedef int (*ZerorlRegisterRewardsV1)(ZerorlRewardRegistry* registry);
#define ZERORL_REGISTER_REWARDS_V1 "zerorl_register_rewards_v1"

#ifdef __cplusplus
}
#endif

#endif /* ZERORL_REWARDS_PLUGIN_ABI_H */
