// Reading results.json for the report: every value carries the JSON Pointer
// it came from, so a complaint names the file and the exact key at fault.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace invr::report {

// ordered_json keeps the file's key order, so arms and experiments appear in
// the order the simulator wrote them.
using Json = nlohmann::ordered_json;

// A key as a JSON Pointer segment (RFC 6901: "~" and "/" become "~0" and "~1").
std::string pointer_segment(std::string_view key);

// Parses text; DataError(file, line, column, ...) if it is not JSON.
Json parse_json(std::string_view text, const std::string& file);

// A borrowed view of one JSON value plus where it is. The Json and the file
// name must outlive the Node.
class Node {
 public:
  Node(const Json& value, const std::string& file, std::string path = "")
      : value_(&value), file_(&file), path_(std::move(path)) {}

  const Json& json() const { return *value_; }
  // JSON Pointer of this value ("" is the root, shown as "/").
  const std::string& path() const { return path_; }

  // Object access. at() requires the key; find() returns nullopt when the key
  // is absent or null. Both require this value to be an object.
  Node at(std::string_view key) const;
  std::optional<Node> find(std::string_view key) const;
  // Members of an object in file order.
  std::vector<std::pair<std::string, Node>> members() const;

  // Array access (requires an array).
  std::size_t size() const;
  Node operator[](std::size_t index) const;

  // Typed reads; each throws DataError naming the path on a type mismatch.
  double number() const;  // a finite JSON number
  std::optional<double> number_or_null() const;
  long long integer() const;  // a number with no fractional part
  bool boolean() const;       // true or false
  std::string string() const;
  std::optional<std::string> string_or_null() const;
  std::vector<double> numbers() const;  // an array of numbers

  void expect_object() const;
  void expect_array() const;
  [[noreturn]] void fail(const std::string& what) const;

 private:
  Node child(std::string segment, const Json& value) const;

  const Json* value_;
  const std::string* file_;
  std::string path_;
};

}  // namespace invr::report
