// invr.toml for the server: [serve] and [slate] through their settings tables
// (the generic reader of common/settings_toml.h, as the job's tables),
// [experiment] by hand (arms are an array of tables), and the job's tables
// through read_job_config.
#include <array>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>
#include <toml++/toml.h>

#include "common/excerpt.h"
#include "common/settings_toml.h"
#include "invr/error.h"
#include "invr/server.h"

namespace invr {
namespace {
namespace fs = std::filesystem;
using S = ServeSettings;

const std::array kServeSpecs = {
    ServeSettingSpec{"host", "Address to listen on; loopback by default, put a proxy in front to expose it", 0, 0, nullptr, &S::host},
    ServeSettingSpec{"port", "TCP port; 0 = any free port", 0, 65535, nullptr, &S::port},
    ServeSettingSpec{"io_threads", "Threads doing every connection's network I/O (accept, read, write), "
                     "asynchronously: an open connection holds no thread", 1, 64, nullptr, &S::io_threads},
    ServeSettingSpec{"http_threads", "Worker threads running request handlers (a Redis read may hold one "
                     "for up to store_timeout_ms); connections do not hold them", 1,
                     1024, nullptr, &S::http_threads},
    ServeSettingSpec{"request_timeout_seconds", "Deadline for a request's headers and body from its first "
                     "byte; a client slower than this, however steady, is disconnected", 0.001,
                     3600, nullptr, &S::request_timeout_seconds},
    ServeSettingSpec{"write_timeout_seconds", "Deadline for writing a response; a client slower than this to "
                     "read is disconnected", 0.001, 3600, nullptr, &S::write_timeout_seconds},
    ServeSettingSpec{"keep_alive_seconds", "A connection idle this long before a request's first byte (new, "
                     "or kept alive after a response) is closed", 1, 3600, nullptr, &S::keep_alive_seconds},
    ServeSettingSpec{"keep_alive_requests", "Requests per connection before it is closed", 1, 1e9,
                     nullptr, &S::keep_alive_requests},
    ServeSettingSpec{"max_body_bytes", "Largest request body: a larger Content-Length gets 413 before the body "
                     "is read, a chunked body when it passes this", 1, 1073741824, nullptr, &S::max_body_bytes},
    ServeSettingSpec{"max_header_bytes", "Largest request line plus headers; larger ones get 431", 1024,
                     1048576, nullptr, &S::max_header_bytes},
    ServeSettingSpec{"max_connections", "Open connections at most; at the cap the oldest idle one is closed "
                     "for a new one, else the new one is refused", 1, 1e6, nullptr, &S::max_connections},
    ServeSettingSpec{"max_connections_per_peer", "Open connections per client IP address (loopback "
                     "included), idle ones shed first as for max_connections", 1, 1e6, nullptr,
                     &S::max_connections_per_peer},
    ServeSettingSpec{"data", "Atomic dataset folder: users, their seen items, the item catalog; required", 0,
                     0, nullptr, &S::data},
    ServeSettingSpec{"name", "Dataset name in data (default: the single NAME.inter)", 0, 0,
                     nullptr, &S::name},
    ServeSettingSpec{"producer_column", "Column of NAME.item holding the producer", 0, 0, nullptr,
                     &S::producer_column},
    ServeSettingSpec{"model", "Model directory (invr train, TorchScript or precomputed); required", 0, 0,
                     nullptr, &S::model},
    ServeSettingSpec{"store", "Candidate store URI; empty = [job] store; both empty = no InvR items (warned)", 0,
                     0, nullptr, &S::store},
    ServeSettingSpec{"retrieval", "Item retrieval: exact or an index spec (hnsw32, ivf256, ivf,int8, ...)", 0,
                     0, nullptr, &S::retrieval},
    ServeSettingSpec{"default_n", "Slate length when a request gives no n; at most [slate] max_n", 1, 1e5, nullptr,
                     &S::default_n},
    ServeSettingSpec{"now", "Request time: 0 = wall clock, -1 = the data's last timestamp, else Unix seconds",
                     -1, 1e11, nullptr, &S::now},
    ServeSettingSpec{"refresh_seconds", "Re-read the store's current generation this often; 0 = never (only after an "
                     "embedded job)",
                     0, 86400, nullptr, &S::refresh_seconds},
    ServeSettingSpec{"store_timeout_ms", "Redis connect and per-command timeout (ms): a stalled Redis costs a request at "
                     "most this before its 503", 1, 600000,
                     nullptr, &S::store_timeout_ms},
    ServeSettingSpec{"embedded_job", "Run the InvR job in the server every job_interval_seconds",
                     0, 1, nullptr, &S::embedded_job},
    ServeSettingSpec{"job_interval_seconds", "Embedded job period (first run one period after start)",
                     1, 1e8, nullptr, &S::job_interval_seconds},
    ServeSettingSpec{"follow_model", "When a new generation's manifest names another model directory, load it and "
                     "swap it in with its embeddings (0 = keep the started model until a restart)",
                     0, 1, nullptr, &S::follow_model},
    ServeSettingSpec{"event_log", "RecBole .inter file that POST /v1/events appends to (its folder must exist); "
                     "empty = off (503)",
                     0, 0, nullptr, &S::event_log},
    ServeSettingSpec{"item_log", "Atomic .item file that POST /v1/items appends to (the dataset's own NAME.item to feed "
                     "the job; its folder must exist); empty = off (503)",
                     0, 0, nullptr, &S::item_log},
    ServeSettingSpec{"event_fsync_seconds", "Event log fsync: at most this long after an append; 0 = before answering each "
                     "POST", 0,
                     86400, nullptr, &S::event_fsync_seconds},
    ServeSettingSpec{"access_log", "JSON access log: empty = stderr, \"off\", or a file path (appended)", 0, 0,
                     nullptr, &S::access_log},
};

DataError error_at(const fs::path& path, const toml::node& node, const std::string& message) {
  const auto& where = node.source().begin;
  return DataError(path.string(), where.line, where.column, message);
}

std::vector<int> read_slots(const fs::path& path, const toml::node& node, const std::string& arm) {
  const toml::array* array = node.as_array();
  if (!array) throw error_at(path, node, fmt::format("arm {}: slots must be an array of integers", arm));
  std::vector<int> slots;
  for (const toml::node& slot : *array) {
    const auto value = slot.value<std::int64_t>();
    if (!slot.is_integer() || !value || *value < 1 || *value > 100000)
      throw error_at(path, slot, fmt::format("arm {}: a slot must be an integer in [1, 100000]", arm));
    slots.push_back(static_cast<int>(*value));
  }
  return slots;
}

// One [[experiment.arms]] table. An InvR or control arm names its ordering;
// a competing method (docs/methods.md) names its method and knob instead.
Arm read_arm(const fs::path& path, const toml::table& table, std::size_t number) {
  Arm arm;
  const std::string label = fmt::format("{}", number);
  const toml::node* slots = nullptr;
  const toml::node* lambda = nullptr;
  const toml::node* top_users = nullptr;
  bool has_name = false, has_ordering = false;
  for (auto&& [key, node] : table) {
    const std::string_view k = key.str();
    if (k == "name") {
      if (!node.is_string()) throw error_at(path, node, fmt::format("arm {}: name must be a string", label));
      arm.name = *node.value<std::string>();
      has_name = true;
    } else if (k == "ordering") {
      if (!node.is_string())
        throw error_at(path, node, fmt::format("arm {}: ordering must be a string", label));
      try {
        arm.ordering = parse_arm_ordering(*node.value<std::string>());
      } catch (const UsageError& e) {
        throw error_at(path, node, fmt::format("arm {}: {}", label, e.what()));
      }
      has_ordering = true;
    } else if (k == "method") {
      const auto method = node.is_string() ? parse_arm_method(*node.value<std::string>()) : std::nullopt;
      if (!method)
        throw error_at(path, node, fmt::format("arm {}: method must be invr, forward-longtail, "
                                               "popularity-penalty or xquad",
                                               label));
      arm.method = *method;
    } else if (k == "lambda") {
      lambda = &node;
    } else if (k == "top_users") {
      top_users = &node;
    } else if (k == "slots") {
      slots = &node;
    } else if (k == "weight") {
      const std::optional<double> weight = toml_double(node);
      if (!weight) throw error_at(path, node, fmt::format("arm {}: weight must be a number", label));
      arm.weight = *weight;
    } else {
      const auto& where = key.source().begin;
      throw DataError(path.string(), where.line, where.column,
                      fmt::format("arm {}: unknown key '{}'; expected name, ordering, method, "
                                  "lambda, top_users, slots, weight",
                                  label, excerpt(k)));
    }
  }
  const bool invr = arm.method == ArmMethod::invr;
  if (!has_name || (invr && !has_ordering))
    throw error_at(path, table,
                   fmt::format("arm {}: name and ordering are required (or name and method for a "
                               "competing method)",
                               label));
  arm.lambda = default_lambda(arm.method);
  if (lambda) {
    const std::optional<double> value = toml_double(*lambda);
    if (!value) throw error_at(path, *lambda, fmt::format("arm {}: lambda must be a number", label));
    arm.lambda = *value;
  }
  if (top_users) {
    const auto value = top_users->value<std::int64_t>();
    if (!top_users->is_integer() || !value || *value < 0)
      throw error_at(path, *top_users,
                     fmt::format("arm {}: top_users must be an integer >= 0 (0: every candidate)", label));
    arm.top_users = *value;
  }
  if (slots) arm.slots = read_slots(path, *slots, arm.name);
  else if (arm.inserts()) arm.slots = {3, 8};
  return arm;
}

void read_experiment(const fs::path& path, const toml::table& table, Experiment& experiment) {
  for (auto&& [key, node] : table) {
    const std::string_view k = key.str();
    if (k == "salt") {
      if (!node.is_string()) throw error_at(path, node, "experiment.salt must be a string");
      experiment.salt = *node.value<std::string>();
    } else if (k == "arms") {
      const toml::array* arms = node.as_array();
      if (!arms || !arms->is_array_of_tables())
        throw error_at(path, node, "experiment.arms must be an array of tables ([[experiment.arms]])");
      experiment.arms.clear();
      for (std::size_t i = 0; i < arms->size(); ++i)
        experiment.arms.push_back(read_arm(path, *arms->get(i)->as_table(), i + 1));
    } else {
      const auto& where = key.source().begin;
      throw DataError(path.string(), where.line, where.column,
                      fmt::format("unknown key '{}' in [experiment]; expected salt, arms", excerpt(k)));
    }
  }
  try {
    validate(experiment);
  } catch (const UsageError& e) {
    throw error_at(path, table, e.what());
  }
}

std::string toml_string(const std::string& text) { return nlohmann::json(text).dump(); }

}  // namespace

std::span<const ServeSettingSpec> serve_setting_specs() { return kServeSpecs; }

void read_server_config(const fs::path& path, ServerConfig& config) {
  // The job's reader checks the whole file's sections and the job's tables.
  read_job_config(path, config.job);
  const toml::table root = parse_toml_file(path, "config file");
  for (auto&& [key, node] : root) {
    const std::string_view name = key.str();
    if (name != "serve" && name != "slate" && name != "experiment") continue;
    const toml::table* table = node.as_table();
    if (!table) throw error_at(path, node, fmt::format("'{}' must be a table such as [{}]", name, name));
    if (name == "serve")
      read_toml_settings(*table, path, serve_setting_specs(), config.serve, name);
    else if (name == "slate")
      read_toml_settings(*table, path, slate_param_specs(), config.slate, name);
    else
      read_experiment(path, *table, config.experiment);
  }
  config.config_file = path.string();
}

void validate(const ServerConfig& config) {
  validate_settings(serve_setting_specs(), config.serve);
  const ServeSettings& serve = config.serve;
  if (serve.now != -1 && serve.now < 0)
    throw UsageError(fmt::format("--now must be 0 (wall clock), -1 (data's last timestamp) or "
                                 "a Unix time, got {}", serve.now));
  if (serve.data.empty()) throw UsageError("--data is required ([serve] data): the dataset folder");
  if (serve.model.empty()) throw UsageError("--model is required ([serve] model): the model directory");
  validate(config.slate);
  if (serve.default_n > config.slate.max_n)
    throw UsageError(fmt::format("--default-n ({}) must not exceed --max-n ({})", serve.default_n,
                                 config.slate.max_n));
  validate(config.experiment);
  if (serve.embedded_job) {
    if (serve.store.empty() && config.job.job.store.empty())
      throw UsageError("--embedded-job needs a store: set [serve] store or [job] store");
    validate(config.job);
  }
}

std::string server_config_toml(const ServerConfig& config) {
  std::string text = "# invr serve configuration; see docs/serving_http.md\n\n";
  text += "[serve]\n" + settings_toml(serve_setting_specs(), config.serve) + "\n";
  text += "[slate]\n" + settings_toml(slate_param_specs(), config.slate) + "\n";
  text += fmt::format("[experiment]\n# Mixed into the bucketing hash\nsalt = {}\n",
                      toml_string(config.experiment.salt));
  for (const Arm& arm : config.experiment.arms) {
    text += fmt::format("\n[[experiment.arms]]\nname = {}\n", toml_string(arm.name));
    if (arm.method == ArmMethod::invr)
      text += fmt::format("ordering = \"{}\"\n", arm.ordering ? ordering_name(*arm.ordering) : "control");
    else
      text += fmt::format("method = \"{}\"\n", arm_method_name(arm.method));
    if (arm.method == ArmMethod::popularity_penalty || arm.method == ArmMethod::xquad)
      text += fmt::format("lambda = {}\n", toml_number(arm.lambda));
    if (arm.top_users > 0) text += fmt::format("top_users = {}\n", arm.top_users);
    text += fmt::format("slots = [{}]\nweight = {}\n", fmt::join(arm.slots, ", "),
                        toml_number(arm.weight));
  }
  return text;
}

}  // namespace invr
