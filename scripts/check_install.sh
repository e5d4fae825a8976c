#!/usr/bin/env bash
# The installed package, end to end (docs/library.md): installs BUILD_DIR to a
# temporary prefix, configures and builds examples/topk_consumer against it
# with find_package(invr CONFIG), runs it, and checks that
#  - the example's results are right (its top-k equals a brute-force loop,
#    the inverse lists reach the RocksDB store and read back);
#  - topk_consumer (retrieval + inverse + store) links neither LibTorch nor
#    MPI nor RocksDB: not on its link line, not in ldd; its store opens
#    through the RocksDB plugin installed next to the libraries;
#  - model_probe (invr::model) loads the checked-in two-tower model through
#    the Torch plugin installed next to the libraries (skipped when the build
#    has no plugin, INVR_WITH_TORCH=OFF).
# Prints the install size and the example's configure and build times.
# Run by ctest as Install.FindPackageExample; about 30 s on 2 cores.
#
#   scripts/check_install.sh [BUILD_DIR]    (default: build)
# Environment: INVR_KEEP_INSTALL=1 keeps the temporary folder.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="$(cd "${1:-$root/build}" && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/invr_install.XXXXXX")"
[[ "${INVR_KEEP_INSTALL:-0}" == 1 ]] || trap 'rm -rf "$work"' EXIT
prefix="$work/prefix"
fail() { echo "check_install: FAIL: $*" >&2; exit 1; }
now() { date +%s.%N; }

cmake --install "$build" --prefix "$prefix" >"$work/install.log" || { cat "$work/install.log"; fail "cmake --install"; }
echo "install: $(du -sh "$prefix" | cut -f1) in $prefix ($(du -sh "$prefix/lib" | cut -f1) lib, $(du -sh "$prefix/include" | cut -f1) include, $(du -sh "$prefix/bin" | cut -f1) bin)"
for f in include/invr/version.h include/invr/retrieval.h lib/cmake/invr/invrConfig.cmake \
         lib/cmake/invr/invrConfigVersion.cmake lib/libinvr_retrieval.a lib/libinvr_rocksdb.so bin/invr; do
  [[ -e "$prefix/$f" ]] || fail "$f not installed"
done

compiler=()
[[ -n "${CXX:-}" ]] && compiler=(-DCMAKE_CXX_COMPILER="$CXX")
t0=$(now)
cmake -S "$root/examples/topk_consumer" -B "$work/example" -G Ninja -DCMAKE_BUILD_TYPE=Release \
      -DCMAKE_PREFIX_PATH="$prefix" "${compiler[@]}" >"$work/configure.log" 2>&1 \
  || { cat "$work/configure.log"; fail "configuring the example"; }
t1=$(now)
cmake --build "$work/example" -j 2 >"$work/build.log" 2>&1 || { cat "$work/build.log"; fail "building the example"; }
t2=$(now)
awk -v a="$t0" -v b="$t1" -v c="$t2" 'BEGIN { printf "example: configure %.1f s, build %.1f s\n", b - a, c - b }'
grep -q "invr 0.1.0 from $prefix/lib/cmake/invr\|invr [0-9.]* from $prefix/lib/cmake/invr" "$work/configure.log" \
  || fail "find_package did not take invr from $prefix"

# No LibTorch, no MPI, no RocksDB (a plugin) for retrieval + inverse + store.
link_line="$(ninja -C "$work/example" -t commands topk_consumer | tail -1)"
# (librocksdb, not rocksdb: the generated invr_rocksdb_plugin_path.cc.o is on it.)
if grep -Eio '[^ ]*(torch|c10|mpi|librocksdb|-lrocksdb)[^ ]*' <<<"$link_line"; then
  fail "topk_consumer's link line names LibTorch, MPI or RocksDB"
fi
# Library names only: ldd's load addresses are random hex ("0x...ec10e000"
# once matched c10).
if ldd "$work/example/topk_consumer" | awk '{print $1}' | grep -Ei 'torch|c10|mpi|librocksdb'; then
  fail "topk_consumer loads LibTorch, MPI or RocksDB at start"
fi
echo "topk_consumer: $(ldd "$work/example/topk_consumer" | wc -l) shared libraries, none of LibTorch, MPI or RocksDB"

# The dynamic loader's own record (LD_DEBUG=files, to a file of its own) says
# which libinvr_rocksdb.so the store opened: the installed one.
env -u INVR_ROCKSDB_PLUGIN LD_DEBUG=files LD_DEBUG_OUTPUT="$work/ld" \
  "$work/example/topk_consumer" "$work/store" >"$work/run.log" 2>"$work/run.err" \
  || { cat "$work/run.log" "$work/run.err"; fail "topk_consumer exited $?"; }
loaded="$(cat "$work"/ld.* | grep -Eo 'file=[^ ]*/libinvr_rocksdb\.so' | sort -u | sed 's/^file=//')"
[[ "$(realpath "$loaded")" == "$(realpath "$prefix/lib/libinvr_rocksdb.so")" ]] \
  || fail "the RocksDB plugin was not loaded from $prefix/lib (loaded: ${loaded:-none})"
echo "topk_consumer: store plugin $loaded"
cat "$work/run.log"
# A library is a guest (docs/library.md, issue 15 item 2): stdout holds only
# the consumer's lines, stderr only the "invr" logger's (no progress bar, no
# line through spdlog's default logger).
if grep -v -E '^\[[0-9: .-]+\] \[invr\] \[(info|warning)\] ' "$work/run.err"; then
  fail "topk_consumer's stderr has lines that are not the invr logger's"
fi
if grep -v -E '^(invr |topk |inverse: |store: |  )' "$work/run.log"; then fail "unexpected lines on topk_consumer's stdout"; fi
grep -q "^invr [0-9]*\.[0-9]*\.[0-9]* (version.h" "$work/run.log" || fail "no version line"
grep -q "^topk matches brute force: yes" "$work/run.log" || fail "top-k differs from brute force"
grep -Eq "^inverse: [1-9][0-9]* of 200 users have candidates" "$work/run.log" || fail "no inverse lists"
grep -Eq "^store: [1-9][0-9]* users written; user[0-9]+: item" "$work/run.log" || fail "store did not read back"

if [[ -e "$prefix/lib/libinvr_torch.so" ]]; then
  env -u INVR_TORCH_PLUGIN "$work/example/model_probe" "$root/tests/testdata/model/v1" >"$work/probe.log" 2>&1 \
    || { cat "$work/probe.log"; fail "model_probe exited $?"; }
  cat "$work/probe.log"
  grep -q "^model: two-tower, dim 4" "$work/probe.log" || fail "model_probe did not load the model"
  grep -qx "plugin: $(realpath "$prefix/lib/libinvr_torch.so")" "$work/probe.log" \
    || fail "the plugin was not loaded from $prefix/lib"
else
  echo "model_probe: skipped (no libinvr_torch.so installed: INVR_WITH_TORCH=OFF)"
fi
echo "check_install: OK"
