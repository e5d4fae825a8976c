// docs/openapi.yaml against the real `invr serve` (issue 16, item 4):
// tests/serving/openapi_check.py starts the built binary on the tiny world,
// calls every operation and validates each reply; a planted mistake in a copy
// of the document shows the check can fail. Skips with the reason when
// python3-jsonschema or python3-yaml is missing (the script exits 77).
#include <gtest/gtest.h>

#include <filesystem>
#include <iostream>
#include <string>

#include "serving/server_test_util.h"

namespace invr {
namespace {

std::string source_root() { return (test::testdata_dir() / ".." / "..").lexically_normal().string(); }

test::CommandResult run_check(const test::TinyServing& tiny, const std::string& spec) {
  const std::string root = source_root();
  return test::run_shell(fmt::format(
      "python3 {}/tests/serving/openapi_check.py --invr {} --spec {} --routes {}/src/serving/prom_metrics.cc "
      "--data {} --name tiny --model {} --store {} --event-log {} --now {}",
      root, INVR_CLI_PATH, spec, root, tiny.config.serve.data, tiny.config.serve.model, tiny.config.serve.store,
      tiny.config.serve.event_log, static_cast<std::int64_t>(test::kTinyNow)));
}

TEST(OpenApi, RealRepliesMatchTheDocument) {
  if (!std::filesystem::exists(INVR_CLI_PATH)) GTEST_SKIP() << "invr CLI not built at " << INVR_CLI_PATH;
  const test::TinyServing tiny;
  const auto result = run_check(tiny, source_root() + "/docs/openapi.yaml");
  if (result.exit_code == 77) GTEST_SKIP() << result.out;
  EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_NE(result.out.find("; 0 problem(s)"), std::string::npos) << result.out;
  std::cout << result.out;  // the count of replies validated
}

TEST(OpenApi, TheCheckCatchesAnUndocumentedFieldAndRoute) {
  if (!std::filesystem::exists(INVR_CLI_PATH)) GTEST_SKIP() << "invr CLI not built at " << INVR_CLI_PATH;
  const test::TinyServing tiny;
  std::string spec = test::read_file(source_root() + "/docs/openapi.yaml");
  const auto plant = [&spec](const std::string& from, const std::string& to) {
    const auto at = spec.find(from);
    ASSERT_NE(at, std::string::npos) << from;
    spec.replace(at, from.size(), to);
  };
  plant("        inserted: {type: integer, minimum: 0, description:", "        added: {type: integer, minimum: 0, description:");
  plant("  /v1/candidates:\n", "  /v1/candidatez:\n");
  test::write_file(tiny.dir / "openapi.yaml", spec);
  const auto result = run_check(tiny, (tiny.dir / "openapi.yaml").string());
  if (result.exit_code == 77) GTEST_SKIP() << result.out;
  EXPECT_EQ(result.exit_code, 1) << result.out << result.err;
  EXPECT_NE(result.out.find("'inserted' was unexpected"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("the server routes /v1/candidates (route_of) but docs/openapi.yaml does not describe it"),
            std::string::npos)
      << result.out;
}

}  // namespace
}  // namespace invr
