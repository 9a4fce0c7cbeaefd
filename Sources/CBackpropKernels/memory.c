// Large graph storage backed by transparent huge pages where the OS offers them.
#define _GNU_SOURCE
#include "CBackpropKernels.h"
#include <stdlib.h>
#include <string.h>
#if defined(__linux__)
#include <sys/mman.h>
#endif

void *bp_huge_alloc(size_t bytes) {
#if defined(__linux__)
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return NULL;
    (void)madvise(p, bytes, MADV_HUGEPAGE);
    return p;
#else
    return malloc(bytes);
#endif
}

void *bp_huge_grow(void *p, size_t old_bytes, size_t new_bytes) {
#if defined(__linux__)
    void *q = mremap(p, old_bytes, new_bytes, MREMAP_MAYMOVE);
    if (q == MAP_FAILED) return NULL;
    (void)madvise(q, new_bytes, MADV_HUGEPAGE);
    return q;
#else
    (void)old_bytes;
    return realloc(p, new_bytes);
#endif
}

void bp_huge_free(void *p, size_t bytes) {
#if defined(__linux__)
    if (p) munmap(p, bytes);
#else
    (void)bytes;
    free(p);
#endif
}
