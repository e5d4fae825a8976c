// run_job_from_files: load, open, run; shared by `invr job` and the server's
// embedded scheduler so both run the job the same way.
#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <limits>
#include <fstream>
#include <functional>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "invr/atomic_io.h"
#include "invr/error.h"
#include "invr/job.h"
#include "invr/read_file.h"
#include "job/peak_rss.h"

namespace invr {

std::string model_version(const std::filesystem::path& model_dir) {
  std::string text;
  try {
    text = read_whole_file(model_dir / "manifest.json");
  } catch (const IoError&) {
    // A model kind without a manifest is identified by its folder alone.
  }
  return fmt::format("{}@{:016x}", model_dir.string(), std::hash<std::string>{}(text));
}

std::vector<double> read_producer_quality(const std::filesystem::path& path,
                                          const Dataset& dataset) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IoError(fmt::format("{}: cannot open producer quality file", path.string()));
  std::vector<double> quality(dataset.producers.size(), std::numeric_limits<double>::quiet_NaN());
  std::string line;
  for (std::size_t number = 1; std::getline(in, line); ++number) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    const auto tab = line.find('\t');
    if (tab == std::string::npos)
      throw DataError(path.string(), number, 1, "expected PRODUCER_ID<TAB>SCORE");
    const std::string id = line.substr(0, tab);
    const std::string text = line.substr(tab + 1);
    double value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size() || !std::isfinite(value))
      throw DataError(path.string(), number, tab + 2,
                      fmt::format("expected a finite number, got \"{}\"", text));
    const Index producer = dataset.producers.find(id);
    if (producer == kNoIndex)
      throw DataError(path.string(), number, 1,
                      fmt::format("unknown producer \"{}\" (not in the dataset)", id));
    quality[static_cast<std::size_t>(producer)] = value;
  }
  return quality;
}

JobResult run_job_from_files(const JobFiles& files, const JobConfig& config, JobInputs inputs) {
  validate(config);
  using Clock = std::chrono::steady_clock;
  auto start = Clock::now();
  AtomicLoadOptions load_options;
  load_options.producer_column = files.producer_column;
  const Dataset dataset = load_atomic(files.data, files.name, load_options);
  inputs.earlier_stages.push_back({"load_data",
                                   std::chrono::duration<double>(Clock::now() - start).count(),
                                   job::peak_rss_bytes()});
  start = Clock::now();
  const auto model = TwoTowerModel::load(files.model);
  inputs.earlier_stages.push_back({"load_model",
                                   std::chrono::duration<double>(Clock::now() - start).count(),
                                   job::peak_rss_bytes()});
  StoreOptions store_options;
  store_options.grace_seconds = config.job.grace_seconds;
  std::vector<double> quality;
  if (!files.producer_quality.empty()) {
    quality = read_producer_quality(files.producer_quality, dataset);
    inputs.producer_quality = quality;
  }
  std::unique_ptr<CandidateStore> store;
  if (inputs.write_output) store = open_store(config.job.store, store_options);
  inputs.dataset = &dataset;
  inputs.model = model.get();
  inputs.model_version = model_version(files.model);
  return run_job(inputs, config, store.get(), files.generation);
}

std::vector<std::string> manifest_treated_items(std::string_view manifest_json) {
  const auto manifest = nlohmann::json::parse(manifest_json, nullptr, false);
  if (manifest.is_discarded() || !manifest.is_object())
    throw DataError("generation manifest", 1, 1, "not a JSON object");
  std::vector<std::string> ids;
  const auto found = manifest.find("treated_items");
  if (found == manifest.end()) return ids;
  if (!found->is_array())
    throw DataError("generation manifest", 1, 1, "treated_items must be an array of item ids");
  ids.reserve(found->size());
  for (const auto& id : *found) {
    if (!id.is_string())
      throw DataError("generation manifest", 1, 1, "treated_items must be an array of item ids");
    ids.push_back(id.get<std::string>());
  }
  return ids;
}

std::string job_summary_json(const JobResult& result) {
  nlohmann::ordered_json out;
  out["generation"] = result.generation;
  out["store"] = result.store_uri;
  out["producers_selected"] = result.selection.producers.size();
  out["items_selected"] = result.selection.items.size();
  out["users_selected"] = result.selection.users.size();
  out["users_with_candidates"] = result.users_with_candidates;
  for (Ordering o : kAllOrderings)
    out[fmt::format("candidates_{}", ordering_name(o))] =
        result.candidates[static_cast<std::size_t>(o)];
  if (result.assignment.passes > 0)
    out["assignment"] = {{"item_target", result.item_target},
                         {"items_short", result.assignment.items_short},
                         {"gap", result.assignment.gap},
                         {"seconds", result.assignment.seconds}};
  nlohmann::ordered_json timings = nlohmann::ordered_json::object();
  nlohmann::ordered_json rss = nlohmann::ordered_json::object();
  double total = 0;
  std::uint64_t peak = 0;
  for (const auto& s : result.stages) {
    timings[s.stage] = s.seconds;
    rss[s.stage] = s.peak_rss_bytes;
    total += s.seconds;
    peak = std::max(peak, s.peak_rss_bytes);
  }
  out["seconds"] = total;
  out["timings"] = timings;
  out["peak_rss_bytes_after"] = rss;
  out["peak_rss_bytes"] = peak;
  out["required_bytes"] = result.memory.required_bytes();
  if (!result.rank_peak_rss_bytes.empty()) {
    out["rank_peak_rss_bytes"] = result.rank_peak_rss_bytes;
    out["peak_rss_bytes"] =
        *std::max_element(result.rank_peak_rss_bytes.begin(), result.rank_peak_rss_bytes.end());
  }
  return out.dump();
}

}  // namespace invr
