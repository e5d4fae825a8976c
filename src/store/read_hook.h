// A test seam in CandidateReader::read: a function called just before the
// reader takes its pin and just after, so a test can commit and refresh at
// exactly those moments (issue 16, item 2: the reply's generation must match
// its candidates whatever a refresh does meanwhile). Unset, a read pays one
// relaxed atomic load. Tests only; not thread-safe against reads in flight
// while it is set or cleared.
#pragma once

#include <functional>
#include <string_view>

namespace invr::store {

enum class ReadPoint { before_pin, after_pin };

// `generation` is the pinned id at after_pin, empty at before_pin.
using ReadHook = std::function<void(ReadPoint point, std::string_view generation)>;

// Installs `hook` for every reader in the process; an empty function removes it.
void set_read_hook(ReadHook hook);
// Called by the readers. RocksDB readers live in a plugin with its own copies
// of invr's code, so they are given a pointer to the host's (ReadHookRunner).
void run_read_hook(ReadPoint point, std::string_view generation);
using ReadHookRunner = void (*)(ReadPoint point, std::string_view generation);

}  // namespace invr::store
