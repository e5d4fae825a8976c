# Every dependency is a Debian 12 package installed by scripts/install-deps.sh.
find_package(Threads REQUIRED)
find_package(fmt REQUIRED)
find_package(spdlog REQUIRED)
find_package(CLI11 CONFIG REQUIRED)
find_package(nlohmann_json REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(TOMLPP REQUIRED IMPORTED_TARGET tomlplusplus)
find_package(BLAS REQUIRED)
# LibTorch (Debian libtorch-dev) for the two-tower model; used only inside src/model.
find_package(Torch REQUIRED)
find_path(CBLAS_INCLUDE_DIR cblas.h PATH_SUFFIXES openblas REQUIRED)
# Candidate stores: RocksDB (embedded) and Redis (hiredis client).
find_package(RocksDB CONFIG REQUIRED)
find_path(HIREDIS_INCLUDE_DIR hiredis/hiredis.h REQUIRED)
find_library(HIREDIS_LIBRARY NAMES hiredis REQUIRED)
# HTTP server: Boost.Beast on Asio, header-only (libboost-dev); linked
# privately by invr_serving (docs/serving_http.md, "Why Boost.Beast").
find_package(Boost 1.74 REQUIRED)
# HTTP client of the server tests: cpp-httplib ships a compiled library in Debian.
pkg_check_modules(HTTPLIB REQUIRED IMPORTED_TARGET cpp-httplib)
# Distributed job: OpenMPI.
find_package(MPI REQUIRED COMPONENTS CXX)
if(INVR_BUILD_TESTS)
  find_package(GTest REQUIRED)
endif()
if(INVR_BUILD_BENCH)
  find_package(benchmark REQUIRED)
endif()
