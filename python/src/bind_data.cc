// invr.Dataset (load_atomic and what the job derives from a dataset) and
// invr.exposure_metrics (the one implementation `invr metrics` prints).
#include <fmt/format.h>
#include <pybind11/stl.h>

#include <cmath>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "arrays.h"
#include "invr/atomic_io.h"
#include "invr/data.h"
#include "invr/exposure_log.h"
#include "invr/inverse.h"
#include "invr/metrics.h"

namespace invr::python {
namespace {

using DatasetPtr = std::shared_ptr<Dataset>;  // pybind11 holders cannot be const; nothing mutates it

template <class T>
py::array_t<T> copy_of(const std::vector<T>& values) {
  return to_numpy(std::vector<T>(values));
}

DatasetPtr load_dataset(const std::string& dir, const std::string& name, const std::string& producer_column,
                        bool cache) {
  AtomicLoadOptions options;
  options.producer_column = producer_column;
  options.cache = cache;  // off by default: a library call writes no file it was not asked to
  py::gil_scoped_release release;
  return std::make_shared<Dataset>(load_atomic(dir, name, options));
}

py::dict interactions(const Dataset& d) {
  const Interactions& x = d.interactions;
  std::vector<std::uint8_t> events(x.event.size());
  for (std::size_t i = 0; i < events.size(); ++i) events[i] = static_cast<std::uint8_t>(x.event[i]);
  py::dict out;
  out["user"] = copy_of(x.user);
  out["item"] = copy_of(x.item);
  out["timestamp"] = copy_of(x.timestamp);
  out["event"] = to_numpy(std::move(events));
  out["value"] = copy_of(x.value);
  return out;
}

double as_of_from(std::optional<double> as_of) { return as_of ? *as_of : kNoTime; }

py::tuple seen(const Dataset& d, std::optional<double> as_of) {
  SeenItems s;
  {
    py::gil_scoped_release release;
    s = seen_items(d, as_of_from(as_of));
  }
  return py::make_tuple(to_numpy(std::move(s.offsets)), to_numpy(std::move(s.items)));
}

py::dict exposure_log(const Dataset& d, const std::string& path) {
  ExposureLog log;
  {
    py::gil_scoped_release release;
    log = read_exposure_log(path, d.items);
  }
  py::dict out;
  out["user"] = to_numpy(std::move(log.user));
  out["item"] = to_numpy(std::move(log.item));
  out["position"] = to_numpy(std::move(log.position));
  out["clicked"] = to_numpy(std::move(log.clicked));
  out["timestamp"] = to_numpy(std::move(log.timestamp));
  out["user_ids"] = log.users.ids();
  return out;
}

py::object index_or_none(const IdMap& map, const std::string& id) {
  const Index i = map.find(id);
  return i == kNoIndex ? py::object(py::none()) : py::object(py::int_(i));
}

// Checks an integer column against [0, limit) and returns it as Index values.
std::vector<Index> index_column(py::handle arg, const char* name, std::int64_t limit, const char* what) {
  const auto values = int_vector(arg, name);
  std::vector<Index> out(values.size());
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (values[i] < 0 || values[i] >= limit)
      throw py::value_error(fmt::format("{}[{}] = {} is not {} (0..{})", name, i, values[i], what, limit - 1));
    out[i] = static_cast<Index>(values[i]);
  }
  return out;
}


py::dict exposure_metrics_of(py::handle user_arg, py::handle item_arg, py::handle clicked_arg,
                             py::handle producer_arg, py::handle treated_arg, std::int64_t sufficient,
                             py::handle popularity_arg, double short_head_share) {
  constexpr std::int64_t kMaxIndex = std::numeric_limits<Index>::max();
  const auto producers = int_vector(producer_arg, "item_producer");
  ItemTable table;
  table.producer.resize(producers.size());
  table.publish_time.assign(producers.size(), kNoTime);
  table.token_offsets.assign(producers.size() + 1, 0);
  for (std::size_t i = 0; i < producers.size(); ++i) {
    if (producers[i] < 0 || producers[i] > kMaxIndex)
      throw py::value_error(fmt::format("item_producer[{}] = {} is not a producer index (>= 0)", i, producers[i]));
    table.producer[i] = static_cast<Index>(producers[i]);
  }
  const auto items = static_cast<std::int64_t>(producers.size());
  ExposureLog log;
  log.item = index_column(item_arg, "item", items, "an item index of item_producer");
  log.user = index_column(user_arg, "user", kMaxIndex, "a user index");
  const auto clicked = int_vector(clicked_arg, "clicked");
  if (log.user.size() != log.item.size() || clicked.size() != log.item.size())
    throw py::value_error(fmt::format("user, item and clicked must have one entry per impression; got "
                                      "lengths {}, {} and {}", log.user.size(), log.item.size(), clicked.size()));
  log.clicked.resize(clicked.size());
  for (std::size_t i = 0; i < clicked.size(); ++i) {
    if (clicked[i] != 0 && clicked[i] != 1)
      throw py::value_error(fmt::format("clicked[{}] = {}: expected 0 or 1", i, clicked[i]));
    log.clicked[i] = static_cast<std::uint8_t>(clicked[i]);
  }
  log.position.assign(log.item.size(), 0);
  log.timestamp.assign(log.item.size(), kNoTime);
  log.arm.assign(log.item.size(), kNoIndex);

  ExposureMetricsParams params;
  if (sufficient < 0) throw py::value_error(fmt::format("sufficient must be >= 0, got {}", sufficient));
  params.sufficient = static_cast<std::uint64_t>(sufficient);
  if (!(short_head_share >= 0.0 && short_head_share <= 1.0))
    throw py::value_error(fmt::format("short_head_share must be in [0, 1], got {}", short_head_share));
  params.short_head_share = short_head_share;
  if (!treated_arg.is_none())
    params.treated = index_column(treated_arg, "treated", items, "an item index of item_producer");
  if (!popularity_arg.is_none()) {
    const auto popularity = int_vector(popularity_arg, "popularity");
    if (static_cast<std::int64_t>(popularity.size()) != items)
      throw py::value_error(fmt::format("popularity: expected one count per item ({}), got {}", items,
                                        popularity.size()));
    std::vector<std::uint64_t> counts(popularity.size());
    for (std::size_t i = 0; i < counts.size(); ++i) {
      if (popularity[i] < 0) throw py::value_error(fmt::format("popularity[{}] = {} is negative", i, popularity[i]));
      counts[i] = static_cast<std::uint64_t>(popularity[i]);
    }
    params.popularity = std::move(counts);
  }
  ExposureMetrics m;
  {
    py::gil_scoped_release release;
    m = exposure_metrics(log, table, params);
  }
  // The same object `invr metrics` prints (one library function writes both).
  return py::module_::import("json")
      .attr("loads")(exposure_metrics_json(m, params, producers.size()))
      .cast<py::dict>();
}

}  // namespace

