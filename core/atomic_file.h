#pragma once
// Files written so that a crash never leaves a half-written file under the final name.
#include <string>

namespace zerorl {

// Write bytes to path.tmp, fsync, rename over path, fsync the directory. Throws RunError on failure
// (the old file, if any, is untouched). Test hook: ZERORL_FAIL_WRITE_AT=N makes a write fail after N
// bytes in total have been written by this process (to test that failed writes keep old checkpoints).
// ZERORL_TEST_WRITE_DELAY_MS=N pauses N ms halfway through each file (to kill a process mid-write).
void write_file_atomic(const std::string& path, const std::string& bytes);

// Write through the same fault-injection counter, without the rename (for large streamed files
// inside a temporary directory that is renamed as a whole).
void write_file(const std::string& path, const std::string& bytes);

// Read a whole file; throws InputError "cannot read PATH: reason".
std::string read_file(const std::string& path);

// fsync a directory (after renames inside it).
void fsync_dir(const std::string& dir);

}  // namespace zerorl
