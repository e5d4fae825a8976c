// Tests of what an optional part of invr does skip, with the reason, in a
// build without it (cmake -DINVR_WITH_TORCH=OFF / -DINVR_WITH_MPI=OFF; Redis:
// INVR_REQUIRE_REDIS in redis_server.h). The flags come from invr/version.h.
#pragma once

#include <gtest/gtest.h>

#include "invr/version.h"

#define INVR_REQUIRE_TORCH()                                                             \
  do {                                                                                   \
    if (!INVR_WITH_TORCH) GTEST_SKIP() << "built without LibTorch (INVR_WITH_TORCH=OFF)"; \
  } while (false)

#define INVR_REQUIRE_MPI()                                                      \
  do {                                                                          \
    if (!INVR_WITH_MPI) GTEST_SKIP() << "built without MPI (INVR_WITH_MPI=OFF)"; \
  } while (false)

// The Redis client itself (a test that needs no redis-server);
// INVR_REQUIRE_REDIS (redis_server.h) calls it, then needs one running.
#define INVR_REQUIRE_REDIS_CLIENT()                                                 \
  do {                                                                              \
    if (!INVR_WITH_REDIS) GTEST_SKIP() << "built without Redis (INVR_WITH_REDIS=OFF)"; \
  } while (false)
