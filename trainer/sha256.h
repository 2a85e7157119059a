#pragma once
// SHA-256 (FIPS 180-4) of a byte string or a file, as lowercase hex: checkpoint checksums.
#include <string>
#include <string_view>

namespace zerorl {

std::string sha256_hex(std::string_view bytes);
// Streams the file; throws InputError "cannot read PATH: reason".
std::string sha256_file(const std::string& path);

}  // namespace zerorl
