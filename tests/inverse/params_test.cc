// The spec tables: defaults valid, bounds enforced with the flag named, and
// docs/inverse.md listing every parameter with its default.
#include <set>
#include <sstream>
#include <string>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "invr/error.h"
#include "invr/inverse.h"
#include "test_util.h"

namespace invr {
namespace {

template <class... Params>
std::string usage_error(const Params&... params) {
  try {
    validate(params...);
  } catch (const UsageError& e) {
    return e.what();
  }
  return "";
}

// The default as docs/inverse.md writes it: 14, 0.5, false, "exact".
template <class Params>
std::string default_text(const InverseParamSpec<Params>& spec, const Params& defaults) {
  return std::visit(
      [&](auto member) -> std::string {
        const auto& value = defaults.*member;
        // fmt writes bools as true/false; strings are quoted as in TOML.
        if constexpr (std::is_same_v<std::decay_t<decltype(value)>, std::string>) {
          return fmt::format("\"{}\"", value);
        } else {
          return fmt::format("{}", value);
        }
      },
      spec.field);
}

template <class Params>
void expect_documented(std::span<const InverseParamSpec<Params>> specs, const std::string& docs,
                       std::set<std::string>& names) {
  for (const auto& spec : specs) {
    EXPECT_TRUE(names.insert(spec.name).second) << "declared twice: " << spec.name;
    EXPECT_LE(spec.min, spec.max) << spec.name;
    EXPECT_GT(std::string(spec.help).size(), 10u) << spec.name;
    // A table row: | `name` | `--flag` | default | ...
    std::string flag = "--";
    for (const char* c = spec.name; *c; ++c) flag += *c == '_' ? '-' : *c;
    const std::string row = fmt::format("| `{}` | `{}` | `{}` |", spec.name, flag,
                                        default_text(spec, Params{}));
    EXPECT_NE(docs.find(row), std::string::npos)
        << "docs/inverse.md lacks the row starting " << row;
  }
}

TEST(InverseParams, DefaultsAreValid) {
  EXPECT_EQ(usage_error(SelectionParams{}), "");
  EXPECT_EQ(usage_error(RetrievalSettings{}), "");
  EXPECT_EQ(usage_error(InversionParams{}), "");
  InversionParams largest_seed;
  largest_seed.seed = ~std::uint64_t{0};
  EXPECT_EQ(usage_error(largest_seed), "");
}

TEST(InverseParams, OutOfBoundsValuesNameTheFlag) {
  SelectionParams s;
  s.long_tail_share = 2;
  EXPECT_NE(usage_error(s).find("--long-tail-share must be in [0, 1], got 2"), std::string::npos)
      << usage_error(s);
  s = {};
  s.window_days = std::nan("");
  EXPECT_NE(usage_error(s).find("--window-days"), std::string::npos);
  RetrievalSettings r;
  r.top_users_per_item = 0;
  EXPECT_NE(usage_error(r).find("--top-users-per-item"), std::string::npos);
  r = {};
  r.index = "";
  EXPECT_NE(usage_error(r).find("--index must not be empty"), std::string::npos);
  r.index = "no-such-index";
  EXPECT_EQ(usage_error(r), "");  // without a dimension the spec is not checked
  EXPECT_NE(usage_error(r, 8).find("--index \"no-such-index\" is not an index spec for dimension 8"),
            std::string::npos)
      << usage_error(r, 8);
  r.index = "HNSW16";
  EXPECT_EQ(usage_error(r, 8), "");
  r.index = "IVF4,PQ4";  // product quantiser: 4 must divide the dimension
  EXPECT_EQ(usage_error(r, 8), "");
  EXPECT_NE(usage_error(r, 6), "");
  InversionParams i;
  i.max_candidates_per_user = 0;
  EXPECT_NE(usage_error(i).find("--max-candidates-per-user"), std::string::npos);
}

TEST(InverseParams, DocsListEveryParameterWithItsDefault) {
  const std::string docs =
      test::read_file(test::testdata_dir() / ".." / ".." / "docs" / "inverse.md");
  std::set<std::string> names;  // one flat namespace: the job's CLI can merge the tables
  expect_documented(selection_param_specs(), docs, names);
  expect_documented(retrieval_settings_specs(), docs, names);
  expect_documented(inversion_param_specs(), docs, names);
  EXPECT_EQ(names.size(), 18u);
}

}  // namespace
}  // namespace invr
