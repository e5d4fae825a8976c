// The generation manifest (job/job_manifest.h).
#include "job/job_manifest.h"

#include <fmt/format.h>

#include "common/settings_json.h"

namespace invr::job {

DatasetSizes sizes_of(const Dataset& dataset) {
  return {dataset.name, dataset.users.size(), dataset.items.size(), dataset.producers.size(),
          dataset.interactions.size()};
}

nlohmann::ordered_json counts_json(const Selection& s) {
  const SelectionCounts& c = s.counts;
  return {{"producers", c.producers},
          {"producers_long_tail", c.producers_long_tail},
          {"producers_low_quality", c.producers_low_quality},
          {"producers_few_items", c.producers_few_items},
          {"producers_selected", s.producers.size()},
          {"items", c.items},
          {"items_not_yet_published", c.items_not_yet_published},
          {"items_too_old", c.items_too_old},
          {"items_carried", c.items_carried},
          {"items_undated", c.items_undated},
          {"items_selected", s.items.size()},
          {"users", c.users},
          {"users_inactive", c.users_inactive},
          {"users_few_interactions", c.users_few_interactions},
          {"users_selected", s.users.size()}};
}

nlohmann::ordered_json generation_manifest(const JobResult& result, const DatasetSizes& dataset,
                                           const Dataset& catalog, const TwoTowerModel& model,
                                           const std::string& model_version, const JobConfig& config,
                                           nlohmann::ordered_json assignment) {
  const Selection& selection = result.selection;
  nlohmann::ordered_json manifest;
  manifest["format"] = "invr-generation";
  manifest["version"] = 1;
  manifest["as_of"] = selection.as_of;
  manifest["dataset"] = {{"name", dataset.name},
                         {"users", dataset.users},
                         {"items", dataset.items},
                         {"producers", dataset.producers},
                         {"interactions", dataset.interactions}};
  manifest["model"] = {{"kind", model.kind()}, {"dim", model.dim()}, {"version", model_version}};
  manifest["config"] = {
      {"selection", settings_json(selection_param_specs(), config.selection)},
      {"retrieval", settings_json(retrieval_settings_specs(), config.retrieval)},
      {"inversion", settings_json(inversion_param_specs(), config.inversion)},
      {"job", settings_json(job_settings_specs(), config.job)},
      {"assignment", settings_json(assignment_param_specs(), config.assignment)},
      {"assignment_job", settings_json(assignment_settings_specs(), config.assignment_job)}};
  // The treated set, for the arms that need it beside the candidates
  // (forward-longtail, docs/methods.md): the selected items' ids.
  auto treated = nlohmann::ordered_json::array();
  for (Index item : selection.items) treated.push_back(catalog.items.id(item));
  manifest["treated_items"] = std::move(treated);
  manifest["counts"] = counts_json(selection);
  manifest["counts"]["users_with_candidates"] = result.users_with_candidates;
  for (Ordering o : kAllOrderings)
    manifest["counts"][fmt::format("candidates_{}", ordering_name(o))] =
        result.candidates[static_cast<std::size_t>(o)];
  // The assignment's summary and each treated item's report (null when off).
  manifest["assignment"] = std::move(assignment);
  auto timings = nlohmann::ordered_json::array();
  for (const auto& stage : result.stages)
    timings.push_back({{"stage", stage.stage},
                       {"seconds", stage.seconds},
                       {"peak_rss_bytes", stage.peak_rss_bytes}});
  manifest["timings"] = timings;
  const JobMemory& m = result.memory;
  manifest["memory"] = {{"dataset_bytes", m.dataset_bytes},
                        {"embedding_bytes", m.embedding_bytes},
                        {"top_users_bytes", m.top_users_bytes},
                        {"candidate_bytes", m.candidate_bytes},
                        {"required_bytes", m.required_bytes()}};
  return manifest;
}

}  // namespace invr::job
