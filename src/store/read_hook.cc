#include "store/read_hook.h"

#include <atomic>

namespace invr::store {
namespace {
std::atomic<bool> hook_set{false};
ReadHook& hook() {
  static ReadHook instance;
  return instance;
}
}  // namespace

void set_read_hook(ReadHook new_hook) {
  hook_set.store(false);
  hook() = std::move(new_hook);
  hook_set.store(static_cast<bool>(hook()));
}

void run_read_hook(ReadPoint point, std::string_view generation) {
  if (hook_set.load(std::memory_order_relaxed)) hook()(point, generation);
}

}  // namespace invr::store
