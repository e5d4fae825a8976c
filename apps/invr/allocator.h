// Process-wide allocator settings of the invr binary. They live in the app,
// not the library (CONTRIBUTING.md, convention 7: the library changes no
// process-wide setting).
#pragma once

namespace invr::cli {

// Keeps freed memory in the process instead of returning it to the OS
// (glibc's mmap and trim thresholds raised to 1 GiB). LibTorch allocates and
// frees multi-megabyte activations every training batch; with glibc's
// defaults each such block is mmap'ed and unmapped, so every batch
// page-faults its memory back in. Keeping it is 4-5x faster (measured on a
// 13k-example world: 1.9k -> 8.6k examples/s). Called by the commands that
// train: train, simulate and demo.
void keep_freed_memory();

}  // namespace invr::cli
