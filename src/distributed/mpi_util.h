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

// All-to-all of variable-size blocks: send[r] goes to rank r; returns what
// each rank sent here, concatenated in rank order, and per-rank counts.
template <class T>
std::vector<T> exchange(const std::vector<std::vector<T>>& send, std::vector<int>& received_counts) {
  int ranks = 1;
  MPI_Comm_size(MPI_COMM_WORLD, &ranks);
  std::vector<int> send_counts(static_cast<std::size_t>(ranks)), send_displs(send_counts.size());
  std::size_t total = 0;
  for (int r = 0; r < ranks; ++r) {
    send_counts[static_cast<std::size_t>(r)] = checked_count(send[static_cast<std::size_t>(r)].size());
    send_displs[static_cast<std::size_t>(r)] = checked_count(total);
    total += send[static_cast<std::size_t>(r)].size();
  }
  std::vector<T> packed;
  packed.reserve(total);
  for (const auto& block : send) packed.insert(packed.end(), block.begin(), block.end());
  received_counts.assign(static_cast<std::size_t>(ranks), 0);
  MPI_Alltoall(send_counts.data(), 1, MPI_INT, received_counts.data(), 1, MPI_INT, MPI_COMM_WORLD);
  std::vector<int> recv_displs(static_cast<std::size_t>(ranks));
  std::size_t received = 0;
  for (int r = 0; r < ranks; ++r) {
    recv_displs[static_cast<std::size_t>(r)] = checked_count(received);
    received += static_cast<std::size_t>(received_counts[static_cast<std::size_t>(r)]);
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

}  // namespace invr::mpi
