#pragma once
// The body of `zerorl tokenize`: text lines in, one JSON array of ids per line out.
#include <iosfwd>
#include <string>

#include "model/tokenizer/tokenizer.h"

namespace zerorl {

// Splits `in` on "\n" only (a "\r" stays part of its line; a final "\n" does not start a new line).
// Each line (or, with json_input, each line holding one JSON string) gives one line "[id,id,...]";
// an empty line gives "[]". Output is flushed after each line, so a caller may converse line by line.
// Throws InputError "WHERE:LINE: reason" for invalid UTF-8 or a line that is not a JSON string.
void tokenize_stream(const Tokenizer& tok, std::istream& in, std::ostream& out, bool json_input,
                     const std::string& where = "stdin");

}  // namespace zerorl
