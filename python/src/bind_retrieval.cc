// invr.topk and invr.inverse_retrieve: the library calls `invr topk` and the
// job make (exact_search / make_index, top_users_per_item, invert), on the
// caller's arrays.
#include <fmt/format.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <memory>
#include <numeric>
#include <optional>
#include <string>
#include <vector>

#include "arrays.h"
#include "invr/candidates.h"
#include "invr/inverse.h"
#include "invr/retrieval.h"
#include "settings_args.h"

namespace invr::python {
namespace {

constexpr std::int64_t kMaxK = 1 << 20;  // `invr topk --k`'s bound

struct TopkKnobs {
  SearchParams search;
  IndexParams index;
};

// The knobs of `invr topk`, by the names of its flags (snake_case).
TopkKnobs topk_knobs(const py::kwargs& knobs) {
  TopkKnobs out;
  const auto as_int = [](const char* name, py::handle value, std::int64_t lo, std::int64_t hi) {
    if (!py::isinstance<py::int_>(value) || py::isinstance<py::bool_>(value))
      throw py::value_error(fmt::format("{}: expected an int", name));
    const auto v = value.cast<std::int64_t>();
    check_range(name, v, lo, hi);
    return static_cast<int>(v);
  };
  constexpr std::int64_t kIntMax = std::numeric_limits<int>::max();
  for (const auto& [key, value] : knobs) {
    const auto name = key.cast<std::string>();
    if (name == "threads") out.search.threads = out.index.threads = as_int("threads", value, 0, 4096);
    else if (name == "ef_search") out.search.ef_search = as_int("ef_search", value, 0, kIntMax);
    else if (name == "nprobe") out.search.nprobe = as_int("nprobe", value, 0, kIntMax);
    else if (name == "query_block") out.search.query_block = as_int("query_block", value, 0, kIntMax);
    else if (name == "base_block") out.search.base_block = as_int("base_block", value, 0, kIntMax);
    else if (name == "hnsw_m") out.index.hnsw_m = as_int("hnsw_m", value, 2, 512);
    else if (name == "ef_construction") out.index.ef_construction = as_int("ef_construction", value, 1, 1 << 16);
    else if (name == "nlist") out.index.nlist = as_int("nlist", value, 0, kIntMax);
    else
      throw py::value_error(fmt::format(
          "topk: unknown knob '{}' (known: threads, ef_search, nprobe, query_block, base_block, "
          "hnsw_m, ef_construction, nlist)", name));
  }
  return out;
}

py::tuple topk(py::handle queries_arg, py::handle base_arg, std::int64_t k, const std::string& backend,
               const py::kwargs& knobs) {
  const FloatMatrix queries = float_matrix(queries_arg, "queries");
  const FloatMatrix base = float_matrix(base_arg, "base");
  if (queries.view.cols != base.view.cols)
    throw py::value_error(fmt::format("queries have dimension {} but base has {}; both need the same "
                                      "number of columns", queries.view.cols, base.view.cols));
  check_range("k", k, 1, kMaxK);
  if (base.view.rows >= (std::int64_t{1} << 32))
    throw py::value_error(fmt::format("base: at most 2^32 - 1 rows, got {}", base.view.rows));
  if (backend.empty()) throw py::value_error("backend: empty (use \"exact\", \"hnsw32\", \"ivf1024\", ...)");
  const TopkKnobs settings = topk_knobs(knobs);
  const std::int64_t n = queries.view.rows;
  py::array_t<RowId> ids({n, k});
  py::array_t<float> scores({n, k});
  RowId* ids_out = ids.mutable_data();
  float* scores_out = scores.mutable_data();
  {
    py::gil_scoped_release release;
    check_embeddings(queries.view, "queries");
    check_embeddings(base.view, "base");
    if (backend == "exact") {
      exact_search(queries.view, base.view, static_cast<int>(k), scores_out, ids_out, settings.search);
    } else {
      auto index = make_index(backend, static_cast<int>(base.view.cols), settings.index);
      index->add(base.view.rows, base.view.data);
      index->search(n, queries.view.data, static_cast<int>(k), scores_out, ids_out, settings.search);
    }
  }
  return py::make_tuple(ids, scores);
}

// Each user's seen items as SeenItems (CSR, lists sorted and deduplicated
// here: contains() binary-searches them).
SeenItems seen_from(py::handle offsets_arg, py::handle items_arg, std::int64_t users, std::int64_t items) {
  SeenItems seen;
  if (offsets_arg.is_none() && items_arg.is_none()) return seen;
  if (offsets_arg.is_none() || items_arg.is_none())
    throw py::value_error("seen: give both offsets and items (CSR), or neither");
  const auto offsets = int_vector(offsets_arg, "seen offsets");
  const auto list = int_vector(items_arg, "seen items");
  if (static_cast<std::int64_t>(offsets.size()) != users + 1)
    throw py::value_error(fmt::format("seen offsets: expected {} entries (users + 1), got {}", users + 1,
                                      offsets.size()));
  if (offsets.front() != 0 || offsets.back() != static_cast<std::int64_t>(list.size()))
    throw py::value_error(fmt::format("seen offsets: must start at 0 and end at len(items) = {}",
                                      list.size()));
  seen.offsets.assign(1, 0);
  seen.items.reserve(list.size());
  for (std::int64_t u = 0; u < users; ++u) {
    const auto begin = offsets[static_cast<std::size_t>(u)];
    const auto end = offsets[static_cast<std::size_t>(u) + 1];
    if (end < begin) throw py::value_error(fmt::format("seen offsets: decrease at user {}", u));
    const auto first = seen.items.size();
    for (auto i = begin; i < end; ++i) {
      const auto item = list[static_cast<std::size_t>(i)];
      if (item < 0 || item >= items)
        throw py::value_error(fmt::format("seen items: item {} of user {} is not a row of "
                                          "item_embeddings (0..{})", item, u, items - 1));
      seen.items.push_back(static_cast<Index>(item));
    }
    std::sort(seen.items.begin() + static_cast<std::ptrdiff_t>(first), seen.items.end());
    seen.items.erase(std::unique(seen.items.begin() + static_cast<std::ptrdiff_t>(first), seen.items.end()),
                     seen.items.end());
    seen.offsets.push_back(seen.items.size());
  }
  return seen;
}

std::vector<Ordering> orderings_from(py::handle arg) {
  // invert() computes the paper's three; target is the job's assignment.
  if (arg.is_none()) return {kAllOrderings.begin(), kAllOrderings.begin() + kInvertedOrderings};
  if (py::isinstance<py::str>(arg))
    throw py::value_error("orderings: expected a list of names, e.g. [\"user_rank\"], got a str");
  std::vector<Ordering> out;
  for (py::handle name : py::iter(arg)) {
    const auto parsed = py::isinstance<py::str>(name) ? parse_ordering(name.cast<std::string>()) : std::nullopt;
    if (!parsed)
      throw py::value_error(fmt::format("orderings: unknown ordering {} (random, score, user_rank)",
                                        std::string(py::repr(name))));
    out.push_back(*parsed);
  }
  return out;
}

py::dict csr_of(CandidateLists& lists, Ordering ordering) {
  const auto o = static_cast<std::size_t>(ordering);
  std::vector<Index> items(lists.lists[o].size());
  std::vector<float> scores(items.size());
  std::vector<std::int32_t> ranks(items.size());
  for (std::size_t i = 0; i < items.size(); ++i) {
    const Candidate& c = lists.lists[o][i];
    items[i] = c.item;
    scores[i] = c.score;
    ranks[i] = c.user_rank;
  }
  py::dict out;
  out["offsets"] = to_numpy(std::move(lists.offsets[o]));
  out["items"] = to_numpy(std::move(items));
  out["scores"] = to_numpy(std::move(scores));
  out["user_ranks"] = to_numpy(std::move(ranks));
  return out;
}

py::dict inverse_retrieve(py::handle items_arg, py::handle users_arg, py::handle seen_offsets,
                          py::handle seen_items_arg, py::handle orderings_arg, const py::kwargs& settings) {
  const FloatMatrix items = float_matrix(items_arg, "item_embeddings");
  const FloatMatrix users = float_matrix(users_arg, "user_embeddings");
  if (items.view.cols != users.view.cols)
    throw py::value_error(fmt::format("item_embeddings have dimension {} but user_embeddings {}; both "
                                      "need the same number of columns", items.view.cols, users.view.cols));
  constexpr std::int64_t kMaxRows = std::numeric_limits<Index>::max();
  check_range("item_embeddings rows", items.view.rows, 0, kMaxRows);
  check_range("user_embeddings rows", users.view.rows, 0, kMaxRows);
  RetrievalSettings retrieval;
  InversionParams inversion;
  for (const auto& [key, value] : settings) {
    const auto name = key.cast<std::string>();
    if (!set_setting(retrieval_settings_specs(), retrieval, name, value) &&
        !set_setting(inversion_param_specs(), inversion, name, value))
      throw py::value_error(fmt::format("inverse_retrieve: unknown setting '{}' (the [retrieval] and "
                                        "[inversion] settings of docs/inverse.md)", name));
  }
  check_settings(retrieval_settings_specs(), retrieval);
  check_settings(inversion_param_specs(), inversion);
  validate(retrieval, static_cast<int>(items.view.cols));  // the index spec, for this dimension
  validate(inversion);
  const SeenItems seen = seen_from(seen_offsets, seen_items_arg, users.view.rows, items.view.rows);
  const std::vector<Ordering> orderings = orderings_from(orderings_arg);

  CandidateLists lists;
  {
    py::gil_scoped_release release;
    check_embeddings(items.view, "item_embeddings");
    check_embeddings(users.view, "user_embeddings");
    const ItemTopUsers top = top_users_per_item(items.view, users.view, retrieval);
    // Rows are the indices: every item row is pushed to the users' rows.
    std::vector<Index> item_rows(static_cast<std::size_t>(items.view.rows));
    std::vector<Index> user_rows(static_cast<std::size_t>(users.view.rows));
    std::iota(item_rows.begin(), item_rows.end(), 0);
    std::iota(user_rows.begin(), user_rows.end(), 0);
    lists = invert(top, item_rows, user_rows, user_rows.size(), seen, inversion);
  }
  py::dict out;
  for (Ordering o : orderings) out[ordering_name(o)] = csr_of(lists, o);
  return out;
}

}  // namespace

void bind_retrieval(py::module_& m) {
  m.def("topk", &topk, py::arg("queries"), py::arg("base"), py::arg("k"), py::arg("backend") = "exact",
        R"doc(Top-k rows of `base` by inner product for each row of `queries` (`invr topk`).

queries (n x d) and base (m x d): float32 C-contiguous arrays are read in
place; other numeric arrays are converted once. Returns (ids, scores): int64
and float32 arrays of shape (n, k), best first, ties by smaller id; slots
past m hold id -1 and score -inf. backend: "exact", "hnsw[M]", "ivf[N]" or a
FAISS factory string. Knobs: threads, ef_search, nprobe, query_block,
base_block, hnsw_m, ef_construction, nlist. The GIL is released while it runs.)doc");
  m.def("_inverse_retrieve", &inverse_retrieve, py::arg("item_embeddings"), py::arg("user_embeddings"),
        py::arg("seen_offsets") = py::none(), py::arg("seen_items") = py::none(),
        py::arg("orderings") = py::none(),
        "Item -> top-N users, inverted into per-user CSR lists (see invr.inverse_retrieve).");
}

}  // namespace invr::python
