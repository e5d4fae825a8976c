// invr.CandidateStore: generations of per-user lists in RocksDB or Redis
// (include/invr/store.h), so Python reads and writes them without knowing
// the value format (docs/store.md).
#include <fmt/format.h>
#include <pybind11/stl.h>

#include <memory>
#include <optional>
#include <string>

#include "arrays.h"
#include "invr/candidates.h"
#include "invr/error.h"
#include "invr/store.h"

namespace invr::python {
namespace {

// {"random": [(item, score, user_rank), ...], "score": [...], "user_rank": [...]},
// plus "target" when the value has a target list (docs/assignment.md).
py::dict lists_dict(const StoredCandidates& lists) {
  py::dict out;
  for (Ordering o : kAllOrderings) {
    if (o == Ordering::target && lists.of(o).empty()) continue;
    py::list rows;
    for (const StoredCandidate& c : lists.of(o)) rows.append(py::make_tuple(c.item, c.score, c.user_rank));
    out[ordering_name(o)] = rows;
  }
  return out;
}

StoredCandidates lists_from(const py::dict& lists) {
  StoredCandidates out;
  for (const auto& [key, rows] : lists) {
    const auto name = py::isinstance<py::str>(key) ? key.cast<std::string>() : std::string(py::repr(key));
    const auto ordering = parse_ordering(name);
    if (!ordering)
      throw py::value_error(fmt::format("lists: unknown ordering '{}' (random, score, user_rank, target)", name));
    auto& target = out.by_ordering[static_cast<std::size_t>(*ordering)];
    for (py::handle row : py::iter(rows)) {
      const auto t = py::reinterpret_borrow<py::tuple>(row);
      if (!py::isinstance<py::tuple>(row) || t.size() != 3)
        throw py::value_error(fmt::format("lists['{}']: expected (item, score, user_rank) tuples", name));
      target.push_back(StoredCandidate{t[0].cast<std::string>(), t[1].cast<float>(), t[2].cast<std::int32_t>()});
    }
  }
  return out;
}

class Writer {
 public:
  explicit Writer(std::unique_ptr<GenerationWriter> writer) : writer_(std::move(writer)) {}
  const std::string& id() const { return writer_->id(); }
  void put(const std::string& user, const py::dict& lists) {
    const StoredCandidates stored = lists_from(lists);
    py::gil_scoped_release release;
    writer_->put(user, stored);
  }
  // Whole inverse_retrieve output at once: CSR per ordering plus the ids of
  // the rows (users' and items'), as the job writes them.
  void put_csr(const py::dict& lists, const std::vector<std::string>& user_ids,
               const std::vector<std::string>& item_ids);
  void commit(const std::string& manifest) {
    py::gil_scoped_release release;
    writer_->commit(manifest);
  }
  void abort() { writer_->abort(); }
  std::size_t users_written() const { return writer_->users_written(); }

