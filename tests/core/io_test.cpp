#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/jsonl.h"

using namespace zerorl;

namespace {
std::string tmp(const std::string& name) { return testing::TempDir() + "/" + name; }
}  // namespace

TEST(Jsonl, ReadsObjectsAndNamesBadLine) {
  std::string p = tmp("rows.jsonl");
  std::ofstream(p) << "{\"a\": 1}\n\n{\"a\": 2, \"extra\": [1]}\n{\"a\": \n";
  std::vector<long> lines;
  try {
    read_jsonl(p, [&](const nlohmann::json& row, long line) { lines.push_back(line + 100 * row["a"].get<int>()); });
    FAIL() << "broken line accepted";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("rows.jsonl:4"), std::string::npos) << e.what();
  }
  EXPECT_EQ(lines, (std::vector<long>{101, 203}));
}

TEST(Jsonl, SkipBadRowsCountsThem) {
  std::string p = tmp("rows2.jsonl");
  std::ofstream(p) << "{\"a\": 1}\n[1,2]\nnot json\n\xff\xfe\n{\"a\": 2}\n";
  long skipped = 0, seen = 0;
  read_jsonl(p, [&](const nlohmann::json&, long) { ++seen; }, true, &skipped);
  EXPECT_EQ(seen, 2);
  EXPECT_EQ(skipped, 3);
}

TEST(Jsonl, CallbackErrorGetsFileAndLine) {
  std::string p = tmp("rows3.jsonl");
  std::ofstream(p) << "{\"a\": 1}\n{\"b\": 1}\n";
  try {
    read_jsonl(p, [&](const nlohmann::json& row, long) {
      if (!row.contains("a")) throw InputError("missing field 'a'");
    });
    FAIL();
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()), p + ":2: missing field 'a'");
  }
}

TEST(Jsonl, WriterAppendsOneObjectPerLine) {
  std::string p = tmp("out.jsonl");
  std::remove(p.c_str());
  {
    JsonlWriter w(p);
    w.write({{"step", 1}});
    w.write({{"step", 2}, {"text", std::string("bad \xff byte")}});
  }
  EXPECT_EQ(read_file(p), "{\"step\":1}\n{\"step\":2,\"text\":\"bad \xef\xbf\xbd byte\"}\n");
}

TEST(AtomicFile, WriteReplacesWholeFile) {
  std::string p = tmp("atomic.txt");
  write_file_atomic(p, "first");
  write_file_atomic(p, "second");
  EXPECT_EQ(read_file(p), "second");
}

TEST(AtomicFile, InjectedFailureKeepsTheOldFile) {
  std::string p = tmp("atomic2.txt");
  write_file_atomic(p, "old contents");
  setenv("ZERORL_FAIL_WRITE_AT", "0", 1);
  EXPECT_THROW(write_file_atomic(p, std::string(5000, 'x')), RunError);
  unsetenv("ZERORL_FAIL_WRITE_AT");
  EXPECT_EQ(read_file(p), "old contents");
  std::ifstream tmpf(p + ".tmp");
  EXPECT_FALSE(tmpf.good());
}

TEST(AtomicFile, UnwritableDirectoryIsARunError) {
  std::string file_as_dir = tmp("plainfile");
  write_file_atomic(file_as_dir, "x");
  EXPECT_THROW(write_file_atomic(file_as_dir + "/sub.txt", "y"), RunError);
}

TEST(AtomicFile, ReadMissingFileNamesIt) {
  try {
    read_file("/nonexistent/q");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/q"), std::string::npos);
  }
}
