// Large graph storage and GEMM packing buffers, backed by transparent huge pages where
// the OS offers them.
#define _GNU_SOURCE
#include "CBackpropKernels.h"
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#if defined(__linux__)
#include <sys/mman.h>
#endif

#include <pthread.h>

// One freed block is kept for the next large graph: a training loop builds a graph of
// the same size every step, and reusing the block spares the kernel from zeroing fresh
// pages (a quarter of the time of a million-node graph). Bounded: one block, at most
// BP_HUGE_CACHE_LIMIT bytes; `bp_huge_trim` returns it to the system.
#define BP_HUGE_CACHE_LIMIT ((size_t)256 << 20)
static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static void *cached_block = NULL;
static size_t cached_bytes = 0;

static void release_block(void *p, size_t bytes) {
#if defined(__linux__)
    if (p) munmap(p, bytes);
#else
    (void)bytes;
    free(p);
#endif
}

void *bp_huge_alloc(size_t bytes, size_t *capacity) {
    pthread_mutex_lock(&cache_lock);
    if (cached_block && cached_bytes >= bytes) {
        void *p = cached_block;
        *capacity = cached_bytes;
        cached_block = NULL;
        cached_bytes = 0;
        pthread_mutex_unlock(&cache_lock);
        return p;
    }
    pthread_mutex_unlock(&cache_lock);
    *capacity = bytes;
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
    if (!p) return;
    void *evicted = NULL;
    size_t evicted_bytes = 0;
    pthread_mutex_lock(&cache_lock);
    if (bytes <= BP_HUGE_CACHE_LIMIT && bytes > cached_bytes) {
        evicted = cached_block;
        evicted_bytes = cached_bytes;
        cached_block = p;
        cached_bytes = bytes;
        p = NULL;
    }
    pthread_mutex_unlock(&cache_lock);
    release_block(evicted, evicted_bytes);
    release_block(p, bytes);
}

size_t bp_huge_trim(void) {
    pthread_mutex_lock(&cache_lock);
    void *p = cached_block;
    size_t bytes = cached_bytes;
    cached_block = NULL;
    cached_bytes = 0;
    pthread_mutex_unlock(&cache_lock);
    release_block(p, bytes);
    return bytes;
}

// MARK: - Packing buffers

// Buffers of at least BP_PAGES_HUGE_MIN bytes are mapped on a 2 MiB boundary and marked
// MADV_HUGEPAGE, so a 4 MiB packed operand is two TLB entries instead of 1,024 (a page
// walk costs more under a hypervisor, where each level is itself translated). Smaller
// ones come from aligned_alloc. The caller passes the same `bytes` to bp_pages_free.
#ifndef BP_PAGES_HUGE_MIN
#define BP_PAGES_HUGE_MIN ((size_t)1 << 20)
#endif
#define BP_PAGES_HUGE_ALIGN ((size_t)2 << 20)

size_t bp_pages_round(size_t bytes) {
    if (bytes >= BP_PAGES_HUGE_MIN) return (bytes + BP_PAGES_HUGE_ALIGN - 1) & ~(BP_PAGES_HUGE_ALIGN - 1);
    return (bytes + 4095) & ~(size_t)4095;
}

void *bp_pages_alloc(size_t bytes) {
    bytes = bp_pages_round(bytes);
#if defined(__linux__)
    if (bytes >= BP_PAGES_HUGE_MIN) {
        // Over-map by 2 MiB, then unmap the unaligned head and the tail.
        size_t span = bytes + BP_PAGES_HUGE_ALIGN;
        char *p = mmap(NULL, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) return NULL;
        uintptr_t start = ((uintptr_t)p + BP_PAGES_HUGE_ALIGN - 1) & ~(uintptr_t)(BP_PAGES_HUGE_ALIGN - 1);
        char *q = (char *)start;
        if (q > p) munmap(p, (size_t)(q - p));
        if (q + bytes < p + span) munmap(q + bytes, (size_t)(p + span - (q + bytes)));
        (void)madvise(q, bytes, MADV_HUGEPAGE);
        return q;
    }
#endif
    return aligned_alloc(64, bytes);
}

void bp_pages_free(void *p, size_t bytes) {
    if (!p) return;
    bytes = bp_pages_round(bytes);
#if defined(__linux__)
    if (bytes >= BP_PAGES_HUGE_MIN) {
        munmap(p, bytes);
        return;
    }
#endif
    free(p);
}
