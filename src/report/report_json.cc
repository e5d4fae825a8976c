#include "report/report_json.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "invr/error.h"

namespace invr::report {
std::string pointer_segment(std::string_view key) {
  std::string out;
  for (char c : key) {
    if (c == '~')
      out += "~0";
    else if (c == '/')
      out += "~1";
    else
      out += c;
  }
  return out;
}

namespace {

// "a number" / "an object" for messages.
std::string with_article(const char* type_name) {
  const std::string name = type_name;
  const bool vowel =
      !name.empty() && std::string_view("aeiou").find(name[0]) != std::string_view::npos;
  return (vowel ? "an " : "a ") + name;
}

}  // namespace

Json parse_json(std::string_view text, const std::string& file) {
  try {
    return Json::parse(text.begin(), text.end());
  } catch (const Json::parse_error& e) {
    // e.byte is the 1-based offset of the last byte read; turn it into line/column.
    std::size_t line = 1;
    std::size_t column = 1;
    const std::size_t end = std::min<std::size_t>(e.byte == 0 ? 0 : e.byte - 1, text.size());
    for (std::size_t i = 0; i < end; ++i) {
      if (text[i] == '\n') {
        ++line;
        column = 1;
      } else {
        ++column;
      }
    }
    // nlohmann's message starts "[json.exception.parse_error.101] parse error at ...".
    std::string detail = e.what();
    if (auto colon = detail.find(": "); colon != std::string::npos)
      detail = detail.substr(colon + 2);
    throw DataError(file, line, column, "expected a JSON results file (" + detail + ")");
  }
}

Node Node::child(std::string segment, const Json& value) const {
  return Node(value, *file_, path_ + "/" + segment);
}

void Node::fail(const std::string& what) const {
  throw DataError(*file_, 0, 0, fmt::format("{}: {}", path_.empty() ? "/" : path_, what));
}

void Node::expect_object() const {
  if (!value_->is_object()) fail("expected an object, found " + with_article(value_->type_name()));
}

void Node::expect_array() const {
  if (!value_->is_array()) fail("expected an array, found " + with_article(value_->type_name()));
}

Node Node::at(std::string_view key) const {
  expect_object();
  auto it = value_->find(key);
  if (it == value_->end()) fail(fmt::format("missing key \"{}\"", key));
  return child(pointer_segment(key), *it);
}

std::optional<Node> Node::find(std::string_view key) const {
  expect_object();
  auto it = value_->find(key);
  if (it == value_->end() || it->is_null()) return std::nullopt;
  return child(pointer_segment(key), *it);
}

std::vector<std::pair<std::string, Node>> Node::members() const {
  expect_object();
  std::vector<std::pair<std::string, Node>> out;
  for (auto it = value_->begin(); it != value_->end(); ++it)
    out.emplace_back(it.key(), child(pointer_segment(it.key()), it.value()));
  return out;
}

std::size_t Node::size() const {
  expect_array();
  return value_->size();
}

Node Node::operator[](std::size_t index) const {
  expect_array();
  if (index >= value_->size()) fail(fmt::format("expected at least {} elements", index + 1));
  return child(std::to_string(index), (*value_)[index]);
}

double Node::number() const {
  if (!value_->is_number()) fail("expected a number, found " + with_article(value_->type_name()));
  const double x = value_->get<double>();
  if (!std::isfinite(x)) fail("expected a finite number");
  return x;
}

std::optional<double> Node::number_or_null() const {
  if (value_->is_null()) return std::nullopt;
  return number();
}

long long Node::integer() const {
  if (value_->is_number_integer()) return value_->get<long long>();
  const double x = number();
  if (x != std::floor(x)) fail(fmt::format("expected an integer, found {}", x));
  return static_cast<long long>(x);
}

bool Node::boolean() const {
  if (!value_->is_boolean())
    fail("expected true or false, found " + with_article(value_->type_name()));
  return value_->get<bool>();
}

std::string Node::string() const {
  if (!value_->is_string()) fail("expected a string, found " + with_article(value_->type_name()));
  return value_->get<std::string>();
}

std::optional<std::string> Node::string_or_null() const {
  if (value_->is_null()) return std::nullopt;
  return string();
}

std::vector<double> Node::numbers() const {
  std::vector<double> out(size());
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = (*this)[i].number();
  return out;
}

}  // namespace invr::report
