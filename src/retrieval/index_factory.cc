// make_index / load_index: spec strings to backends.
#include <algorithm>
#include <cctype>
#include <optional>

#include <fmt/format.h>

#include "index_file.h"
#include "invr/error.h"
#include "invr/retrieval.h"

namespace invr {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// For "hnsw", "hnsw32", "ivf1024,flat" (and "ivf1024" of "ivf1024,int8"): the number after prefix (0 when
// absent), or nullopt if the spec is not this short form.
std::optional<int> short_form(const std::string& spec, std::string_view prefix) {
  if (!spec.starts_with(prefix)) return std::nullopt;
  std::string_view rest = std::string_view(spec).substr(prefix.size());
  if (rest.ends_with(",flat")) rest.remove_suffix(5);
  if (rest.empty()) return 0;
  if (rest.size() > 7 || !std::all_of(rest.begin(), rest.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return std::nullopt;
  return std::stoi(std::string(rest));
}

}  // namespace

std::unique_ptr<VectorIndex> make_index(std::string_view spec, int dim, const IndexParams& params) {
  if (dim < 1) throw UsageError(fmt::format("index '{}': dimension must be at least 1, got {}", spec, dim));
  const std::string name = lower(spec);
  if (name == "exact") return retrieval::make_exact_index(dim);
  if (auto m = short_form(name, "hnsw")) {
    const int links = *m > 0 ? *m : params.hnsw_m;
    if (links < 2) throw UsageError(fmt::format("index '{}': HNSW needs M >= 2, got {}", spec, links));
    return retrieval::make_faiss_index(std::string(spec), fmt::format("HNSW{},Flat", links), dim, params);
  }
  if (name.ends_with(",int8")) {
    if (auto lists = short_form(name.substr(0, name.size() - 5), "ivf")) {
      const int nlist = *lists > 0 ? *lists : params.nlist;
      return retrieval::make_ivf_int8_index(std::string(spec), nlist, dim, params);
    }
  }
  if (auto lists = short_form(name, "ivf")) {
    const int nlist = *lists > 0 ? *lists : params.nlist;
    // nlist 0: sized from the rows at the first add().
    std::string factory = nlist > 0 ? fmt::format("IVF{},Flat", nlist) : "";
    return retrieval::make_faiss_index(std::string(spec), std::move(factory), dim, params);
  }
  return retrieval::make_faiss_index(std::string(spec), std::string(spec), dim, params);
}

std::unique_ptr<VectorIndex> load_index(const std::filesystem::path& path) {
  retrieval::IndexFileReader reader = retrieval::open_index_file(path);
  if (reader.header.kind == retrieval::IndexKind::exact)
    return retrieval::load_exact_index(reader, path);
  if (reader.header.kind == retrieval::IndexKind::ivf_int8)
    return retrieval::load_ivf_int8_index(reader, path);
  return retrieval::load_faiss_index(reader, path);
}

}  // namespace invr
