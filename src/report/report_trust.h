// "How much to trust this": a few lines, each generated from one figure of
// the results with the thresholds below (docs/report.md, "How much to trust
// this", lists them with their reasons).
#pragma once

#include <string>
#include <vector>

#include "report/report_results.h"

namespace invr::report {

namespace trust {
// An arm with fewer users gets a caution: a few heavy users can move its CTR.
inline constexpr double kFewUsersPerArm = 1000;
// The CTR loss a run should be able to see (the project's bar: CTR loss <= 1%).
inline constexpr double kCtrBar = 0.01;
// Half-width of a 95% interval that detects a change of kCtrBar with 80%
// power: kCtrBar * 1.96 / (1.96 + 0.84).
inline constexpr double kResolvingHalfWidth = kCtrBar * 1.96 / (1.96 + 0.8416);
// A/A: share of 95% intervals that exclude 0; nominal 5%, acceptable band.
inline constexpr double kAaNominal = 0.05;
inline constexpr double kAaLow = 0.02;
inline constexpr double kAaHigh = 0.09;
// Fewer A/A comparisons make the rates too coarse to judge against the band
// (one interval is over 1 point of rate; the binomial spread of a 5% rate
// over 100 comparisons is already 2.2 points): the verdict is at most a
// caution.
inline constexpr long long kAaMinComparisons = 100;
// The A/A run the advice line suggests.
inline constexpr int kAaSuggestedSalts = 40;
// Control CTR change between the first and last three days that calls the
// baseline unstable.
inline constexpr double kTrendLimit = 0.15;
// PSEI counts treated items past a threshold; when fewer than this many
// reach it in control the statistic takes few values and its permutation
// test rejects less often than 5% (A/A on shared data: 1.4% with 5 items,
// 2.2% with 8; 5.3% with 23, 5.2% with 136).
inline constexpr double kFewSufficientItems = 10;
// Oracle holdout Recall@20 over most popular's: at least this is a fit.
inline constexpr double kOracleLift = 1.2;
}  // namespace trust

enum class Verdict { kOk, kCaution, kWarning, kNote };

struct TrustLine {
  std::string topic;  // "users", "srm", "aa", "ctr_resolution", "psei", "trend", "oracle",
                     // "version"
  std::string title;  // shown in bold
  Verdict verdict;
  std::string html;  // the sentence, HTML (names escaped); states its figure
};

// Salts an A/A run needs for trust::kAaMinComparisons comparisons, at the
// comparisons per salt of `aa`.
long long aa_salts_needed(const AaCalibration& aa);

// The lines for the main run, in display order; a version 1 file gets only
// what it has figures for, plus a note.
std::vector<TrustLine> trust_lines(const Results& results);

}  // namespace invr::report
