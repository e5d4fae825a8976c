// The training loop: in-batch sampled softmax with log-Q correction, Adam,
// validation Recall@k per epoch, early stopping, checkpoints and resume.
#include <dlfcn.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <numeric>
#include <random>

#include <fmt/format.h>

#include "invr/error.h"
#include "invr/log.h"
#include "invr/model_train.h"
#include "model/torch/plugin.h"
#include "invr/progress.h"
#include "model/torch/lazy_adam.h"
#include "model/core/model_files.h"
#include "model/torch/native_model.h"
#include "model/torch/torch_file.h"
#include "model/core/training_data.h"
#include "model/torch/validation.h"

namespace invr::model {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {
const char* kCheckpointDir = "checkpoint";

// Where a run stands; saved after every epoch so --resume can continue it.
struct RunState {
  int epochs_done = 0;
  int best_epoch = 0;
  double best_recall = -1;
  int epochs_without_improvement = 0;
  std::vector<EpochReport> epochs;
};

json to_json(const EpochReport& e) {
  return {{"epoch", e.epoch}, {"loss", e.loss}, {"recall", e.recall},
          {"examples_per_second", e.examples_per_second}, {"seconds", e.seconds}};
}

void write_state(const fs::path& path, const RunState& state) {
  json doc = {{"epochs_done", state.epochs_done},
              {"best_epoch", state.best_epoch},
              {"best_recall", state.best_recall},
              {"epochs_without_improvement", state.epochs_without_improvement},
              {"epochs", json::array()}};
  for (const auto& e : state.epochs) doc["epochs"].push_back(to_json(e));
  write_text_atomically(path, doc.dump(2) + "\n");
}

RunState read_state(const fs::path& path) {
  try {
    const json doc = json::parse(read_whole_file(path));
    RunState state;
    state.epochs_done = doc.at("epochs_done").get<int>();
    state.best_epoch = doc.at("best_epoch").get<int>();
    state.best_recall = doc.at("best_recall").get<double>();
    state.epochs_without_improvement = doc.at("epochs_without_improvement").get<int>();
    for (const auto& e : doc.at("epochs"))
      state.epochs.push_back({e.at("epoch").get<int>(), e.at("loss").get<double>(),
                              e.at("recall").get<double>(), e.at("examples_per_second").get<double>(),
                              e.at("seconds").get<double>()});
    return state;
  } catch (const json::exception& e) {
    throw DataError(path.string(), 0, 0, fmt::format("bad checkpoint state: {}", e.what()));
  }
}

// LibTorch's thread count does not reach OpenBLAS's own pool, whose size
// changes float sums (and so results) between machines. Looked up in the
// BLAS libraries already loaded (this plugin's are not global), so another
// BLAS still works.
// Returns the pool size before the call (0 when no OpenBLAS is loaded).
int set_blas_threads(int threads) {
  using SetThreads = void (*)(int);
  using GetThreads = int (*)();
  int previous = 0;
  for (const char* library : {"libopenblas.so.0", "libblas.so.3"}) {
    void* handle = dlopen(library, RTLD_LAZY | RTLD_NOLOAD);
    if (!handle) continue;
    if (auto get = reinterpret_cast<GetThreads>(dlsym(handle, "openblas_get_num_threads")))
      previous = previous > 0 ? previous : get();
    if (auto set = reinterpret_cast<SetThreads>(dlsym(handle, "openblas_set_num_threads")))
      set(threads);
    dlclose(handle);  // drops only the reference RTLD_NOLOAD took
  }
  return previous;
}

// Training's thread counts (LibTorch's and OpenBLAS's pools, both
// process-wide) for the length of one call, then the caller's again
// (CONTRIBUTING.md, convention 7; docs/library.md, "Threads").
class ScopedTrainingThreads {
 public:
  explicit ScopedTrainingThreads(int threads) : torch_(at::get_num_threads()) {
    if (threads <= 0) return;
    at::set_num_threads(threads);
    blas_ = set_blas_threads(threads);
    active_ = true;
  }
  ~ScopedTrainingThreads() {
    if (!active_) return;
    at::set_num_threads(torch_);
    if (blas_ > 0) set_blas_threads(blas_);
  }
  ScopedTrainingThreads(const ScopedTrainingThreads&) = delete;
  ScopedTrainingThreads& operator=(const ScopedTrainingThreads&) = delete;