 private:
  std::unique_ptr<GenerationWriter> writer_;
};

void Writer::put_csr(const py::dict& lists, const std::vector<std::string>& user_ids,
                     const std::vector<std::string>& item_ids) {
  struct Column {
    std::vector<std::int64_t> offsets, items;
    std::vector<float> scores;
    std::vector<std::int64_t> ranks;
  };
  std::array<std::optional<Column>, kOrderings> columns;
  const auto users = static_cast<std::int64_t>(user_ids.size());
  for (const auto& [key, value] : lists) {
    const auto name = key.cast<std::string>();
    const auto ordering = parse_ordering(name);
    if (!ordering) throw py::value_error(fmt::format("lists: unknown ordering '{}'", name));
    const auto csr = value.cast<py::dict>();
    const auto scores = py::array_t<float, py::array::c_style | py::array::forcecast>::ensure(csr["scores"]);
    if (!scores || scores.ndim() != 1)
      throw py::value_error(fmt::format("lists['{}']['scores']: expected a 1-D float array", name));
    Column c{int_vector(csr["offsets"], "offsets"), int_vector(csr["items"], "items"),
             std::vector<float>(scores.data(), scores.data() + scores.size()),
             int_vector(csr["user_ranks"], "user_ranks")};
    const auto n = static_cast<std::int64_t>(c.items.size());
    if (static_cast<std::int64_t>(c.offsets.size()) != users + 1 || c.offsets.front() != 0 ||
        c.offsets.back() != n)
      throw py::value_error(fmt::format("lists['{}']['offsets']: expected len(user_ids) + 1 = {} entries "
                                        "from 0 to len(items)", name, users + 1));
    if (static_cast<std::int64_t>(c.scores.size()) != n || static_cast<std::int64_t>(c.ranks.size()) != n)
      throw py::value_error(fmt::format("lists['{}']: scores and user_ranks need one entry per item", name));
    for (std::int64_t u = 0; u < users; ++u)
      if (c.offsets[static_cast<std::size_t>(u) + 1] < c.offsets[static_cast<std::size_t>(u)])
        throw py::value_error(fmt::format("lists['{}']['offsets'] decrease at user {}", name, u));
    for (std::int64_t item : c.items)
      if (item < 0 || item >= static_cast<std::int64_t>(item_ids.size()))
        throw py::value_error(fmt::format("lists['{}']['items']: {} is not an index of item_ids", name, item));
    columns[static_cast<std::size_t>(*ordering)] = std::move(c);
  }
  py::gil_scoped_release release;  // checked above; the writes touch no Python object
  for (std::int64_t u = 0; u < users; ++u) {
    StoredCandidates stored;
    for (std::size_t o = 0; o < kOrderings; ++o) {
      if (!columns[o]) continue;
      const Column& c = *columns[o];
      for (auto i = c.offsets[static_cast<std::size_t>(u)]; i < c.offsets[static_cast<std::size_t>(u) + 1]; ++i)
        stored.by_ordering[o].push_back(StoredCandidate{item_ids[static_cast<std::size_t>(c.items[static_cast<std::size_t>(i)])],
                                                        c.scores[static_cast<std::size_t>(i)], static_cast<std::int32_t>(c.ranks[static_cast<std::size_t>(i)])});
    }
    if (!stored.empty()) writer_->put(user_ids[static_cast<std::size_t>(u)], stored);
  }
}

std::shared_ptr<CandidateStore> open(const std::string& uri, double grace_seconds, bool create_if_missing) {
  StoreOptions options;
  if (!(grace_seconds >= 0))
    throw py::value_error(fmt::format("grace_seconds must be >= 0, got {}", grace_seconds));
  options.grace_seconds = grace_seconds;
  options.create_if_missing = create_if_missing;
  py::gil_scoped_release release;
  return std::shared_ptr<CandidateStore>(open_store(uri, options));
}

}  // namespace

void bind_store(py::module_& m) {
  py::class_<Writer>(m, "GenerationWriter",
                     "Fills one generation; commit() makes it current. Used as a context manager it "
                     "aborts when the block raises or ends uncommitted.")
      .def_property_readonly("id", &Writer::id)
      .def_property_readonly("users_written", &Writer::users_written)
      .def("put", &Writer::put, py::arg("user"), py::arg("lists"),
           "Stores one user's lists: {ordering: [(item_id, score, user_rank), ...]}.")
      .def("put_csr", &Writer::put_csr, py::arg("lists"), py::arg("user_ids"), py::arg("item_ids"),
           "Stores inverse_retrieve's output: row r of the CSR lists is user_ids[r], item index i is item_ids[i].")
      .def("commit", &Writer::commit, py::arg("manifest") = "{}",
           "Makes the generation current; manifest: a JSON object (text).")
      .def("abort", &Writer::abort)
      .def("__enter__", [](Writer& w) -> Writer& { return w; }, py::return_value_policy::reference)
      .def("__exit__", [](Writer& w, py::handle, py::handle, py::handle) { w.abort(); return false; });

  py::class_<CandidateStore, std::shared_ptr<CandidateStore>>(
      m, "CandidateStore", "Generations of candidate lists: \"rocksdb:PATH\", PATH or \"redis://HOST:PORT[/DB][?prefix=P]\".")
      .def(py::init(&open), py::arg("uri"), py::arg("grace_seconds") = StoreOptions{}.grace_seconds,
           py::arg("create_if_missing") = StoreOptions{}.create_if_missing)
      .def_property_readonly("uri", &CandidateStore::uri)
      .def("current", &CandidateStore::current, "The served generation id, or None.")
      .def("generations", [](const CandidateStore& s) {
             py::list out;
             for (const auto& g : s.generations()) out.append(py::make_tuple(g.id, g.commit_time_ms));
             return out;
           }, "Committed generations kept, oldest first: [(id, commit_time_ms), ...].")
      .def("manifest", &CandidateStore::manifest, py::arg("generation"), "The manifest (JSON text).")
      .def("get", [](const CandidateStore& s, const std::string& user, std::optional<std::string> generation) -> py::object {
             std::optional<StoredCandidates> lists;
             {
               py::gil_scoped_release release;
               if (!generation) generation = s.current();
               if (!generation) throw UsageError(s.uri() + " has no committed generation yet");
               lists = s.get(*generation, user);
             }
             return lists ? py::object(lists_dict(*lists)) : py::object(py::none());
           }, py::arg("user"), py::arg("generation") = py::none(),
           "One user's lists {ordering: [(item_id, score, user_rank)]} in `generation` (default: the "
           "current one), or None.")
      .def("begin_generation", [](CandidateStore& s, const std::string& id) {
             return std::make_unique<Writer>(s.begin_generation(id.empty() ? make_generation_id() : id));
           }, py::arg("id") = "", py::keep_alive<0, 1>(), "A writer for a new generation (id: a time-based one when empty).")
      .def("remove_expired", &CandidateStore::remove_expired);
}

}  // namespace invr::python
