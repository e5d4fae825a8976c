// Train/test splits. Both are deterministic: the same input gives the same
// split, with ties broken by row order.
#pragma once

#include <cstdint>
#include <vector>

#include "invr/data.h"

namespace invr {

struct Split {
  Interactions train;
  Interactions test;
};

// `dataset` with its interactions replaced by `interactions` (a split's train
// part, the history before a time): the same name, ids, items and tokens.
Dataset with_interactions(const Dataset& dataset, Interactions interactions);

// Rows with timestamp < cutoff train; the rest test. Rows without a timestamp train.
Split temporal_split(const Interactions& interactions, double cutoff);

// The cutoff that puts about test_fraction (0,1) of timestamped rows in test.
double temporal_cutoff(const Interactions& interactions, double test_fraction);

// Row r goes to test when a splitmix64 draw from (seed, r) is below
// test_fraction in (0, 1): the same rows for the same input on every build,
// which is how `invr train` (validation) and `invr evaluate` (holdout) agree
// on untimed data.
Split random_split(const Interactions& interactions, double test_fraction, std::uint64_t seed);
// The draw random_split compares with test_fraction, in [0, 1).
double split_draw(std::uint64_t seed, std::uint64_t row);

// Each user's last n rows by timestamp (then row order) go to test; users
// with n or fewer rows keep them all in train.
Split leave_last_n_out(const Interactions& interactions, int n);

// Each user's latest round(test_fraction × rows) rows by timestamp (then row
// order) go to test, keeping at least one row in train: a temporal holdout
// that judges every user on their own future, where a global cutoff judges
// only the users active after it.
Split user_temporal_split(const Interactions& interactions, double test_fraction);

// The rows each split above holds out (true = test), for callers that write
// them down (`invr split`) instead of splitting.
std::vector<bool> temporal_test_rows(const Interactions& interactions, double cutoff);
std::vector<bool> random_test_rows(const Interactions& interactions, double test_fraction,
                                   std::uint64_t seed);
std::vector<bool> leave_last_n_test_rows(const Interactions& interactions, int n);
std::vector<bool> user_temporal_test_rows(const Interactions& interactions, double test_fraction);

}  // namespace invr
