// The one declaration of the inverse stage's parameters: bounds and help.
// The job's TOML config and CLI are built from these tables, and a test
// checks docs/inverse.md names every entry (CONTRIBUTING.md, convention 4).
#include <array>
#include <string>

#include <fmt/format.h>

#include "common/excerpt.h"
#include "invr/error.h"
#include "invr/inverse.h"

namespace invr {
namespace {
constexpr double kDays = 36500;  // a century: "any" in practice
constexpr double kBig = 1e12;

using S = SelectionParams;
const std::array kSelectionSpecs = {
    SelectionParamSpec{"all_items",
                       "Run InvR for every item published by as_of (skip the producer and "
                       "item-age rules)",
                       0, 1, nullptr, &S::all_items},
    SelectionParamSpec{"window_days",
                       "Trailing window (days before as_of) in which producer exposure and "
                       "engagement are counted; 0 = all history",
                       0, kDays, nullptr, &S::window_days},
    SelectionParamSpec{"long_tail_share",
                       "Share of producers, least exposed first, that count as long tail", 0, 1,
                       nullptr, &S::long_tail_share},
    SelectionParamSpec{"min_quality",
                       "Quality floor for long-tail producers: relative engagement rate "
                       "(1 = average) or the supplied quality score",
                       -kBig, kBig, nullptr, &S::min_quality},
    SelectionParamSpec{"quality_prior_impressions",
                       "Pseudo-impressions at the global rate added to each producer's "
                       "engagement rate, so tiny counts do not dominate",
                       0, kBig, nullptr, &S::quality_prior_impressions},
    SelectionParamSpec{"min_items", "Fresh items a long-tail producer needs to be selected", 0,
                       kBig, nullptr, &S::min_items},
    SelectionParamSpec{"max_item_age_days",
                       "Items must be published at most this many days before as_of; 0 = any "
                       "age",
                       0, kDays, nullptr, &S::max_item_age_days},
    SelectionParamSpec{"active_days",
                       "Users need an event (any type) in this many days before as_of; 0 = any "
                       "time",
                       0, kDays, nullptr, &S::active_days},
    SelectionParamSpec{"min_interactions", "Positive events a user needs before as_of", 0, kBig,
                       nullptr, &S::min_interactions},
};

using R = RetrievalSettings;
const std::array kRetrievalSpecs = {
    RetrievalSettingsSpec{"top_users_per_item", "N: users retrieved per item", 1, 1e6, nullptr,
                          &R::top_users_per_item},
    RetrievalSettingsSpec{"index",
                          "Item -> user search: \"exact\" or an index spec over users "
                          "(\"hnsw32\", \"ivf1024\", a FAISS factory string)",
                          0, 0, nullptr, &R::index},
    RetrievalSettingsSpec{"item_block", "Items searched per block (bounds working memory)", 1,
                          1e9, nullptr, &R::item_block},
    RetrievalSettingsSpec{"ef_search", "HNSW search list size; 0 = the index default", 0, 1e6,
                          nullptr, &R::ef_search},
    RetrievalSettingsSpec{"nprobe", "IVF lists visited per item; 0 = the index default", 0, 1e6,
                          nullptr, &R::nprobe},
    RetrievalSettingsSpec{"retrieval_threads",
                          "Worker threads for the item -> user search; 0 = all cores", 0, 4096,
                          nullptr, &R::threads},
};

using I = InversionParams;
const std::array kInversionSpecs = {
    InversionParamSpec{"max_candidates_per_user",
                       "M: candidates kept per user in each ordering", 1, 1e9, nullptr,
                       &I::max_candidates_per_user},
    InversionParamSpec{"seed", "Seed of the random ordering", 0, 18446744073709551615.0, nullptr,
                       &I::seed},
    InversionParamSpec{"inversion_threads",
                       "Worker threads for the inversion; 0 = all cores (same output)", 0, 4096,
                       nullptr, &I::threads},
};
}  // namespace

std::span<const SelectionParamSpec> selection_param_specs() { return kSelectionSpecs; }
std::span<const RetrievalSettingsSpec> retrieval_settings_specs() { return kRetrievalSpecs; }
std::span<const InversionParamSpec> inversion_param_specs() { return kInversionSpecs; }

void validate(const SelectionParams& params) {
  validate_settings(selection_param_specs(), params);
}

void validate(const RetrievalSettings& settings, int dim) {
  validate_settings(retrieval_settings_specs(), settings);
  if (settings.index.empty()) throw UsageError("--index must not be empty");
  if (dim <= 0) return;
  try {
    // An empty index is cheap, and make_index is the one authority on specs.
    (void)make_index(settings.index, dim);
  } catch (const Error& e) {
    throw UsageError(fmt::format("--index \"{}\" is not an index spec for dimension {}: {}",
                                 excerpt(settings.index), dim, excerpt(e.what(), 300)));
  }
}

void validate(const InversionParams& params) { validate_settings(inversion_param_specs(), params); }

}  // namespace invr
