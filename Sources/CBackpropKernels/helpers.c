// A set of persistent helper threads for split matrix products (see bp_helpers.h).
//
// One job at a time. Its description (task, context) sits in two atomics and its
// progress in one 64-bit word, `helpers_state`:
//
//     bits 63…32: generation (one per job)   31…16: count   15…0: next index to claim
//
// A thread claims index i by a compare-and-swap of (g, count, i) → (g, count, i + 1),
// after reading the task and context. The caller rewrites task and context only after
// every index of the previous job has been claimed and run, so a successful claim
// (i < count of generation g) proves that what the claimer read belongs to generation
// g. Helpers that find nothing to claim spin until the word changes, up to
// `spin_us` microseconds, then sleep on a condition variable (the caller broadcasts
// only when someone sleeps).
#include "CBackpropKernels.h"
#include "gemm_steal.h"
#include <string.h>

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <time.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define BP_PAUSE() _mm_pause()
#elif defined(__aarch64__)
#define BP_PAUSE() __asm__ __volatile__("yield")
#else
#define BP_PAUSE() ((void)0)
#endif

enum { BP_HELPERS_MAX_HELPERS = 63, BP_HELPERS_MAX_COUNT = 0xFFFF };

static pthread_mutex_t helpers_lock = PTHREAD_MUTEX_INITIALIZER;   // one job at a time
static pthread_mutex_t sleep_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t sleep_cond = PTHREAD_COND_INITIALIZER;
static _Atomic uint64_t helpers_state = 0;
static _Atomic(bp_helpers_task) helpers_task = NULL;
static _Atomic(void *) helpers_context = NULL;
static _Atomic ptrdiff_t helpers_done = 0;
static _Atomic int helpers_sleepers = 0;
static _Atomic int64_t spin_us = 50;
static _Atomic ptrdiff_t helpers_started = 0;   // written under helpers_lock
static _Atomic ptrdiff_t stat_jobs = 0, stat_helped = 0;

static inline ptrdiff_t state_count(uint64_t s) { return (ptrdiff_t)((s >> 16) & 0xFFFF); }
static inline ptrdiff_t state_next(uint64_t s) { return (ptrdiff_t)(s & 0xFFFF); }

static int64_t now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

// Claims and runs indices of the current job until none is left; returns how many ran.
static ptrdiff_t claim_and_run(void) {
    ptrdiff_t ran = 0;
    uint64_t s = atomic_load_explicit(&helpers_state, memory_order_acquire);
    while (state_next(s) < state_count(s)) {
        bp_helpers_task task = atomic_load_explicit(&helpers_task, memory_order_relaxed);
        void *context = atomic_load_explicit(&helpers_context, memory_order_relaxed);
        if (atomic_compare_exchange_weak_explicit(&helpers_state, &s, s + 1, memory_order_acq_rel,
                                                  memory_order_acquire)) {
            task(context, state_next(s));
            ran += 1;
            s = atomic_load_explicit(&helpers_state, memory_order_acquire);
        }
    }
    return ran;
}

static void *helper_main(void *unused) {
    (void)unused;
    for (;;) {
        ptrdiff_t ran = claim_and_run();
        if (ran > 0) {
            atomic_fetch_add_explicit(&stat_helped, ran, memory_order_relaxed);
            atomic_fetch_add_explicit(&helpers_done, ran, memory_order_release);
        }
        // Nothing left to claim: wait for the word to change (a new job).
        uint64_t s = atomic_load_explicit(&helpers_state, memory_order_acquire);
        if (state_next(s) < state_count(s)) continue;
        int64_t limit = atomic_load_explicit(&spin_us, memory_order_relaxed) * 1000;
        int64_t start = limit > 0 ? now_ns() : 0;
        int changed = 0;
        while (limit > 0) {
            for (int i = 0; i < 64; i++) {
                if (atomic_load_explicit(&helpers_state, memory_order_relaxed) != s) {
                    changed = 1;
                    break;
                }
                BP_PAUSE();
            }
            if (changed || now_ns() - start > limit) break;
            // Let another thread of this core run (a busy machine): when the core is
            // free this returns at once.
            sched_yield();
        }
        if (changed) continue;
        pthread_mutex_lock(&sleep_lock);
        atomic_fetch_add(&helpers_sleepers, 1);
        while (atomic_load(&helpers_state) == s) pthread_cond_wait(&sleep_cond, &sleep_lock);
        atomic_fetch_sub(&helpers_sleepers, 1);
        pthread_mutex_unlock(&sleep_lock);
    }
    return NULL;
}

