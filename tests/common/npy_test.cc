#include "invr/npy.h"

#include <gtest/gtest.h>

#include <cstring>

#include "invr/error.h"
#include "test_util.h"

namespace invr {
namespace {
namespace fs = std::filesystem;

fs::path fixture(const std::string& name) { return test::testdata_dir() / "npy" / name; }

// A .npy file with this header dict and `data_bytes` zero bytes of data.
std::string npy_bytes(const std::string& dict, std::size_t data_bytes, char major = 1) {
  std::string header = dict;
  while ((10 + header.size() + 1) % 64 != 0) header += ' ';
  header += '\n';
  std::string out = "\x93NUMPY";
  out += major;
  out += '\0';
  out += static_cast<char>(header.size() & 0xff);
  out += static_cast<char>(header.size() >> 8);
  return out + header + std::string(data_bytes, '\0');
}

// The DataError message for a file, failing the test if none is thrown.
template <typename T>
std::string read_error(const fs::path& path) {
  try {
    read_npy<T>(path);
  } catch (const DataError& e) {
    EXPECT_EQ(e.file(), path.string());
    return e.message();
  }
  ADD_FAILURE() << "expected DataError for " << path;
  return "";
}

TEST(Npy, ReadsFilesLaidOutLikeNumpy) {
  const auto f = read_npy<float>(fixture("float32_2x3.npy"));
  EXPECT_EQ(f.shape, (std::vector<std::size_t>{2, 3}));
  EXPECT_EQ(f.data, (std::vector<float>{1.5f, -2, 3, 4, 5, 6.25f}));
  EXPECT_EQ(f.rows(), 2u);
  EXPECT_EQ(f.cols(), 3u);
  const auto i = read_npy<std::int32_t>(fixture("int32_4.npy"));
  EXPECT_EQ(i.shape, (std::vector<std::size_t>{4}));
  EXPECT_EQ(i.data, (std::vector<std::int32_t>{1, -2, 3, 2147483647}));
  const auto l = read_npy<std::int64_t>(fixture("int64_2x2.npy"));
  EXPECT_EQ(l.data, (std::vector<std::int64_t>{-1, 0, 1, 9007199254740993}));
}

TEST(Npy, WritesTheSameBytesNumpyWrites) {
  test::TempDir dir;
  const std::vector<float> data = {1.5f, -2, 3, 4, 5, 6.25f};
  const std::size_t shape[] = {2, 3};
  write_npy(dir / "out.npy", data, shape);
  EXPECT_EQ(test::read_file(dir / "out.npy"), test::read_file(fixture("float32_2x3.npy")));
  const std::vector<std::int32_t> ints = {1, -2, 3, 2147483647};
  const std::size_t shape1[] = {4};
  write_npy(dir / "i.npy", ints, shape1);
  EXPECT_EQ(test::read_file(dir / "i.npy"), test::read_file(fixture("int32_4.npy")));
}

TEST(Npy, RoundTripsEveryDtypeAndShape) {
  test::TempDir dir;
  const std::vector<std::int64_t> big = {1, -1, 1LL << 40, 0, 5, 6};
  const std::size_t shape3[] = {1, 2, 3};
  write_npy(dir / "l.npy", big, shape3);
  const auto l = read_npy<std::int64_t>(dir / "l.npy");
  EXPECT_EQ(l.data, big);
  EXPECT_EQ(l.shape, (std::vector<std::size_t>{1, 2, 3}));
  EXPECT_EQ(l.cols(), 6u);

  const std::vector<float> empty;
  const std::size_t shape0[] = {0, 64};
  write_npy(dir / "e.npy", empty, shape0);
  const auto e = read_npy_matrix<float>(dir / "e.npy");
  EXPECT_EQ(e.rows(), 0u);
  EXPECT_EQ(e.cols(), 64u);

  const std::vector<float> scalar = {7};
  write_npy(dir / "s.npy", scalar, std::span<const std::size_t>{});
  const auto s = read_npy<float>(dir / "s.npy");
  EXPECT_TRUE(s.shape.empty());
  EXPECT_EQ(s.data, scalar);
  EXPECT_EQ(read_npy_header(dir / "s.npy").element_count(), 1u);
}

TEST(Npy, OverwritesAtomicallyAndLeavesNoTemporaryFiles) {
  test::TempDir dir;
  const std::vector<float> a = {1, 2};
  const std::vector<float> b = {3, 4, 5};
  const std::size_t sa[] = {2};
  const std::size_t sb[] = {3};
  write_npy(dir / "x.npy", a, sa);
  write_npy(dir / "x.npy", b, sb);
  EXPECT_EQ(read_npy<float>(dir / "x.npy").data, b);
  int files = 0;
  for ([[maybe_unused]] const auto& entry : fs::directory_iterator(dir.path())) ++files;
  EXPECT_EQ(files, 1);
}

TEST(Npy, WriteIntoMissingFolderIsAnIoError) {
  const std::vector<float> a = {1};
  const std::size_t shape[] = {1};
  EXPECT_THROW(write_npy("/nonexistent/folder/x.npy", a, shape), IoError);
}

TEST(Npy, MissingFileIsAnIoError) {
  EXPECT_THROW(read_npy<float>("/nonexistent/x.npy"), IoError);
}

TEST(Npy, WrongDtypeNamesBothTypes) {
  const std::string message = read_error<float>(fixture("int64_2x2.npy"));
  EXPECT_NE(message.find("expected dtype float32"), std::string::npos) << message;
  EXPECT_NE(message.find("int64"), std::string::npos) << message;
}

TEST(Npy, UnsupportedDtypeSaysWhatIsSupported) {
  test::TempDir dir;
  test::write_file(dir / "f8.npy", npy_bytes("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", 16));
  EXPECT_NE(read_error<float>(dir / "f8.npy").find("unsupported dtype '<f8'"), std::string::npos);
  test::write_file(dir / "be.npy", npy_bytes("{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }", 8));
  EXPECT_NE(read_error<float>(dir / "be.npy").find("'>f4'"), std::string::npos);
}

TEST(Npy, FortranOrderIsRejected) {
  test::TempDir dir;
  test::write_file(dir / "f.npy", npy_bytes("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }", 16));
  EXPECT_NE(read_error<float>(dir / "f.npy").find("Fortran order"), std::string::npos);
}

TEST(Npy, TruncatedDataSaysHowMuchIsMissing) {
  test::TempDir dir;
  std::string bytes = test::read_file(fixture("float32_2x3.npy"));
  test::write_file(dir / "t.npy", bytes.substr(0, bytes.size() - 3));
  const std::string message = read_error<float>(dir / "t.npy");
  EXPECT_NE(message.find("truncated"), std::string::npos) << message;
  EXPECT_NE(message.find("24 bytes"), std::string::npos) << message;
}

TEST(Npy, TruncatedHeaderAndPreambleAreErrors) {
  test::TempDir dir;
  std::string bytes = test::read_file(fixture("float32_2x3.npy"));
  test::write_file(dir / "h.npy", bytes.substr(0, 40));
  EXPECT_NE(read_error<float>(dir / "h.npy").find("truncated"), std::string::npos);
  test::write_file(dir / "p.npy", bytes.substr(0, 5));
  EXPECT_NE(read_error<float>(dir / "p.npy").find("preamble"), std::string::npos);
}

TEST(Npy, TrailingBytesAreAnError) {
  test::TempDir dir;
  test::write_file(dir / "x.npy", test::read_file(fixture("float32_2x3.npy")) + "junk");
  EXPECT_NE(read_error<float>(dir / "x.npy").find("4 unexpected bytes"), std::string::npos);
}

TEST(Npy, BadMagicIsNotANpyFile) {
  test::TempDir dir;
  test::write_file(dir / "x.npy", "PK\x03\x04 this is a zip, e.g. an .npz");
  EXPECT_NE(read_error<float>(dir / "x.npy").find("not a .npy file"), std::string::npos);
}

TEST(Npy, UnsupportedVersionIsAnError) {
  test::TempDir dir;
  test::write_file(dir / "v.npy", npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", 4, 4));
  EXPECT_NE(read_error<float>(dir / "v.npy").find("version 4.0"), std::string::npos);
}

TEST(Npy, Version2HeaderIsRead) {
  test::TempDir dir;
  std::string header = "{'descr': '<i4', 'fortran_order': False, 'shape': (1,), }";
  while ((12 + header.size() + 1) % 64 != 0) header += ' ';
  header += '\n';
  std::string bytes = std::string("\x93NUMPY\x02", 7) + '\0';
  for (int i = 0; i < 4; ++i) bytes += static_cast<char>((header.size() >> (8 * i)) & 0xff);
  const std::int32_t value = 42;
  bytes += header + std::string(reinterpret_cast<const char*>(&value), 4);
  test::write_file(dir / "v2.npy", bytes);
  EXPECT_EQ(read_npy<std::int32_t>(dir / "v2.npy").data, (std::vector<std::int32_t>{42}));
}

TEST(Npy, MalformedHeadersAreErrors) {
  test::TempDir dir;
  const std::pair<const char*, const char*> cases[] = {
      {"{'descr': '<f4', 'shape': (2,), }", "must have"},
      {"{'descr': '<f4', 'fortran_order': Maybe, 'shape': (2,), }", "True or False"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (x,), }", "expected a dimension"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'extra': 1}", "unexpected key"},
      {"['descr', '<f4']", "expected '{'"},
  };
  for (const auto& [dict, expected] : cases) {
    test::write_file(dir / "m.npy", npy_bytes(dict, 8));
    const std::string message = read_error<float>(dir / "m.npy");
    EXPECT_NE(message.find(expected), std::string::npos) << dict << " -> " << message;
  }
}

// The header rules follow numpy's reader (docs/formats.md, ".npy"): what
// numpy itself refuses is refused, with the header byte's column.
TEST(Npy, HeadersNumpyRefusesAreErrorsAtTheirByte) {
  test::TempDir dir;
  using namespace std::string_literals;
  struct Case {
    std::string dict;
    std::string expected;
    std::string at;  // the header text from the reported byte on
  };
  const Case cases[] = {
      {"{'descr': '<f4' 'fortran_order': False, 'shape': (2,), }", "expected ',' or '}'",
       "'fortran_order'"},
      {"{'descr': '<f4', 'fortran_order': False 'shape': (2,), }", "expected ',' or '}'", "'shape'"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }{'descr': '<i4'}",
       "after the header dict's closing '}'", "{'descr': '<i4'}"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'descr': '<i4'}", "repeated",
       "'descr': '<i4'"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (2), }", "write (2,)", "(2)"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (2 3), }", "expected ',' or ')'", "3)"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (-2,), }", "negative", "-2"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (02,), }", "leading zero", "02"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (2,,), }", "expected a dimension", ",)"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (2,), ,}", "expected a key", ",}"},
      {"{'descr': '<f4', 'fortran_order': Falsey, 'shape': (2,), }", "True or False", "Falsey"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (2,) # c\n}", "expected ',' or '}'",
       "# c"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }\0\0"s, "byte 0x00", "\0"s},
      {"{'descr': '<f\\x34', 'fortran_order': False, 'shape': (2,), }", "escapes", "\\x34"},
      {"{'descr': '<f4', 'fortran_order': False, }", "'shape' is missing", "}"},
  };
  for (const auto& c : cases) {
    test::write_file(dir / "m.npy", npy_bytes(c.dict, 8));
    try {
      read_npy<float>(dir / "m.npy");
      ADD_FAILURE() << "accepted " << c.dict;
    } catch (const DataError& e) {
      EXPECT_NE(e.message().find(c.expected), std::string::npos) << c.dict << " -> " << e.what();
      EXPECT_EQ(e.line(), 1u) << e.what();
      ASSERT_GE(e.column(), 11u) << e.what();  // after the 10-byte preamble
      EXPECT_EQ(npy_bytes(c.dict, 0).substr(e.column() - 1, c.at.size()), c.at)
          << c.dict << " -> " << e.what();
    }
  }
}

