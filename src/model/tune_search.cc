// What `invr tune` tries (docs/model.md, "Tuning: invr tune" has the ranges
// and why), and the validation rows it tries them on.
#include "model/tune_search.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>

#include <fmt/format.h>

#include "common/random.h"
#include "invr/convert.h"
#include "invr/error.h"
#include "invr/split.h"

namespace invr {
namespace {

// ALS: factors, λ and α are the settings Rendle et al. (RecSys 2022) found
// to matter; sweeps trade time for convergence. d stops at 128 so a
// Gowalla trial stays well under a minute on 2 cores (a 5-minute budget
// then still holds several trials).
const std::vector<TuneRange>& als_ranges() {
  static const std::vector<TuneRange> ranges = {
      {"dim", {32, 64, 128}},
      {"als_regularization", {}, 0.1, 100},
      {"als_alpha", {}, 0.3, 30},
      {"als_iterations", {10, 15, 20, 30}},
  };
  return ranges;
}

// Two-tower: Adam's step and the softmax temperature span a decade or more
// between datasets; epochs is a ceiling (early stopping on the trial's own
// validation rows picks the epoch); uniform negatives help where in-batch
// ones are all popular items.
const std::vector<TuneRange>& two_tower_ranges() {
  static const std::vector<TuneRange> ranges = {
      {"learning_rate", {}, 3e-4, 1e-2},
      {"temperature", {}, 0.02, 0.3},
      {"dim", {32, 64, 128}},
      {"epochs", {5, 10, 20}},
      {"uniform_negatives", {0, 128, 512}},
  };
  return ranges;
}

// 3 significant digits: readable logs and configs, and a value that
// survives a JSON or TOML round trip unchanged.
double round_3_digits(double value) { return std::strtod(fmt::format("{:.3g}", value).c_str(), nullptr); }

double log_uniform(const TuneRange& range, double unit) {
  return round_3_digits(std::exp(std::log(range.min) + unit * (std::log(range.max) - std::log(range.min))));
}

double value_in(const ModelConfig& config, const char* name) {
  const auto* setting = find_setting(model_config_specs(), name);
  if (setting == nullptr) throw UsageError(fmt::format("unknown model setting '{}'", name));
  return std::visit(
      [&](auto member) -> double {
        using T = std::remove_cvref_t<decltype(config.*member)>;
        if constexpr (std::is_arithmetic_v<T>) return static_cast<double>(config.*member);
        else throw UsageError(fmt::format("model setting '{}' is not a number", name));
      },
      setting->field);
}

// Near `best`: a continuous setting times a log-uniform factor in [1/2, 2]
// (kept in range), a choice one step down, the same or one step up.
double refine(const TuneRange& range, double best, SplitMix64& random) {
  const double unit = unit_interval(random.next());
  if (range.choices.empty())
    return std::clamp(round_3_digits(best * std::exp((2 * unit - 1) * std::log(2.0))), range.min, range.max);
  const auto at = std::find(range.choices.begin(), range.choices.end(), best);
  const auto position = static_cast<std::ptrdiff_t>(at == range.choices.end() ? 0 : at - range.choices.begin());
  const auto last = static_cast<std::ptrdiff_t>(range.choices.size()) - 1;
  const std::ptrdiff_t step = static_cast<std::ptrdiff_t>(random.below(3)) - 1;
  return range.choices[static_cast<std::size_t>(std::clamp<std::ptrdiff_t>(position + step, 0, last))];
}

}  // namespace

std::span<const TuneRange> tune_ranges(std::string_view kind) {
  if (kind == "als") return als_ranges();
  if (kind == "two-tower") return two_tower_ranges();
  throw UsageError(fmt::format("--kind must be two-tower or als, got '{}'", kind));
}

TuningSplit make_tuning_split(const Dataset& dataset, const HoldoutOptions& test_holdout) {
  TuningSplit split;
  split.test = make_holdout(dataset, test_holdout);
  if (test_holdout.split_file) {
    const auto parts = read_split_parts(*test_holdout.split_file, dataset);
    std::vector<bool> train(parts.size()), valid(parts.size());
    for (std::size_t r = 0; r < parts.size(); ++r) {
      train[r] = parts[r] == ConvertedSplit::kTrain;
      valid[r] = parts[r] == ConvertedSplit::kValid;
    }
    if (std::find(valid.begin(), valid.end(), true) != valid.end()) {
      split.validation.train = dataset.interactions.select(train);
      split.validation.test = dataset.interactions.select(valid);
      split.validation.protocol = "dataset_split";
      return split;
    }
  }
  // The test protocol again, on the rows left: a fresh cutoff (or draw) of
  // the same fraction. seed + 1 keeps random draws apart from the test's.
  HoldoutOptions again = test_holdout;
  again.split_file.reset();
  again.cutoff = kNoTime;
  again.seed = test_holdout.seed + 1;
  split.validation = make_holdout(with_interactions(dataset, split.test.train), again);
  return split;
}

namespace model {

TuneTrial propose_trial(std::span<const TuneRange> ranges, const ModelConfig& base,
                        std::uint64_t seed, std::size_t index,
                        const std::vector<TunedSetting>* best_so_far) {
  TuneTrial trial;
  trial.index = index;
  // Each trial's own stream: its draws do not depend on earlier trials'.
  SplitMix64 random(splitmix64_hash(splitmix64_hash(seed) ^ static_cast<std::uint64_t>(index)));
  trial.phase = index == 0 ? "default"
                : index >= kCoarseTrials && index % 2 == 1 && best_so_far != nullptr ? "refine"
                                                                                     : "random";
  for (std::size_t r = 0; r < ranges.size(); ++r) {
    const TuneRange& range = ranges[r];
    double value = 0;
    if (trial.phase == "default") {
      value = value_in(base, range.name);
    } else if (trial.phase == "refine") {
      value = refine(range, (*best_so_far)[r].value, random);
    } else if (range.choices.empty()) {
      value = log_uniform(range, unit_interval(random.next()));
    } else {
      value = range.choices[static_cast<std::size_t>(random.below(range.choices.size()))];
    }
    trial.settings.push_back({range.name, value});
  }
  return trial;
}

ModelConfig apply_settings(ModelConfig config, std::span<const TunedSetting> settings) {
  for (const TunedSetting& s : settings) {
    const auto* setting = find_setting(model_config_specs(), s.name);
    if (setting == nullptr) throw UsageError(fmt::format("unknown model setting '{}'", s.name));
    std::visit(
        [&](auto member) {
          using T = std::remove_cvref_t<decltype(std::declval<ModelConfig&>().*member)>;
          if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>)
            config.*member = static_cast<T>(std::llround(s.value));
          else if constexpr (std::is_floating_point_v<T>)
            config.*member = s.value;
          else
            throw UsageError(fmt::format("model setting '{}' is not a number", s.name));
        },
        setting->field);
  }
  return config;
}

bool better_trial(const TuneTrial& a, const TuneTrial& b) {
  if (a.recall != b.recall) return a.recall > b.recall;
  return a.ndcg > b.ndcg;
}

}  // namespace model
}  // namespace invr
