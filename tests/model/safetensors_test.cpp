#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "core/error.h"
#include "tests/model/test_files.h"
#include "model/safetensors.h"

namespace zerorl {
namespace {

namespace fs = std::filesystem;
using test::slurp;
using test::write_file;

fs::path temp_dir(const std::string& name) { return test::fresh_dir("safetensors_test", name); }

// A file assembled by hand: 8-byte little-endian header length, header JSON, data.
std::string hand_made(const std::string& header, const std::string& data) {
  std::string out;
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((header.size() >> (8 * i)) & 0xff));
  return out + header + data;
}

std::string floats(std::initializer_list<float> v) {
  return std::string(reinterpret_cast<const char*>(v.begin()), v.size() * sizeof(float));
}

torch::Tensor find(const NamedTensors& ts, const std::string& name) {
  for (auto& [n, t] : ts)
    if (n == name) return t;
  ADD_FAILURE() << "no tensor " << name;
  return {};
}

std::string error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const InputError& e) {
    return e.what();
  }
  return "no InputError";
}

TEST(Safetensors, ReadsHandMadeFile) {
  auto d = temp_dir("hand");
  write_file(d / "a.safetensors",
              hand_made(R"({"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]},)"
                        R"("a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"__metadata__":{"format":"pt"}})",
                        floats({1.0f, -2.5f, 7.0f})));
  auto ts = load_safetensors((d / "a.safetensors").string());
  ASSERT_EQ(ts.size(), 2u);
  EXPECT_EQ(ts[0].first, "a");  // file order
  EXPECT_EQ(ts[0].second[0].item<float>(), 1.0f);
  EXPECT_EQ(ts[0].second[1].item<float>(), -2.5f);
  EXPECT_EQ(ts[1].second[0].item<float>(), 7.0f);
  EXPECT_EQ(safetensors_metadata((d / "a.safetensors").string()).at("format"), "pt");
}

TEST(Safetensors, SaveThenLoadIsBitExact) {
  auto d = temp_dir("roundtrip");
  NamedTensors in = {
      {"f32", torch::randn({3, 5})},
      {"bf16", torch::randn({7}).to(torch::kBFloat16)},
      {"f16", torch::randn({2, 3}).to(torch::kHalf)},
      {"i64", torch::tensor({int64_t{1}, int64_t{-5}, int64_t{1} << 40})},
      {"i32", torch::tensor({3, 4}, torch::kInt)},
      {"bool", torch::tensor({true, false, true})},
      {"scalar", torch::tensor(2.5f)},
      {"empty", torch::empty({0, 4})},
      {"strided", torch::arange(12, torch::kFloat).view({3, 4}).t()},
  };
  in.back().second = in.back().second.clone().t();  // non-contiguous
  save_safetensors((d / "x.safetensors").string(), in, {{"format", "pt"}, {"step", "3"}});
  const auto bytes = slurp(d / "x.safetensors");
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | static_cast<unsigned char>(bytes[i]);
  EXPECT_EQ((8 + n) % 8, 0u);  // data aligned
  auto out = load_safetensors((d / "x.safetensors").string());
  ASSERT_EQ(out.size(), in.size());
  for (auto& [name, t] : in) {
    auto got = find(out, name);
    EXPECT_EQ(got.scalar_type(), t.scalar_type()) << name;
    EXPECT_EQ(got.sizes(), t.sizes()) << name;
    EXPECT_TRUE(torch::equal(got, t)) << name;
  }
  EXPECT_EQ(safetensors_metadata((d / "x.safetensors").string()).at("step"), "3");
}

TEST(Safetensors, LoadedTensorsAreCopyOnWrite) {
  auto d = temp_dir("cow");
  save_safetensors((d / "x.safetensors").string(), {{"w", torch::ones({4})}});
  auto a = load_safetensors((d / "x.safetensors").string());
  a[0].second.fill_(5.0);
  auto b = load_safetensors((d / "x.safetensors").string());
  EXPECT_EQ(b[0].second.sum().item<float>(), 4.0f);
}