TEST(Npy, VersionsOtherThan1020And30AreRefused) {
  test::TempDir dir;
  const std::string dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }";
  std::string bytes = npy_bytes(dict, 4);
  bytes[7] = 1;  // version 1.1
  test::write_file(dir / "v.npy", bytes);
  try {
    read_npy<float>(dir / "v.npy");
    FAIL() << "version 1.1 accepted";
  } catch (const DataError& e) {
    EXPECT_NE(e.message().find("version 1.1"), std::string::npos) << e.what();
    EXPECT_EQ(e.line(), 1u);
    EXPECT_EQ(e.column(), 7u);
  }
  test::write_file(dir / "v0.npy", npy_bytes(dict, 4, 0));
  EXPECT_NE(read_error<float>(dir / "v0.npy").find("version 0.0"), std::string::npos);
}

TEST(Npy, HeadersNumpyAcceptsAreRead) {
  test::TempDir dir;
  const char* dicts[] = {
      "{'descr': '<f4', 'fortran_order': False, 'shape': (2,)}",
      "{\"shape\": (2, ), \"descr\": \"<f4\", \"fortran_order\": False}",
      "  {'descr':'<f4','fortran_order':False,'shape':(2,),}",
      "{'descr': '<f4',\n 'fortran_order': False,\n 'shape': (\n2,\n),\n}",
      "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2,), }",
  };
  for (const char* dict : dicts) {
    test::write_file(dir / "ok.npy", npy_bytes(dict, 8));
    const auto array = read_npy<float>(dir / "ok.npy");
    EXPECT_EQ(array.data.size(), 2u) << dict;
  }
  test::write_file(dir / "scalar.npy",
                   npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': ()}", 4));
  EXPECT_TRUE(read_npy<float>(dir / "scalar.npy").shape.empty());
}

TEST(Npy, MatrixReaderRejectsOtherRanks) {
  try {
    read_npy_matrix<std::int32_t>(fixture("int32_4.npy"));
    FAIL() << "expected DataError";
  } catch (const DataError& e) {
    EXPECT_NE(e.message().find("expected a 2-D array"), std::string::npos) << e.what();
    EXPECT_NE(e.message().find("1-D"), std::string::npos) << e.what();
  }
}

// MappedNpyMatrix: the same values and the same refusals as read_npy_matrix.
std::string map_error(const fs::path& path) {
  try {
    MappedNpyMatrix m(path);
  } catch (const DataError& e) {
    EXPECT_EQ(e.file(), path.string());
    return e.message();
  }
  return "no error";
}

TEST(MappedNpyMatrix, MapsTheValuesReadNpyMatrixReads) {
  test::TempDir dir;
  std::vector<float> values(3 * 70);
  for (std::size_t i = 0; i < values.size(); ++i) values[i] = static_cast<float>(i) * 0.5f - 7;
  const std::size_t shape[] = {3, 70};
  write_npy(dir / "m.npy", values, shape);
  MappedNpyMatrix mapped(dir / "m.npy");
  ASSERT_EQ(mapped.rows(), 3u);
  ASSERT_EQ(mapped.cols(), 70u);
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(mapped.data()) % alignof(float), 0u);
  EXPECT_EQ(std::vector<float>(mapped.data(), mapped.data() + values.size()), values);
  // Moving hands the mapping over; the moved-from object owns nothing.
  MappedNpyMatrix moved(std::move(mapped));
  EXPECT_EQ(mapped.data(), nullptr);
  EXPECT_EQ(moved.data()[5], values[5]);
  // An empty matrix maps too.
  const std::size_t empty[] = {0, 4};
  write_npy(dir / "e.npy", std::span<const float>(), empty);
  EXPECT_EQ(MappedNpyMatrix(dir / "e.npy").rows(), 0u);
}

