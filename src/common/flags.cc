#include "invr/flags.h"

namespace invr {

std::string flag_name(std::string_view setting) {
  std::string out = "--";
  for (char c : setting) out += c == '_' ? '-' : c;
  return out;
}

}  // namespace invr
