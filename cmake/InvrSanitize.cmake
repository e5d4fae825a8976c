# AddressSanitizer + UndefinedBehaviorSanitizer build of invr's own code
# (issue 17; scripts/test_sanitize.sh, docs/fuzzing.md "Sanitizers").
# The flags go on every target defined after this file is included (the
# stages, apps, tests); prebuilt Debian libraries (OpenBLAS, FAISS, RocksDB,
# GoogleTest, ...) are linked as they are, uninstrumented. UBSan aborts on
# the first report (-fno-sanitize-recover=undefined).
option(INVR_SANITIZE "Build invr's own targets with -fsanitize=address,undefined" OFF)
if(INVR_SANITIZE)
  set(INVR_SANITIZE_FLAGS -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_compile_options(${INVR_SANITIZE_FLAGS})
  add_link_options(${INVR_SANITIZE_FLAGS})
endif()
