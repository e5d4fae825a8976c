// The one declaration of the model's configuration: bounds, choices and help.
// `invr train` builds its flags from this table, config.toml is read and
// written from it, and a test checks docs/model.md names every entry.
#include <array>
#include <string>

#include "common/settings_toml.h"
#include "invr/atomic_file.h"
#include "invr/flags.h"
#include "invr/model_config.h"

namespace invr {
namespace {
using C = ModelConfig;
constexpr double kBig = 1e9;
// TOML integers are signed 64-bit; the seed stays within them.
constexpr double kMaxSeed = 9.2e18;

const std::array kSpecs = {
    ModelConfigSpec{"kind", "Which model to train: the two towers (LibTorch) or implicit ALS", 0, 0,
                    "two-tower|als", &C::kind, false},
    ModelConfigSpec{"dim", "Output embedding size d of both towers", 1, 4096, nullptr, &C::dim,
                    false},
    ModelConfigSpec{"embedding_dim", "E: size of the id, producer, token and age embeddings", 1, 4096,
                    nullptr, &C::embedding_dim, false},
    ModelConfigSpec{"hidden_dim", "H: hidden layer size of each tower's MLP", 1, 65536, nullptr,
                    &C::hidden_dim, false},
    ModelConfigSpec{"history_length", "L: most recent positive items the user tower reads", 1,
                    10000, nullptr, &C::history_length, false},
    ModelConfigSpec{"pooling", "How the user tower pools its history", 0, 0, "attention|decay",
                    &C::pooling, false},
    ModelConfigSpec{"decay_half_life_days", "Half-life of history weights for pooling = decay",
                    1e-3, 1e6, nullptr, &C::decay_half_life_days, false},
    ModelConfigSpec{"token_buckets", "B: content tokens hash into B embedding rows", 1, 1 << 26,
                    nullptr, &C::token_buckets, false},
    ModelConfigSpec{"age_buckets", "Item-age buckets (log2 of days; bucket 0 = unknown)", 2, 64,
                    nullptr, &C::age_buckets, false},
    ModelConfigSpec{"normalize", "L2-normalise both towers' outputs (cosine scores)", 0, 1, nullptr,
                    &C::normalize, false},
    ModelConfigSpec{"epochs", "Maximum training epochs", 1, 100000, nullptr, &C::epochs, true},
    ModelConfigSpec{"batch_size", "Positives per batch (also the in-batch negatives)", 2, 1 << 20,
                    nullptr, &C::batch_size, true},
    ModelConfigSpec{"learning_rate", "Adam learning rate", 1e-7, 10, nullptr, &C::learning_rate,
                    true},
    ModelConfigSpec{"weight_decay",
                    "Decoupled (AdamW) weight decay; embedding rows decay only when a batch uses them",
                    0, 100, nullptr, &C::weight_decay, true},
    ModelConfigSpec{"temperature", "Softmax temperature: logits = dot / temperature", 1e-4, 100,
                    nullptr, &C::temperature, true},
    ModelConfigSpec{"logq_correction", "Subtract log(sampling probability) from in-batch logits", 0,
                    1, nullptr, &C::logq_correction, true},
    ModelConfigSpec{"uniform_negatives",
                    "M: extra negatives per batch drawn uniformly from the trained items", 0,
                    1 << 20, nullptr, &C::uniform_negatives, true},
    ModelConfigSpec{"train_history",
                    "Training histories: positives before the example, or a sample of the "
                    "user's other positives; auto = others when the data has no timestamps",
                    0, 0, "auto|before|others", &C::train_history, true},
    ModelConfigSpec{"cold_start", "How items without interactions are embedded", 0, 0,
                    "random|content", &C::cold_start, false},
    ModelConfigSpec{"id_dropout", "P(item id replaced by the unknown id) per training positive, when cold_start = content",
                    0, 1, nullptr, &C::id_dropout, true},
    ModelConfigSpec{"validation_fraction",
                    "Share of positives held out for early stopping (see validation_split); 0 = none, the "
                    "last epoch wins", 0, 0.9,
                    nullptr, &C::validation_fraction, true},
    ModelConfigSpec{"validation_split",
                    "Validation rows: one temporal cutoff, each user's latest rows, or seeded "
                    "random; auto = temporal with timestamps, else random",
                    0, 0, "auto|temporal|user-temporal|random", &C::validation_split, true},
    ModelConfigSpec{"patience", "Epochs without a better validation recall before stopping", 1,
                    100000, nullptr, &C::patience, true},
    ModelConfigSpec{"eval_k", "k of the validation Recall@k", 1, 100000, nullptr, &C::eval_k, true},
    ModelConfigSpec{"max_validation_users", "Validation users sampled (seeded) at most", 1, kBig,
                    nullptr, &C::max_validation_users, true},
    ModelConfigSpec{"seed", "Random seed (initialisation, shuffling, dropout)", 0, kMaxSeed, nullptr,
                    &C::seed, true},
    ModelConfigSpec{"threads", "LibTorch and OpenBLAS threads; 0 = their defaults. 1 makes training deterministic",
                    0, 1024, nullptr, &C::threads, true},
    ModelConfigSpec{"als_alpha", "ALS: confidence c = 1 + alpha * (positive events on the item)", 0,
                    1e6, nullptr, &C::als_alpha, true},
    ModelConfigSpec{"als_regularization", "ALS: L2 regularisation lambda of user and item factors",
                    1e-6, 1e6, nullptr, &C::als_regularization, true},
    ModelConfigSpec{"als_iterations", "ALS: sweeps (users, then items) over the data", 1, 10000,
                    nullptr, &C::als_iterations, true},
    ModelConfigSpec{"als_cg_steps", "ALS: conjugate-gradient steps per row and sweep (warm-started)",
                    1, 4096, nullptr, &C::als_cg_steps, true},
    ModelConfigSpec{"als_content_buckets",
                    "ALS: hashed content features (producer, tokens) of the cold-item regression",
                    1, 16384, nullptr, &C::als_content_buckets, true},
    ModelConfigSpec{"als_content_regularization",
                    "ALS: ridge lambda of the content -> item factor regression (cold items)", 1e-6,
                    1e9, nullptr, &C::als_content_regularization, true},
};

}  // namespace

std::span<const ModelConfigSpec> model_config_specs() { return kSpecs; }

std::string config_flag(const char* name) { return flag_name(name); }

std::string validation_protocol(const ModelConfig& config, bool has_timestamps) {
  if (config.validation_split != "auto") return config.validation_split;
  return has_timestamps ? "temporal" : "random";
}

void validate(const ModelConfig& config) { validate_settings(model_config_specs(), config); }

void read_model_config(const std::filesystem::path& path, ModelConfig& config) {
  read_toml_settings(parse_toml_file(path), path, model_config_specs(), config, "",
                     "docs/model.md");
}

void write_model_config(const std::filesystem::path& path, const ModelConfig& config) {
  write_text_atomically(path, "# invr two-tower model configuration; see docs/model.md\n" +
                                  settings_toml(model_config_specs(), config, true));
}

}  // namespace invr
