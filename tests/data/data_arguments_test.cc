// Caller mistakes in the data stage throw UsageError naming the argument
// instead of aborting the host process; the load cache is off for a library
// caller unless asked for (issue 15, item 2; docs/library.md).
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "invr/atomic_io.h"
#include "invr/convert.h"
#include "invr/error.h"
#include "invr/exposure_log.h"
#include "test_util.h"

namespace invr {
namespace {

template <class Call>
std::string usage_error(Call call) {
  try {
    call();
  } catch (const UsageError& e) {
    return e.what();
  }
  return "no UsageError";
}

TEST(DataArguments, SelectWithAKeepMaskOfAnotherLengthThrows) {
  Interactions rows;
  rows.push_back(0, 0, kNoTime, EventType::interaction, 1.0f);
  rows.push_back(0, 1, kNoTime, EventType::interaction, 1.0f);
  EXPECT_NE(usage_error([&] { rows.select({true}); }).find("keep has 1 entries for 2 rows"),
            std::string::npos);
  EXPECT_EQ(rows.select({true, false}).size(), 1u);
}

TEST(DataArguments, WriteExposureLogRejectsBadRowsBeforeWriting) {
  test::TempDir dir;
  IdMap items;
  items.add("i0");
  ExposureLog log;
  const Index user = log.users.add("u0");
  log.push_back(user, 0, 0, true, kNoTime, kNoIndex);
  log.push_back(user, 5, 1, false, kNoTime, kNoIndex);  // item 5 of 1
  const auto path = dir.path() / "log.tsv";
  EXPECT_NE(usage_error([&] { write_exposure_log(path, log, items); }).find("item[1] = 5"),
            std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(path));
  log.item[1] = 0;
  log.position[1] = -2;
  EXPECT_NE(usage_error([&] { write_exposure_log(path, log, items); }).find("position[1]"),
            std::string::npos);
  log.position[1] = 1;
  log.user[1] = 3;
  EXPECT_NE(usage_error([&] { write_exposure_log(path, log, items); }).find("user[1] = 3"),
            std::string::npos);
  log.user[1] = user;
  log.clicked.pop_back();
  EXPECT_NE(usage_error([&] { write_exposure_log(path, log, items); }).find("differ in length"),
            std::string::npos);
}

TEST(DataArguments, SplitPartNameOutOfRangeThrows) {
  EXPECT_EQ(split_part_name(2), "test");
  EXPECT_THROW(split_part_name(3), UsageError);
}

TEST(DataArguments, SaveAtomicWithAnInteractionOutsideTheIdMapsThrows) {
  test::TempDir dir;
  Dataset dataset;
  dataset.name = "tiny";
  dataset.users.add("u0");
  dataset.items.add("i0");
  dataset.interactions.push_back(0, 0, kNoTime, EventType::interaction, 1.0f);
  dataset.interactions.push_back(4, 0, kNoTime, EventType::interaction, 1.0f);  // user 4 of 1
  EXPECT_NE(usage_error([&] { save_atomic(dataset, dir.path(), "tiny"); }).find("interaction 1"),
            std::string::npos);
}

TEST(DataLoadCache, OffForALibraryCallerUnlessAsked) {
  // The CLI turns it on (set_load_cache_default); a library caller's data
  // folder gets no NAME.inter.cache it did not ask for.
  EXPECT_FALSE(load_cache_default());
  EXPECT_FALSE(AtomicLoadOptions{}.cache);
}

}  // namespace
}  // namespace invr
