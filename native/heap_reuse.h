// Keeps freed heap memory in the process for the next allocation instead of
// handing it back to the kernel at once.
//
// Every op returns a new tensor, and V8 frees dead ones in batches of tens of
// MB at each garbage collection. With glibc's default thresholds the freed
// batch is returned to the kernel (trimmed or unmapped) and the next outputs
// are fresh pages: each first touch is a page fault, ~2 µs per 4 KB page on
// the virtual machines we measured (a 256x256 matMul took up to half again as
// long as its product alone). Reusing the memory in the process costs nothing.
#pragma once
#include <string>

namespace tf {

// Called once when the addon loads. On 64-bit glibc, unless the user set
// malloc up through the environment (GLIBC_TUNABLES malloc keys, or
// MALLOC_MMAP_THRESHOLD_ / MALLOC_TRIM_THRESHOLD_ / MALLOC_TOP_PAD_ /
// MALLOC_MMAP_MAX_) or set TENSORFORGE_HEAP_REUSE=0, fixes the mmap threshold
// at 32 MiB and the trim threshold at 64 MiB: the largest values glibc's own
// dynamic thresholds reach (after freeing a block of just under 32 MiB).
// Blocks below 32 MiB then come from the heap, and each arena keeps up to
// 64 MiB free at its top instead of trimming it. A mallopt() the program made
// before is overridden.
void configureHeapReuse();

// What configureHeapReuse() did, for backendInfo().
std::string heapReuseDescription();

}  // namespace tf