 private:
  int torch_;
  int blas_ = 0;
  bool active_ = false;
};

// One shuffle and dropout stream per epoch, so a resumed run draws exactly
// what an uninterrupted one would have.
std::mt19937_64 epoch_rng(std::uint64_t seed, int epoch) {
  std::seed_seq seq{static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32),
                    static_cast<std::uint32_t>(epoch)};
  return std::mt19937_64(seq);
}

struct EpochInputs {
  const TrainingData& data;
  const ItemCatalog& catalog;
  const torch::Tensor& log_q;  // per item input id
  const ModelConfig& config;
  std::vector<Index> warm_items;  // items with training positives: uniform negatives

  // Log-Q: minus the log of how often each candidate is expected among a
  // batch's: B·q(i) from the positives, + M/N from M uniform draws over N
  // warm items. Without uniform draws that is log q(i) up to a constant,
  // which softmax ignores, so the plain correction is used.
  torch::Tensor sampling_correction(const torch::Tensor& item_ids, std::size_t positives) const {
    const torch::Tensor lq = log_q.index_select(0, item_ids).unsqueeze(0);
    if (config.uniform_negatives == 0 || warm_items.empty()) return lq;
    const double uniform_rate =
        static_cast<double>(config.uniform_negatives) / static_cast<double>(warm_items.size());
    return torch::log(torch::exp(lq) * static_cast<double>(positives) + uniform_rate);
  }
};

std::vector<Index> warm_items(const TrainingData& data) {
  std::vector<Index> warm;
  for (std::size_t i = 0; i < data.item_count.size(); ++i)
    if (data.item_count[i] > 0) warm.push_back(static_cast<Index>(i));
  return warm;
}

// Adam on the dense layers, lazy Adam on the embedding tables, both with
// decoupled (AdamW) weight decay when it is set. The decay is applied here,
// not by torch::optim::AdamW, so a run without decay does no extra pass and
// its optimizer.pt stays the Adam state older checkpoints hold.
struct Optimizers {
  torch::optim::Adam dense;
  LazyAdam sparse;
  double decay_factor;  // 1 - learning_rate × weight_decay per step