void bind_data(py::module_& m) {
  py::class_<Dataset, DatasetPtr>(m, "Dataset", "A dataset in RecBole's atomic files (docs/formats.md); immutable.")
      .def_static("load", &load_dataset, py::arg("dir"), py::arg("name") = "",
                  py::arg("producer_column") = AtomicLoadOptions{}.producer_column, py::arg("cache") = false,
                  "Loads DIR/NAME.inter (+ .item, .user). name: the single NAME.inter when empty. "
                  "cache: keep the load cache next to the data (off: writes nothing).")
      .def_property_readonly("name", [](const Dataset& d) { return d.name; })
      .def_property_readonly("num_users", [](const Dataset& d) { return d.users.size(); })
      .def_property_readonly("num_items", [](const Dataset& d) { return d.items.size(); })
      .def_property_readonly("num_producers", [](const Dataset& d) { return d.producers.size(); })
      .def_property_readonly("user_ids", [](const Dataset& d) { return d.users.ids(); },
                             "External user ids, by user index (a new list each call).")
      .def_property_readonly("item_ids", [](const Dataset& d) { return d.items.ids(); })
      .def_property_readonly("producer_ids", [](const Dataset& d) { return d.producers.ids(); })
      .def("user_index", [](const Dataset& d, const std::string& id) { return index_or_none(d.users, id); },
           py::arg("id"), "The user's index, or None.")
      .def("item_index", [](const Dataset& d, const std::string& id) { return index_or_none(d.items, id); },
           py::arg("id"), "The item's index, or None.")
      .def_property_readonly("item_producer", [](const Dataset& d) { return copy_of(d.item_table.producer); },
                             "Producer index per item (int32, a copy).")
      .def_property_readonly("item_publish_time", [](const Dataset& d) { return copy_of(d.item_table.publish_time); },
                             "Publish time per item, seconds (NaN = unknown; a copy).")
      .def("interactions", &interactions,
           "The interactions as columns (copies): user, item (int32), timestamp (float64, NaN = none), "
           "event (uint8: 0 interaction, 1 impression, 2 click, ...), value (float32).")
      .def("seen_items", &seen, py::arg("as_of") = py::none(),
           "Each user's positive items before as_of as CSR (offsets uint64, items int32), the lists "
           "the job leaves out (invr::seen_items).")
      .def("read_exposure_log", &exposure_log, py::arg("path"),
           "Reads an exposure log TSV whose items are this dataset's: dict of user, item, position, "
           "clicked, timestamp arrays and user_ids (the log's own user ids).")
      .def("read_item_list", [](const Dataset& d, const std::string& path) {
             return to_numpy(read_item_list(path, d.items));
           }, py::arg("path"), "Item indices of a file of item ids, one per line (invr metrics --treated).")
      .def("item_popularity", [](const Dataset& train, const Dataset& catalog) {
             return to_numpy(item_popularity(train, catalog.items));
           }, py::arg("catalog"),
           "Distinct users with a positive event per item of `catalog` (matched by id): the "
           "popularity `invr metrics --interactions` uses.");

  m.def("_exposure_metrics", &exposure_metrics_of, py::arg("user"), py::arg("item"), py::arg("clicked"),
        py::arg("item_producer"), py::arg("treated") = py::none(),
        py::arg("sufficient") = ExposureMetricsParams{}.sufficient, py::arg("popularity") = py::none(),
        py::arg("short_head_share") = ExposureMetricsParams{}.short_head_share,
        "Exposure metrics of an impression log given as index arrays (see invr.exposure_metrics).");
}

}  // namespace invr::python
