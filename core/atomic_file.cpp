#include "core/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "core/error.h"

namespace zerorl {
namespace {

// Fault injection for tests: ZERORL_FAIL_WRITE_AT=N fails the write that crosses byte N (process total).
long long g_written = 0;

long long fail_at() {
  const char* s = std::getenv("ZERORL_FAIL_WRITE_AT");
  return s && *s ? std::atoll(s) : -1;
}

// Test hook: ZERORL_TEST_WRITE_DELAY_MS=N pauses N ms halfway through every file written, so that a test
// can kill a process in the middle of a checkpoint write whatever the machine's speed.
long long write_delay_ms() {
  const char* s = std::getenv("ZERORL_TEST_WRITE_DELAY_MS");
  return s && *s ? std::atoll(s) : 0;
}

void write_all(int fd, const std::string& path, const std::string& bytes) {
  long long limit = fail_at();
  long long delay_ms = write_delay_ms();
  const size_t half = bytes.size() / 2;
  size_t off = 0;
  while (off < bytes.size()) {
    if (delay_ms > 0 && off >= half) {
      ::usleep(static_cast<useconds_t>(delay_ms * 1000));
      delay_ms = 0;
    }
    size_t chunk = std::min<size_t>(bytes.size() - off, 1 << 20);
    if (delay_ms > 0) chunk = std::min(chunk, half - off);
    if (limit >= 0 && g_written + static_cast<long long>(chunk) > limit) {
      size_t part = limit > g_written ? static_cast<size_t>(limit - g_written) : 0;
      if (part > 0 && ::write(fd, bytes.data() + off, part) < 0) {}
      g_written += part;
      throw RunError("cannot write " + path + ": injected failure (ZERORL_FAIL_WRITE_AT=" + std::to_string(limit) + ")");
    }
    ssize_t n = ::write(fd, bytes.data() + off, chunk);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw RunError("cannot write " + path + ": " + std::strerror(errno));
    }
    off += static_cast<size_t>(n);
    g_written += n;
  }
}

void write_to(const std::string& path, const std::string& bytes) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw RunError("cannot write " + path + ": " + std::strerror(errno));
  try {
    write_all(fd, path, bytes);
    if (::fsync(fd) != 0) throw RunError("cannot write " + path + ": fsync: " + std::strerror(errno));
  } catch (...) {
    ::close(fd);
    throw;
  }
  if (::close(fd) != 0) throw RunError("cannot write " + path + ": close: " + std::strerror(errno));
}

std::string parent_dir(const std::string& path) {
  auto slash = path.find_last_of('/');
  return slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
}

}  // namespace

void fsync_dir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

void write_file(const std::string& path, const std::string& bytes) { write_to(path, bytes); }

void write_file_atomic(const std::string& path, const std::string& bytes) {
  std::string tmp = path + ".tmp";
  try {
    write_to(tmp, bytes);
  } catch (...) {
    ::unlink(tmp.c_str());
    throw;
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    int e = errno;
    ::unlink(tmp.c_str());
    throw RunError("cannot write " + path + ": rename: " + std::strerror(e));
  }
  fsync_dir(parent_dir(path));
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError("cannot read " + path + ": " + std::strerror(errno));
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace zerorl
