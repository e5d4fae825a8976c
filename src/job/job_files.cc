// run_job_from_files: load, open, run; shared by `invr job` and the server's
// embedded scheduler so both run the job the same way.
#include <chrono>
#include <fstream>
#include <functional>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "invr/atomic_io.h"
#include "invr/error.h"
#include "invr/job.h"
#include "job/peak_rss.h"

namespace invr {

std::string model_version(const std::filesystem::path& model_dir) {
  std::ifstream in(model_dir / "manifest.json", std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return fmt::format("{}@{:016x}", model_dir.string(), std::hash<std::string>{}(text.str()));
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
  std::unique_ptr<CandidateStore> store;
  if (inputs.write_output) store = open_store(config.job.store, store_options);
  inputs.dataset = &dataset;
  inputs.model = model.get();
  inputs.model_version = model_version(files.model);
  return run_job(inputs, config, store.get(), files.generation);
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
  return out.dump();
}

}  // namespace invr
