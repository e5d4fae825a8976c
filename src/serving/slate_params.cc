// The one declaration of the slate-assembly parameters: bounds and help.
// A test checks docs/serving.md names every entry (CONTRIBUTING.md, convention 4).
#include <array>
#include <string>

#include <fmt/format.h>

#include "invr/error.h"
#include "invr/slate.h"

namespace invr {
namespace {
using P = SlateParams;

const std::array kSpecs = {
    SlateParamSpec{"retrieve_k",
                   "Items asked of retrieval per request, before seen/future items are dropped", 1,
                   1e6, &P::retrieve_k},
    SlateParamSpec{"max_n", "Largest slate a request may ask for (at most --retrieve-k)", 1, 1e5,
                   &P::max_n},
    SlateParamSpec{"freshness_half_life_hours",
                   "Ranking: hours after which an item's freshness bonus halves", 1e-3, 1e6,
                   &P::freshness_half_life_hours},
    SlateParamSpec{"freshness_weight",
                   "Ranking: bonus of a brand-new item, added to dot(user, item); 0 = rank by dot alone", 0, 1e6,
                   &P::freshness_weight},
    SlateParamSpec{"fallback_window_hours",
                   "History-less users: popular items published this many hours before now", 0,
                   1e7, &P::fallback_window_hours},
    SlateParamSpec{"ef_search", "HNSW search list size; 0 = the index's default", 0, 1e6,
                   &P::ef_search},
    SlateParamSpec{"nprobe", "IVF lists visited per query; 0 = the index's default", 0, 1e6,
                   &P::nprobe},
    SlateParamSpec{"threads", "Retrieval threads; 0 = all cores (does not change slates)", 0, 1024,
                   &P::threads},
};

}  // namespace

std::span<const SlateParamSpec> slate_param_specs() { return kSpecs; }

void validate(const SlateParams& params) {
  validate_settings(slate_param_specs(), params);
  if (params.max_n > params.retrieve_k)
    throw UsageError(fmt::format("--max-n ({}) must not exceed --retrieve-k ({}): a slate is "
                                 "ranked from the retrieved items",
                                 params.max_n, params.retrieve_k));
}

}  // namespace invr