TEST(Safetensors, ShardedIndex) {
  auto d = temp_dir("sharded");
  save_safetensors((d / "model-00001-of-00002.safetensors").string(), {{"a", torch::ones({2})}});
  save_safetensors((d / "model-00002-of-00002.safetensors").string(), {{"b", torch::zeros({3})}});
  write_file(d / "model.safetensors.index.json",
              R"({"metadata":{"total_size":20},"weight_map":{"a":"model-00001-of-00002.safetensors",)"
              R"("b":"model-00002-of-00002.safetensors"}})");
  auto ts = load_safetensors(d.string());
  ASSERT_EQ(ts.size(), 2u);
  EXPECT_EQ(find(ts, "b").numel(), 3);
  // The index names a tensor its shard does not hold.
  write_file(d / "model.safetensors.index.json",
              R"({"weight_map":{"a":"model-00001-of-00002.safetensors","c":"model-00002-of-00002.safetensors",)"
              R"("b":"model-00002-of-00002.safetensors"}})");
  auto msg = error_of([&] { load_safetensors(d.string()); });
  EXPECT_NE(msg.find("missing tensor c"), std::string::npos) << msg;
  EXPECT_NE(msg.find("model-00002-of-00002.safetensors"), std::string::npos) << msg;
  // The same tensor in two shards.
  save_safetensors((d / "model-00002-of-00002.safetensors").string(), {{"a", torch::zeros({3})}});
  msg = error_of([&] { load_safetensors(d.string()); });
  EXPECT_NE(msg.find("tensor a also appears in"), std::string::npos) << msg;
}

struct BadFile {
  const char* label;
  std::string bytes;
  std::vector<std::string> expected;  // substrings of the message
};

TEST(Safetensors, BadFilesNameFileAndTensor) {
  const std::string good_header = R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})";
  const std::vector<BadFile> cases = {
      {"truncated data", hand_made(good_header, floats({1.0f})), {"truncated", "tensor w"}},
      {"shorter than the length field", "abc", {"truncated"}},
      {"header longer than file", hand_made(good_header, "").substr(0, 20), {"truncated", "header says"}},
      {"broken JSON", hand_made(R"({"w":{"dtype":)", ""), {"broken safetensors header JSON"}},
      {"not an object", hand_made("[1,2]", ""), {"not a JSON object"}},
      {"unsupported dtype", hand_made(R"({"w":{"dtype":"F8_E4M3","shape":[2],"data_offsets":[0,2]}})", "ab"),
       {"tensor w", "unsupported dtype F8_E4M3"}},
      {"offsets disagree with shape", hand_made(R"({"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", floats({1, 2})),
       {"tensor w", "data_offsets"}},
      {"missing shape", hand_made(R"({"w":{"dtype":"F32","data_offsets":[0,8]}})", floats({1, 2})), {"tensor w"}},
      {"negative dim", hand_made(R"({"w":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}})", floats({1, 2})),
       {"tensor w", "bad shape"}},
      {"overlapping", hand_made(R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                                R"("v":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", floats({1, 2})),
       {"overlap"}},
  };
  auto d = temp_dir("bad");
  for (const auto& c : cases) {
    const auto path = (d / "bad.safetensors").string();
    write_file(path, c.bytes);
    auto msg = error_of([&] { load_safetensors(path); });
    EXPECT_NE(msg.find(path), std::string::npos) << c.label << ": " << msg;
    for (const auto& e : c.expected) EXPECT_NE(msg.find(e), std::string::npos) << c.label << ": " << msg;
  }
  auto msg = error_of([&] { load_safetensors((d / "nope.safetensors").string()); });
  EXPECT_NE(msg.find("nope.safetensors"), std::string::npos) << msg;
  msg = error_of([&] { load_safetensors(temp_dir("empty_dir").string()); });
  EXPECT_NE(msg.find("no model.safetensors"), std::string::npos) << msg;
}

TEST(Safetensors, WriteGoesThroughFaultInjection) {
  auto d = temp_dir("fault");
  ::setenv("ZERORL_FAIL_WRITE_AT", "16", 1);
  EXPECT_THROW(save_safetensors((d / "x.safetensors").string(), {{"w", torch::ones({64})}}), RunError);
  ::unsetenv("ZERORL_FAIL_WRITE_AT");
  save_safetensors((d / "x.safetensors").string(), {{"w", torch::ones({64})}});
  EXPECT_EQ(load_safetensors((d / "x.safetensors").string())[0].second.sum().item<float>(), 64.0f);
}

TEST(Safetensors, DuplicateNameOnSaveIsRejected) {
  auto d = temp_dir("dup");
  EXPECT_THROW(save_safetensors((d / "x.safetensors").string(), {{"w", torch::ones({1})}, {"w", torch::ones({1})}}),
               RunError);
}

}  // namespace
}  // namespace zerorl