// Starts helpers until `wanted` run (under helpers_lock); stops at the first failure.
static void start_helpers(ptrdiff_t wanted) {
    if (wanted > BP_HELPERS_MAX_HELPERS) wanted = BP_HELPERS_MAX_HELPERS;
    ptrdiff_t started = atomic_load_explicit(&helpers_started, memory_order_relaxed);
    while (started < wanted) {
        pthread_t thread;
        pthread_attr_t attributes;
        if (pthread_attr_init(&attributes) != 0) return;
        pthread_attr_setdetachstate(&attributes, PTHREAD_CREATE_DETACHED);
        int failed = pthread_create(&thread, &attributes, helper_main, NULL);
        pthread_attr_destroy(&attributes);
        if (failed) return;
        started += 1;
        atomic_store_explicit(&helpers_started, started, memory_order_relaxed);
    }
}

void bp_helpers_run(ptrdiff_t count, bp_helpers_task task, void *context) {
    if (count <= 0) return;
    // One index, a job already running (another thread's, or a task's own nested
    // call), or too many indices: the calling thread runs them all, in order.
    if (count == 1 || count > BP_HELPERS_MAX_COUNT || pthread_mutex_trylock(&helpers_lock) != 0) {
        for (ptrdiff_t i = 0; i < count; i++) task(context, i);
        return;
    }
    start_helpers(count - 1);
    atomic_fetch_add_explicit(&stat_jobs, 1, memory_order_relaxed);
    atomic_store_explicit(&helpers_task, task, memory_order_relaxed);
    atomic_store_explicit(&helpers_context, context, memory_order_relaxed);
    atomic_store_explicit(&helpers_done, 0, memory_order_relaxed);
    uint64_t s = atomic_load_explicit(&helpers_state, memory_order_relaxed);
    uint64_t generation = (s >> 32) + 1;
    atomic_store(&helpers_state, (generation << 32) | ((uint64_t)count << 16));   // seq_cst: publishes
    if (atomic_load(&helpers_sleepers) > 0) {
        pthread_mutex_lock(&sleep_lock);
        pthread_cond_broadcast(&sleep_cond);
        pthread_mutex_unlock(&sleep_lock);
    }
    ptrdiff_t ran = claim_and_run();
    atomic_fetch_add_explicit(&helpers_done, ran, memory_order_relaxed);
    // Wait for the indices helpers claimed (they are running).
    for (int spins = 0; atomic_load_explicit(&helpers_done, memory_order_acquire) < count; spins++) {
        BP_PAUSE();
        if ((spins & 255) == 255) sched_yield();   // a helper preempted mid-piece: let it run
    }
    pthread_mutex_unlock(&helpers_lock);
}

int64_t bp_helpers_set_spin_microseconds(int64_t microseconds) {
    return atomic_exchange(&spin_us, microseconds < 0 ? 0 : microseconds);
}

int64_t bp_helpers_spin_microseconds(void) { return atomic_load(&spin_us); }

void bp_helpers_statistics(ptrdiff_t *jobs, ptrdiff_t *helped) {
    *jobs = atomic_load(&stat_jobs);
    *helped = atomic_load(&stat_helped);
}

ptrdiff_t bp_helpers_count(void) { return atomic_load(&helpers_started); }

// MARK: - Matrix products on the helpers

