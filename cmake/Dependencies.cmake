# Every dependency is a Debian 12 package installed by scripts/install-deps.sh.
# The three heavy optional ones can be left out (docs/library.md, "Options"):
# LibTorch (the two-tower and TorchScript models), OpenMPI (the distributed
# job) and hiredis (Redis candidate stores).
option(INVR_WITH_TORCH "Build the LibTorch model plugin (two-tower and TorchScript models)" ON)
option(INVR_WITH_MPI "Build the distributed job on OpenMPI (invr job --distributed)" ON)
option(INVR_WITH_REDIS "Build the Redis candidate store (hiredis)" ON)
include(${CMAKE_CURRENT_LIST_DIR}/invrFindLibraries.cmake)
find_package(Threads REQUIRED)
find_package(fmt REQUIRED)
find_package(spdlog REQUIRED)
find_package(CLI11 CONFIG REQUIRED)
find_package(nlohmann_json REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(TOMLPP REQUIRED IMPORTED_TARGET tomlplusplus)
find_package(BLAS REQUIRED)
# LibTorch (Debian libtorch-dev) for the two-tower model; used only inside src/model.
if(INVR_WITH_TORCH)
  find_package(Torch REQUIRED)
endif()
find_path(CBLAS_INCLUDE_DIR cblas.h PATH_SUFFIXES openblas REQUIRED)
# Candidate stores: RocksDB (embedded) and Redis (hiredis client).
find_package(RocksDB CONFIG REQUIRED)
if(INVR_WITH_REDIS)
  find_path(HIREDIS_INCLUDE_DIR hiredis/hiredis.h REQUIRED)
  invr_import_library(hiredis)
  if(NOT TARGET invr_ext::hiredis)
    message(FATAL_ERROR "hiredis not found (libhiredis-dev), or configure with -DINVR_WITH_REDIS=OFF")
  endif()
endif()
# HTTP server: Boost.Beast on Asio, header-only (libboost-dev); linked
# privately by invr_serving (docs/serving_http.md, "Why Boost.Beast").
find_package(Boost 1.74 REQUIRED)
# HTTP client of the server tests: cpp-httplib ships a compiled library in Debian.
pkg_check_modules(HTTPLIB REQUIRED IMPORTED_TARGET cpp-httplib)
# Distributed job: OpenMPI.
if(INVR_WITH_MPI)
  find_package(MPI REQUIRED COMPONENTS CXX)
endif()
if(INVR_BUILD_TESTS)
  find_package(GTest REQUIRED)
endif()
if(INVR_BUILD_BENCH)
  find_package(benchmark REQUIRED)
endif()
