// The delimited-text reader behind every converter (CsvReader), in memory.
// The first byte picks the options (delimiter ',', '\t', ' ' or ':'; quoting,
// the Latin-1 fallback and blank-line skipping on or off); the rest is the
// file. Every record's fields are read as text, integers and numbers, and its
// positions are asked for, as the converters do.
#include <cstddef>
#include <cstdint>
#include <string>

#include "data/csv_reader.h"
#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace invr;
  if (size == 0) return 0;
  const std::uint8_t mode = data[0];
  data::CsvOptions options;
  options.delimiter = ",\t :"[mode & 3];
  options.quoted = (mode & 4) == 0;
  options.latin1_fallback = (mode & 8) == 0;
  options.skip_blank_lines = (mode & 16) == 0;
  fuzz::expected([&] {
    auto reader = data::CsvReader::from_text("fuzz.csv", std::string(fuzz::as_text(data + 1, size - 1)),
                                             options);
    if (mode & 32) reader.expect_header({"userId", "movieId", "rating"});
    std::size_t checksum = 0;
    while (reader.next()) {
      checksum += reader.line() + reader.bytes_read();
      for (std::size_t i = 0; i < reader.size(); ++i) {
        checksum += reader[i].size() + reader.column(i) + reader.field_line(i);
        fuzz::expected([&] { checksum += static_cast<std::size_t>(reader.int_field(i, "an integer")); });
        fuzz::expected([&] { checksum += reader.number_field(i, "a number") > 0; });
      }
      if (mode & 64) reader.require_fields(3, "a,b,c");
    }
    if (checksum == 1) checksum = reader.transcoded_fields();
  });
  return 0;
}
