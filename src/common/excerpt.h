// Input echoed in an error message, cut to a readable size.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace invr {

// `text` itself up to max_bytes, else its first max_bytes (cut at a UTF-8
// character boundary) and "…(N bytes)", so a 100 kB mistake does not become a
// 100 kB message. Every message that quotes a setting's value or key, or a
// client's input, goes through this (defined in error.cc).
std::string excerpt(std::string_view text, std::size_t max_bytes = 80);

}  // namespace invr
