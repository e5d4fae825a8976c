// Errors. Two channels (CONTRIBUTING.md, convention 3):
//  - expected failures (bad input, I/O, corrupt file, bad arguments) throw a
//    subclass of invr::Error whose message names the file, line, column or
//    parameter at fault;
//  - broken invariants abort loudly through INVR_CHECK.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>

namespace invr {

// Base of every expected failure. Apps map it to exit code 1.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Bad arguments or configuration. Apps map it to exit code 2.
class UsageError : public Error {
 public:
  using Error::Error;
};

// A file could not be opened, read or written.
class IoError : public Error {
 public:
  using Error::Error;
};

// A bad row or field in an input file. line and column are 1-based; 0 means
// "not applicable" (for example a whole-file problem such as an empty file).
// what() reads "FILE:LINE:COLUMN: MESSAGE".
class DataError : public Error {
 public:
  DataError(std::string file, std::size_t line, std::size_t column, const std::string& message);

  const std::string& file() const { return file_; }
  std::size_t line() const { return line_; }
  std::size_t column() const { return column_; }
  const std::string& message() const { return message_; }

 private:
  std::string file_;
  std::size_t line_;
  std::size_t column_;
  std::string message_;
};

namespace detail {
[[noreturn]] void check_failed(const char* condition, const char* file, int line);
}  // namespace detail

}  // namespace invr

// Broken invariant: print and abort. Never used for user input.
#define INVR_CHECK(condition) \
  ((condition) ? (void)0 : ::invr::detail::check_failed(#condition, __FILE__, __LINE__))