#define DEFINE_GEMM_ON_HELPERS(NAME, T, SHARED)                                      \
    typedef struct {                                                           \
        int byRows, transA, transB, accumulate;                                \
        ptrdiff_t chunk, next, M, N, K, lda, ldb, ldc;                         \
        const T *A, *B;                                                        \
        T *C;                                                                  \
        const bp_gemm_epilogue *ep;                                            \
        struct bp_gemm_steal steal[BP_STEAL_MAX];                              \
    } NAME##_job;                                                              \
    static void NAME##_piece(void *context, ptrdiff_t index) {                 \
        (void)index;                                                           \
        NAME##_job *j = (NAME##_job *)context;                                 \
        SHARED(j->byRows, j->chunk, &j->next, j->transA, j->transB, j->M, j->N, \
               j->K, j->A, j->lda, j->B, j->ldb, j->C, j->ldc, j->accumulate,  \
               j->ep, j->steal);                                               \
    }                                                                          \
    void NAME##_epilogue(ptrdiff_t workers, int byRows, ptrdiff_t chunk,       \
                         int transA, int transB, ptrdiff_t M, ptrdiff_t N,     \
                         ptrdiff_t K, const T *A, ptrdiff_t lda, const T *B,   \
                         ptrdiff_t ldb, T *C, ptrdiff_t ldc, int accumulate,   \
                         const bp_gemm_epilogue *ep) {                         \
        NAME##_job job;                                                        \
        memset(job.steal, 0, sizeof job.steal);                                \
        job.byRows = byRows; job.transA = transA; job.transB = transB;         \
        job.accumulate = accumulate; job.chunk = chunk; job.next = 0;          \
        job.M = M; job.N = N; job.K = K; job.lda = lda; job.ldb = ldb;         \
        job.ldc = ldc; job.A = A; job.B = B; job.C = C; job.ep = ep;           \
        bp_helpers_run(workers, NAME##_piece, &job);                           \
        bp_gemm_note_steals(job.steal, BP_STEAL_MAX);                          \
    }                                                                          \
    void NAME(ptrdiff_t workers, int byRows, ptrdiff_t chunk, int transA,      \
              int transB, ptrdiff_t M, ptrdiff_t N, ptrdiff_t K, const T *A,   \
              ptrdiff_t lda, const T *B, ptrdiff_t ldb, T *C, ptrdiff_t ldc,   \
              int accumulate) {                                                \
        NAME##_epilogue(workers, byRows, chunk, transA, transB, M, N, K, A,    \
                        lda, B, ldb, C, ldc, accumulate, NULL);                \
    }

DEFINE_GEMM_ON_HELPERS(bp_sgemm_on_helpers, float, bp_sgemm_shared_epilogue)
DEFINE_GEMM_ON_HELPERS(bp_dgemm_on_helpers, double, bp_dgemm_shared_epilogue)

// A team product (bp_sgemm_team) on the helpers: index i computes rows
// [i·step, min((i + 1)·step, M)) of C, step = bp_gemm_team_rows. The team is
// acquired and released here.
#define DEFINE_GEMM_TEAM_ON_HELPERS(NAME, T, ISD, TEAMFN)                      \
    typedef struct {                                                           \
        void *team;                                                            \
        int transA, transB, accumulate;                                        \
        ptrdiff_t step, M, N, K, lda, ldb, ldc;                                \
        const T *A, *B;                                                        \
        T *C;                                                                  \
    } NAME##_job;                                                              \
    static void NAME##_piece(void *context, ptrdiff_t index) {                 \
        NAME##_job *j = (NAME##_job *)context;                                 \
        ptrdiff_t lo = index * j->step;                                        \
        ptrdiff_t rows = j->M - lo < j->step ? j->M - lo : j->step;            \
        TEAMFN(j->team, lo, rows, j->transA, j->transB, j->M, j->N, j->K, j->A, \
               j->lda, j->B, j->ldb, j->C, j->ldc, j->accumulate);             \
    }                                                                          \
    int NAME(ptrdiff_t pieces, int transA, int transB, ptrdiff_t M,          \
             ptrdiff_t N, ptrdiff_t K, const T *A, ptrdiff_t lda, const T *B,  \
             ptrdiff_t ldb, T *C, ptrdiff_t ldc, int accumulate) {             \
        ptrdiff_t step = bp_gemm_team_rows(ISD, M, pieces);                    \
        void *team = bp_gemm_team_acquire(ISD, M, N, K);                       \
        if (!team) return 0;                                                   \
        NAME##_job job = {team, transA, transB, accumulate, step, M, N, K,     \
                          lda, ldb, ldc, A, B, C};                             \
        bp_helpers_run((M + step - 1) / step, NAME##_piece, &job);             \
        bp_gemm_team_release(team);                                            \
        return 1;                                                              \
    }

DEFINE_GEMM_TEAM_ON_HELPERS(bp_sgemm_team_on_helpers, float, 0, bp_sgemm_team)
DEFINE_GEMM_TEAM_ON_HELPERS(bp_dgemm_team_on_helpers, double, 1, bp_dgemm_team)