  Optimizers(TwoTowerNet& net, double learning_rate, double weight_decay)
      : dense(net->dense_parameters(), torch::optim::AdamOptions(learning_rate)),
        sparse(net->sparse_parameters(), learning_rate, weight_decay),
        decay_factor(1.0 - learning_rate * weight_decay) {}
  void zero_grad() {
    dense.zero_grad();
    sparse.zero_grad();
  }
  void step() {
    if (decay_factor != 1.0) {
      torch::NoGradGuard no_grad;
      for (auto& group : dense.param_groups())
        for (auto& p : group.params()) p.mul_(decay_factor);
    }
    dense.step();
    sparse.step();
  }
  void save(const fs::path& dir) {
    // Not torch::save(value, file name): LibTorch's file writer aborts the
    // process on a failed write (torch_file.h).
    save_torch_file(dir / "optimizer.pt", "the optimizer state",
                    [&](const TorchWriter& writer) { torch::save(dense, writer); });
    save_torch_file(dir / "sparse_optimizer.pt", "the optimizer state",
                    [&](const TorchWriter& writer) { sparse.save(writer); });
  }
  void load(const fs::path& dir) {
    try {
      torch::load(dense, (dir / "optimizer.pt").string());
    } catch (const c10::Error&) {
      throw DataError((dir / "optimizer.pt").string(), 0, 0, "cannot read the optimizer state");
    }
    sparse.load(dir / "sparse_optimizer.pt");
  }
};

// A uniform sample of at most `length` of positions [0, count) other than
// `skip`, in random order: Floyd's algorithm over the count - 1 others, so a
// user with a long history costs O(length²), not O(count), per example.
std::span<const std::uint32_t> sample_others(std::size_t count, std::uint32_t skip,
                                             std::int64_t length, std::mt19937_64& rng,
                                             std::vector<std::uint32_t>& scratch) {
  scratch.clear();
  const std::size_t others = count > 0 ? count - 1 : 0;
  const std::size_t take = std::min(others, static_cast<std::size_t>(length));
  for (std::size_t j = others - take; j < others; ++j) {
    std::uniform_int_distribution<std::size_t> pick(0, j);
    auto value = static_cast<std::uint32_t>(pick(rng));
    if (std::find(scratch.begin(), scratch.end(), value) != scratch.end())
      value = static_cast<std::uint32_t>(j);
    scratch.push_back(value);
  }
  std::shuffle(scratch.begin(), scratch.end(), rng);
  for (auto& position : scratch)
    if (position >= skip) ++position;  // the others are [0, count) without skip
  return scratch;
}

// One pass over the examples; returns the mean loss.
double run_epoch(TwoTowerNet& net, Optimizers& optimizer, const EpochInputs& in, int epoch,
                 bool show_progress) {
  const auto& examples = in.data.examples;
  std::mt19937_64 rng = epoch_rng(in.config.seed, epoch);
  std::vector<std::size_t> order(examples.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::shuffle(order.begin(), order.end(), rng);
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  const bool id_dropout = in.config.cold_start == "content" && in.config.id_dropout > 0;
  std::vector<std::uint32_t> scratch;

  std::optional<Progress> progress;
  if (show_progress)
    // The plugin's copy of the progress routing is not the host's: the host
    // decided (options.progress), so bars.
    progress.emplace(fmt::format("epoch {}/{}", epoch, in.config.epochs), examples.size(), "ex",
                     ProgressOutput::bars);
  net->train();
  double loss_sum = 0;
  const auto batch_size = static_cast<std::size_t>(in.config.batch_size);
  for (std::size_t begin = 0; begin < order.size(); begin += batch_size) {
    const std::size_t end = std::min(order.size(), begin + batch_size);
    UserInputs users;
    users.length = in.config.history_length;
    std::vector<Index> items;
    std::vector<double> times;
    for (std::size_t b = begin; b < end; ++b) {
      const Example& e = examples[order[b]];
      const double t = in.data.example_time(e);
      if (in.data.set_histories)
        append_history_events(users, in.data.histories, e.user,
                              sample_others(in.data.histories.count(e.user), e.position,
                                            users.length, rng, scratch),
                              t, in.catalog.input_id);
      else
        append_history(users, in.data.histories, e.user, e.position, t, in.catalog.input_id);
      items.push_back(in.data.example_item(e));
      times.push_back(t);
    }
    // Candidates: the batch's positives, then `uniform_negatives` items drawn
    // uniformly from the warm ones (mixed negative sampling), each at the
    // time of a batch example.
    const std::size_t positives = items.size();
    for (std::int64_t k = 0; k < in.config.uniform_negatives && !in.warm_items.empty(); ++k) {
      std::uniform_int_distribution<std::size_t> pick(0, in.warm_items.size() - 1);
      items.push_back(in.warm_items[pick(rng)]);
      times.push_back(times[static_cast<std::size_t>(k) % positives]);
    }
    ItemInputs item_in = item_inputs(in.catalog, items, times);
    const torch::Tensor item_ids = to_tensor(item_in.item);  // before id dropout
    if (id_dropout)
      for (auto& id : item_in.item)
        if (uniform(rng) < in.config.id_dropout) id = 0;
    const UserTensors u = to_tensors(users);
    const ItemTensors v = to_tensors(item_in);
    const torch::Tensor user_vectors = net->user_tower(u.history, u.mask, u.age_days);
    const torch::Tensor item_vectors = net->item_tower(net->item_id_vectors(v.item), v.producer,
                                                       v.tokens, v.token_offsets, v.age_days);
    torch::Tensor logits = torch::matmul(user_vectors, item_vectors.t()) / in.config.temperature;
    if (in.config.logq_correction) logits = logits - in.sampling_correction(item_ids, positives);
    // An item is not a negative for itself (twice in a batch, or drawn uniformly).
    const auto b = static_cast<std::int64_t>(positives);
    torch::Tensor same = item_ids.slice(0, 0, b).unsqueeze(1) == item_ids.unsqueeze(0);
    same.slice(1, 0, b).fill_diagonal_(false);
    logits = logits.masked_fill(same, -std::numeric_limits<float>::infinity());
    const auto n = static_cast<std::int64_t>(end - begin);
    const torch::Tensor loss = torch::nn::functional::cross_entropy(logits, torch::arange(n));
    optimizer.zero_grad();
    loss.backward();
    optimizer.step();
    loss_sum += loss.item<double>() * static_cast<double>(n);
    if (progress) progress->add(static_cast<std::uint64_t>(n));
  }
  return examples.empty() ? 0 : loss_sum / static_cast<double>(examples.size());
}

json summary(const RunState& state, const TrainReport& report) {
  json info = {{"best_epoch", state.best_epoch},
               {"best_recall", state.best_recall},
               {"popularity_recall", report.popularity_recall},
               {"train_examples", report.train_examples},
               {"validation_users", report.validation_users},
               {"epochs", json::array()}};
  for (const auto& e : state.epochs) info["epochs"].push_back(to_json(e));
  return info;
}
}  // namespace

namespace {
// Starts from a previous model's weights (incremental retraining, as the
// simulator does every --retrain-interval-days). The weights only mean the
// same thing for the same shapes and the same ids in the same rows.
void warm_start(TwoTowerNet& net, const ModelConfig& config, const Dataset& dataset,
                const fs::path& dir) {
  ModelConfig previous;
  read_model_config(dir / "config.toml", previous);
  for (const ModelConfigSpec& spec : model_config_specs()) {
    if (spec.training_only) continue;
    const bool same = std::visit([&](auto member) { return previous.*member == config.*member; },
                                 spec.field);
    if (!same)
      throw UsageError(fmt::format("warm start from {}: its {} differs from this training's",
                                   dir.string(), spec.name));
  }
  auto same_ids = [&](const char* file, const IdMap& ids) {
    const IdMap stored = read_id_file(dir / file);
    bool same = stored.size() == ids.size();
    for (std::size_t i = 0; same && i < ids.size(); ++i)
      same = stored.id(static_cast<Index>(i)) == ids.id(static_cast<Index>(i));
    if (!same)
      throw UsageError(fmt::format("warm start from {}: {} lists other ids than the dataset",
                                   dir.string(), file));
  };
  same_ids("users.txt", dataset.users);
  same_ids("items.txt", dataset.items);
  same_ids("producers.txt", dataset.producers);
  load_weights(net, dir / "weights.pt");
}
}  // namespace

TrainResult train_native(const Dataset& dataset, const ModelConfig& given,
                         const TrainOptions& options) {
  const fs::path checkpoint = options.out_dir / kCheckpointDir;
  ModelConfig config = given;
  RunState state;
  if (options.resume) {
    if (!fs::exists(checkpoint / "state.json"))
      throw UsageError(fmt::format("--resume: no checkpoint in {}", checkpoint.string()));
    // The checkpoint's config wins: the weights only fit the shapes they were made with.
    read_model_config(checkpoint / "config.toml", config);
    config.epochs = given.epochs;
    config.threads = given.threads;
    state = read_state(checkpoint / "state.json");
  }
  validate(config);
  const ScopedTrainingThreads training_threads(static_cast<int>(config.threads));

  const TrainingData data = prepare_training_data(dataset, config);
  if (data.examples.empty()) throw UsageError("the dataset has no positive events to train on");
  const ItemCatalog catalog =
      make_item_catalog(dataset, dataset.items, dataset.producers, config.token_buckets);
  const Vocabulary vocabulary{dataset.users, dataset.items, dataset.producers, data.item_count};
  // Benchmark hook: bench/bench_train.py trains PyTorch on these exact examples.
  if (const char* dump = std::getenv("INVR_DUMP_TRAINING_DATA"); dump && *dump) {
    write_training_dump(data, catalog, dataset.producers.size(), dump);
    write_model_config(fs::path(dump) / "config.toml", config);
    invr::logger().info("training data written to {}", dump);
  }

  torch::manual_seed(config.seed);
  TwoTowerNet net(config, static_cast<std::int64_t>(dataset.items.size()),
                  static_cast<std::int64_t>(dataset.producers.size()));
  Optimizers optimizer(net, config.learning_rate, config.weight_decay);
  if (options.resume) {
    load_weights(net, checkpoint / "weights.pt");
    optimizer.load(checkpoint);
  } else if (!options.warm_start.empty()) {
    warm_start(net, config, dataset, options.warm_start);
  }
  const torch::Tensor log_q = to_tensor(data.log_q);

  TrainReport report;
  report.train_examples = data.examples.size();
  report.validation_users = data.validation.users.size();
  report.validation_cutoff = data.validation.cutoff;
  report.popularity_recall = popularity_recall(data, static_cast<std::size_t>(config.eval_k));
  const bool validating = !data.validation.empty();
  if (validating)
    invr::logger().info("{} training examples, {} validation users; most-popular Recall@{} = {:.4f}",
                        data.examples.size(), data.validation.users.size(), config.eval_k,
                        report.popularity_recall);

  fs::create_directories(checkpoint);
  const EpochInputs inputs{data, catalog, log_q, config, warm_items(data)};
  const bool show_progress = options.progress;  // the host folded in Progress::enabled()
  // The best epoch's parameters, kept so the returned model is the trained
  // one, not a reload of what was written.
  std::vector<torch::Tensor> best_parameters;
  for (int epoch = state.epochs_done + 1; epoch <= config.epochs; ++epoch) {
    if (validating && state.epochs_without_improvement >= config.patience) break;
    const auto start = std::chrono::steady_clock::now();
    EpochReport e;
    e.epoch = epoch;
    e.loss = run_epoch(net, optimizer, inputs, epoch, show_progress);
    e.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    e.examples_per_second = static_cast<double>(data.examples.size()) / std::max(e.seconds, 1e-9);
    if (validating) e.recall = validation_recall(net, data, catalog, dataset.items, config);
    state.epochs.push_back(e);
    state.epochs_done = epoch;
    // Without validation the latest epoch is the model.
    const bool improved = !validating || e.recall > state.best_recall;
    if (improved) {
      state.best_epoch = epoch;
      state.best_recall = e.recall;
      state.epochs_without_improvement = 0;
      best_parameters.clear();
      for (const auto& p : net->parameters()) best_parameters.push_back(p.detach().clone());
    } else {
      ++state.epochs_without_improvement;
    }
    // Without validation there is no recall to print (a "Recall@20 0.0000
    // (best)" line read as a broken model).
    if (validating)
      invr::logger().info("epoch {}: loss {:.4f}, Recall@{} {:.4f}{}, {} examples/s", epoch, e.loss,
                          config.eval_k, e.recall, improved ? " (best)" : "",
                          human_count(e.examples_per_second));
    else
      invr::logger().info("epoch {}: loss {:.4f} (no validation), {} examples/s", epoch, e.loss,
                          human_count(e.examples_per_second));
    if (improved) save_model_dir(options.out_dir, config, vocabulary, net, summary(state, report));
    // Checkpoint after the model directory, so a resumed run never lacks the best weights.
    write_model_config(checkpoint / "config.toml", config);
    save_weights(net, checkpoint / "weights.pt");
    optimizer.save(checkpoint);
    write_state(checkpoint / "state.json", state);
  }
  if (state.best_epoch == 0) throw UsageError("no epoch was run: raise --epochs to resume");
  report.epochs = state.epochs;
  report.best_epoch = state.best_epoch;
  report.best_recall = std::max(state.best_recall, 0.0);
  TwoTowerNet best(config, static_cast<std::int64_t>(dataset.items.size()),
                   static_cast<std::int64_t>(dataset.producers.size()));
  if (best_parameters.empty()) {
    load_weights(best, options.out_dir / "weights.pt");  // the best epoch ran before a resume
  } else {
    torch::NoGradGuard no_grad;
    auto parameters = best->parameters();
    for (std::size_t p = 0; p < parameters.size(); ++p) parameters[p].copy_(best_parameters[p]);
  }
  return {report, std::make_unique<NativeModel>(config, vocabulary, best)};
}

}  // namespace invr::model
