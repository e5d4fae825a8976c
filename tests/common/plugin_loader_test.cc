// load_plugin_entry (common/plugin_loader.h): the search order, and an error
// that names every path tried, why each failed, and the variable to set.
#include "common/plugin_loader.h"

#include <dlfcn.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <string>

#include "invr/error.h"
#include "test_util.h"

namespace invr::test {
namespace {
namespace fs = std::filesystem;

constexpr const char* kVariable = "INVR_TEST_PLUGIN_LOADER";

// Sets kVariable for one test and unsets it after.
class VariableGuard {
 public:
  explicit VariableGuard(const std::string& value) { ::setenv(kVariable, value.c_str(), 1); }
  ~VariableGuard() { ::unsetenv(kVariable); }
};

std::string installed;  // what installed_hook returns
const char* installed_hook() { return installed.c_str(); }

std::string message_of(const PluginSpec& spec) {
  try {
    load_plugin_entry(spec);
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

// The file a symbol of an already-loaded shared library came from.
std::string library_of(void* symbol) {
  Dl_info info{};
  if (dladdr(symbol, &info) == 0 || info.dli_fname == nullptr) return "";
  return info.dli_fname;
}

TEST(PluginLoader, AMissingPluginNamesEveryPathTriedAndTheVariable) {
  TempDir dir;
  write_file(dir / "garbage.so", "not an ELF file");
  VariableGuard variable((dir / "nowhere.so").string());
  installed = (dir / "garbage.so").string();
  const std::string build = (dir / "build" / "libinvr_test_plugin.so").string();
  const std::string message = message_of({"test plugin", "libinvr_test_plugin.so", "invr_test_plugin_v1", kVariable,
                                          &installed_hook, build.c_str()});
  EXPECT_EQ(message.rfind("cannot load the test plugin libinvr_test_plugin.so (set INVR_TEST_PLUGIN_LOADER to its "
                          "path); tried:",
                          0),
            0u)
      << message;
  EXPECT_NE(message.find("\n  " + (dir / "nowhere.so").string() + ": not found"), std::string::npos) << message;
  // Next to the executable: ../lib/ and its own folder.
  const fs::path exe = fs::read_symlink("/proc/self/exe");
  EXPECT_NE(message.find((exe.parent_path() / ".." / "lib" / "libinvr_test_plugin.so").string() + ": not found"),
            std::string::npos)
      << message;
  EXPECT_NE(message.find((exe.parent_path() / "libinvr_test_plugin.so").string() + ": not found"), std::string::npos)
      << message;
  // A file that exists but does not load: dlerror's reason.
  EXPECT_NE(message.find("\n  " + installed + ": "), std::string::npos) << message;
  EXPECT_EQ(message.find("\n  " + installed + ": not found"), std::string::npos) << message;
  EXPECT_NE(message.find("\n  " + build + ": not found"), std::string::npos) << message;
}

TEST(PluginLoader, ALibraryWithoutTheEntryIsAPluginOfAnotherVersion) {
  const std::string libc = library_of(reinterpret_cast<void*>(&::getpid));
  ASSERT_FALSE(libc.empty());
  VariableGuard variable(libc);
  const std::string message = message_of({"test plugin", "libinvr_test_plugin.so", "invr_test_plugin_v1", kVariable,
                                          nullptr, nullptr});
  EXPECT_NE(message.find(libc + ": no invr_test_plugin_v1 (a plugin from another invr version?)"),
            std::string::npos)
      << message;
}

TEST(PluginLoader, TheVariableComesFirstAndTheEntryIsReturned) {
  // libc stands in for a plugin: its "getpid" for the entry.
  const std::string libc = library_of(reinterpret_cast<void*>(&::getpid));
  ASSERT_FALSE(libc.empty());
  VariableGuard variable(libc);
  installed = "/nonexistent/libinvr_test_plugin.so";
  void* entry = load_plugin_entry({"test plugin", "libinvr_test_plugin.so", "getpid", kVariable, &installed_hook,
                                   "/nonexistent/build/libinvr_test_plugin.so"});
  EXPECT_EQ(entry, reinterpret_cast<void*>(&::getpid));
}

}  // namespace
}  // namespace invr::test
