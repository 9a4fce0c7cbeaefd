// A small set of persistent helper threads for the matrix products: a product split
// over threads hands its pieces to helpers that are still spinning from the last
// product, instead of waking a Dispatch worker each time.
#ifndef BP_HELPERS_H
#define BP_HELPERS_H

#include <stddef.h>
#include <stdint.h>
#include "bp_epilogues.h"

#ifdef __cplusplus
extern "C" {
#endif

/// One piece of a job: `task(context, index)`.
typedef void (*bp_helpers_task)(void *context, ptrdiff_t index);

/// Runs `task(context, i)` once for every i in 0 ..< count, on the calling thread and
/// up to count − 1 persistent helper threads (created on first use), and returns when
/// all have returned. Indices are claimed on the fly: a helper that has not started
/// when the calling thread runs out of indices gets none, so no one waits for a thread
/// a busy core holds back. Helpers spin for `bp_helpers_spin_microseconds` after each job
/// (so the next product of a step finds them awake), then sleep.
///
/// Jobs from several threads at once are serialised (one set of helpers); a task must not start
/// a job itself (it runs the nested job's indices alone, in order).
///
///     for i in 0 ..< count: task(context, i)      (concurrently)
void bp_helpers_run(ptrdiff_t count, bp_helpers_task task, void *context);

/// How long (µs) helpers spin waiting for the next job before they sleep; returns the
/// previous value. 0: sleep at once (every job then wakes its helpers).
int64_t bp_helpers_set_spin_microseconds(int64_t microseconds);

/// How long (µs) helpers spin waiting for the next job before they sleep.
int64_t bp_helpers_spin_microseconds(void);

/// Jobs started so far and the indices of them run by helpers (for benchmarks).
void bp_helpers_statistics(ptrdiff_t *jobs, ptrdiff_t *helped);

/// Number of helper threads started so far (for tests).
ptrdiff_t bp_helpers_count(void);

/// C[M×N] = op(A)[M×K] · op(B)[K×N] (+ C) by `workers` threads through the shared
/// driver (`bp_sgemm_shared`, pieces of `chunk` rows or columns), run on the helpers.
/// Same bits as one `bp_sgemm` call.
void bp_sgemm_on_helpers(ptrdiff_t workers, int byRows, ptrdiff_t chunk, int transA, int transB,
                   ptrdiff_t M, ptrdiff_t N, ptrdiff_t K, const float *A, ptrdiff_t lda,
                   const float *B, ptrdiff_t ldb, float *C, ptrdiff_t ldc, int accumulate);

/// Double-precision twin of `bp_sgemm_on_helpers`.
void bp_dgemm_on_helpers(ptrdiff_t workers, int byRows, ptrdiff_t chunk, int transA, int transB,
                   ptrdiff_t M, ptrdiff_t N, ptrdiff_t K, const double *A, ptrdiff_t lda,
                   const double *B, ptrdiff_t ldb, double *C, ptrdiff_t ldc, int accumulate);

/// `bp_sgemm_on_helpers` with an epilogue (`bp_sgemm_shared_epilogue`; `ep` may be NULL).
void bp_sgemm_on_helpers_epilogue(ptrdiff_t workers, int byRows, ptrdiff_t chunk, int transA,
                                  int transB, ptrdiff_t M, ptrdiff_t N, ptrdiff_t K, const float *A,
                                  ptrdiff_t lda, const float *B, ptrdiff_t ldb, float *C, ptrdiff_t ldc,
                                  int accumulate, const bp_gemm_epilogue *ep);

/// Double-precision twin of `bp_sgemm_on_helpers_epilogue`.
void bp_dgemm_on_helpers_epilogue(ptrdiff_t workers, int byRows, ptrdiff_t chunk, int transA,
                                  int transB, ptrdiff_t M, ptrdiff_t N, ptrdiff_t K, const double *A,
                                  ptrdiff_t lda, const double *B, ptrdiff_t ldb, double *C, ptrdiff_t ldc,
                                  int accumulate, const bp_gemm_epilogue *ep);

/// C[M×N] = op(A)[M×K] · op(B)[K×N] (+ C) as a team (`bp_sgemm_team`: op(B) packed
/// once for all threads) on the helpers, in `pieces` row pieces of equal cost
/// (`bp_gemm_team_rows`), one per thread. Returns 0, computing nothing, when the product
/// does not qualify for a team (`bp_gemm_team_acquire` returns NULL). Same bits as one
/// `bp_sgemm` call.
int bp_sgemm_team_on_helpers(ptrdiff_t pieces, int transA, int transB, ptrdiff_t M, ptrdiff_t N,
                             ptrdiff_t K, const float *A, ptrdiff_t lda, const float *B,
                             ptrdiff_t ldb, float *C, ptrdiff_t ldc, int accumulate);

/// Double-precision twin of `bp_sgemm_team_on_helpers`.
int bp_dgemm_team_on_helpers(ptrdiff_t pieces, int transA, int transB, ptrdiff_t M, ptrdiff_t N,
                             ptrdiff_t K, const double *A, ptrdiff_t lda, const double *B,
                             ptrdiff_t ldb, double *C, ptrdiff_t ldc, int accumulate);

#ifdef __cplusplus
}
#endif

#endif
