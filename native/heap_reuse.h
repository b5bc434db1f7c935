// Keeps freed heap memory in the process for the next allocation instead of
// handing it back to the kernel at once.
//
// Every op returns a new tensor, and V8 frees dead ones in batches of tens of
// MB at each garbage collection. With glibc's default thresholds the freed
// batch is returned to the kernel (trimmed or unmapped) and the next outputs
// are fresh pages: each first touch is a page fault, ~2 µs per 4 KB page on
// the virtual machines we measured (a 256x256 matMul's output cost as much
// again as half its product). Reusing the memory in the process costs nothing.
#pragma once
#include <string>

namespace tf {

// Called once when the addon loads. On glibc, unless the user configured
// malloc (GLIBC_TUNABLES malloc keys, MALLOC_*_ variables) or set
// TENSORFORGE_HEAP_REUSE=0, fixes the mmap threshold at 32 MiB and the trim
// threshold at 64 MiB: the values glibc's own dynamic thresholds reach after a
// program frees one 32 MiB block. Blocks below 32 MiB then come from the
// reusable heap, and up to 64 MiB of free heap stays mapped.
void configureHeapReuse();

// What configureHeapReuse() did, for backendInfo().
std::string heapReuseDescription();

}  // namespace tf
