// Small MPI helpers the distributed job shares: big exchanges in typed
// records (MPI counts are int), reductions of vectors, one-line aborts.
#pragma once

#include <mpi.h>

#include <cstdint>
#include <string>
#include <vector>

#include "invr/error.h"

namespace invr::mpi {

// One element of T as an MPI datatype of sizeof(T) bytes (T is trivially copyable).
template <class T>
MPI_Datatype record_type() {
  static MPI_Datatype type = [] {
    MPI_Datatype t;
    MPI_Type_contiguous(static_cast<int>(sizeof(T)), MPI_BYTE, &t);
    MPI_Type_commit(&t);
    return t;
  }();
  return type;
}

inline int checked_count(std::size_t n) {
  if (n > static_cast<std::size_t>(INT32_MAX))
    throw Error("distributed job: an exchange of more than 2^31 records between two ranks; use more ranks");
  return static_cast<int>(n);
}

// All-to-all of variable-size blocks: `packed` holds the block for rank 0,
// then rank 1's, ... (send_counts[r] records each); returns what each rank
// sent here, concatenated in rank order, with per-rank counts. One flat
// buffer each way: the job's exchanges are its largest transient memory.
template <class T>
std::vector<T> exchange(const std::vector<T>& packed, const std::vector<int>& send_counts,
                        std::vector<int>& received_counts) {
  const auto ranks = send_counts.size();
  std::vector<int> send_displs(ranks);
  std::size_t total = 0;
  for (std::size_t r = 0; r < ranks; ++r) {
    send_displs[r] = checked_count(total);
    total += static_cast<std::size_t>(send_counts[r]);
  }
  INVR_CHECK(total == packed.size());
  received_counts.assign(ranks, 0);
  MPI_Alltoall(send_counts.data(), 1, MPI_INT, received_counts.data(), 1, MPI_INT, MPI_COMM_WORLD);
  std::vector<int> recv_displs(ranks);
  std::size_t received = 0;
  for (std::size_t r = 0; r < ranks; ++r) {
    recv_displs[r] = checked_count(received);
    received += static_cast<std::size_t>(received_counts[r]);
  }
  std::vector<T> out(received);
  MPI_Alltoallv(packed.data(), send_counts.data(), send_displs.data(), record_type<T>(), out.data(),
                received_counts.data(), recv_displs.data(), record_type<T>(), MPI_COMM_WORLD);
  return out;
}

// Element-wise reduction of a vector over every rank, in place.
inline void all_reduce(std::vector<std::int64_t>& values, MPI_Op op) {
  MPI_Allreduce(MPI_IN_PLACE, values.data(), checked_count(values.size()), MPI_INT64_T, op,
                MPI_COMM_WORLD);
}
inline void all_reduce(std::vector<double>& values, MPI_Op op) {
  MPI_Allreduce(MPI_IN_PLACE, values.data(), checked_count(values.size()), MPI_DOUBLE, op,
                MPI_COMM_WORLD);
}
inline std::int64_t sum(std::int64_t value) {
  MPI_Allreduce(MPI_IN_PLACE, &value, 1, MPI_INT64_T, MPI_SUM, MPI_COMM_WORLD);
  return value;
}
inline double reduce(double value, MPI_Op op) {
  MPI_Allreduce(MPI_IN_PLACE, &value, 1, MPI_DOUBLE, op, MPI_COMM_WORLD);
  return value;
}
// Rank 0's `values` on every rank.
inline void broadcast(std::vector<std::int32_t>& values) {
  std::int64_t n = static_cast<std::int64_t>(values.size());
  MPI_Bcast(&n, 1, MPI_INT64_T, 0, MPI_COMM_WORLD);
  values.resize(static_cast<std::size_t>(n));
  MPI_Bcast(values.data(), checked_count(values.size()), MPI_INT32_T, 0, MPI_COMM_WORLD);
}
// True on every rank when it is true on any.
inline bool any(bool value) {
  int v = value ? 1 : 0;
  MPI_Allreduce(MPI_IN_PLACE, &v, 1, MPI_INT, MPI_LOR, MPI_COMM_WORLD);
  return v != 0;
}

// Every rank's `mine` on rank 0, concatenated in rank order (empty on other
// ranks); counts[r] is rank r's size.
template <class T>
std::vector<T> gather_on_root(const std::vector<T>& mine, std::vector<int>& counts) {
  int rank = 0, ranks = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &ranks);
  const int count = checked_count(mine.size());
  counts.assign(static_cast<std::size_t>(ranks), 0);
  MPI_Gather(&count, 1, MPI_INT, counts.data(), 1, MPI_INT, 0, MPI_COMM_WORLD);
  std::vector<int> displs(counts.size(), 0);
  std::size_t total = 0;
  for (std::size_t r = 0; r < counts.size(); ++r) {
    displs[r] = checked_count(total);
    total += static_cast<std::size_t>(counts[r]);
  }
  std::vector<T> all(rank == 0 ? total : 0);
  MPI_Gatherv(mine.data(), count, record_type<T>(), all.data(), counts.data(), displs.data(), record_type<T>(), 0,
              MPI_COMM_WORLD);
  return all;
}

// Rank 0's `all` split among the ranks: rank r gets counts[r] records (counts
// and `all` are read on rank 0 only; `all` holds rank 0's block, then rank 1's, ...).
template <class T>
std::vector<T> scatter_from_root(const std::vector<T>& all, const std::vector<int>& counts) {
  int count = 0;
  MPI_Scatter(counts.data(), 1, MPI_INT, &count, 1, MPI_INT, 0, MPI_COMM_WORLD);
  std::vector<int> displs(counts.size(), 0);
  for (std::size_t r = 1; r < displs.size(); ++r) displs[r] = displs[r - 1] + counts[r - 1];
  std::vector<T> mine(static_cast<std::size_t>(count));
  MPI_Scatterv(all.data(), counts.data(), displs.data(), record_type<T>(), mine.data(), count, record_type<T>(), 0,
               MPI_COMM_WORLD);
  return mine;
}

}  // namespace invr::mpi