// From 4 MiB the file is read into huge pages by several threads: every
// value lands where read_npy_matrix puts it, across the threads' chunks.
TEST(MappedNpyMatrix, LargeFilesAreReadWhole) {
  test::TempDir dir;
  const std::size_t rows = 41'000, cols = 37;  // 6.07 MB: a chunk per core (up to 4), the last one ragged
  std::vector<float> values(rows * cols);
  for (std::size_t i = 0; i < values.size(); ++i) values[i] = static_cast<float>(i % 100'003) - 0.25f;
  const std::size_t shape[] = {rows, cols};
  write_npy(dir / "big.npy", values, shape);
  MappedNpyMatrix loaded(dir / "big.npy");
  ASSERT_EQ(loaded.rows(), rows);
  ASSERT_EQ(loaded.cols(), cols);
  EXPECT_EQ(std::vector<float>(loaded.data(), loaded.data() + values.size()), values);
  MappedNpyMatrix moved(std::move(loaded));
  EXPECT_EQ(moved.data()[values.size() - 1], values.back());
  // Mapped instead (NpyLoad::shared): the same values.
  MappedNpyMatrix mapped(dir / "big.npy", NpyLoad::shared);
  EXPECT_EQ(std::vector<float>(mapped.data(), mapped.data() + values.size()), values);
  fs::resize_file(dir / "big.npy", fs::file_size(dir / "big.npy") - 4);  // truncated
  EXPECT_EQ(map_error(dir / "big.npy"), read_error<float>(dir / "big.npy"));
}

TEST(MappedNpyMatrix, RefusesWhatReadNpyMatrixRefuses) {
  test::TempDir dir;
  EXPECT_THROW(MappedNpyMatrix("/nonexistent/x.npy"), IoError);
  EXPECT_NE(map_error(fixture("int64_2x2.npy")).find("expected dtype float32"), std::string::npos);
  const std::vector<float> flat = {1, 2, 3};
  const std::size_t one_d[] = {3};
  write_npy(dir / "v.npy", flat, one_d);
  EXPECT_NE(map_error(dir / "v.npy").find("expected a 2-D array"), std::string::npos);
  const std::size_t shape[] = {1, 3};
  write_npy(dir / "t.npy", flat, shape);
  fs::resize_file(dir / "t.npy", fs::file_size(dir / "t.npy") - 4);  // truncated
  const std::string message = map_error(dir / "t.npy");
  EXPECT_FALSE(message.empty());
  EXPECT_EQ(message, read_error<float>(dir / "t.npy")) << "the reader's own message";
}

}  // namespace
}  // namespace invr
