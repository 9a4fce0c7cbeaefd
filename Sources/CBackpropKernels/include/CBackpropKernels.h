// CBackpropKernels: the package's only C. Hot numeric kernels (chosen at run
// time by CPU feature, never by compiler flags) and a thread-local flag.
#ifndef CBACKPROPKERNELS_H
#define CBACKPROPKERNELS_H

#include <stddef.h>
#include <stdint.h>
#include "bp_elementwise.h"
#include "bp_epilogues.h"
#include "bp_optimizers.h"
#include "bp_peak.h"
#include "bp_patches.h"
#include "bp_helpers.h"
#include "bp_skinny.h"
#include "bp_reductions.h"

#ifdef __cplusplus
extern "C" {
#endif

// MARK: - Gradient recording flag (per thread)

/// Depth of nested no-grad scopes on the calling thread; 0 means recording.
extern _Thread_local int32_t bp_tls_no_grad_depth __attribute__((tls_model("initial-exec")));

/// Returns non-zero when graph recording is disabled on this thread.
static inline int32_t bp_no_grad_depth(void) { return bp_tls_no_grad_depth; }
/// Enters a no-grad scope on this thread.
static inline void bp_no_grad_enter(void) { bp_tls_no_grad_depth += 1; }
/// Leaves a no-grad scope on this thread.
static inline void bp_no_grad_leave(void) { bp_tls_no_grad_depth -= 1; }

// MARK: - Helper threads switched off (per thread)

/// Depth of nested scopes on the calling thread in which split products do not use the
/// persistent helper threads (they go to Dispatch instead); 0: they may.
extern _Thread_local int32_t bp_tls_helpers_off __attribute__((tls_model("initial-exec")));

/// Non-zero when split products started on this thread avoid the helper threads.
static inline int32_t bp_helpers_off_depth(void) { return bp_tls_helpers_off; }
/// Enters a scope without the helper threads on this thread.
static inline void bp_helpers_off_enter(void) { bp_tls_helpers_off += 1; }
/// Leaves a scope without the helper threads on this thread.
static inline void bp_helpers_off_leave(void) { bp_tls_helpers_off -= 1; }

// MARK: - Anomaly detection (per thread)

/// The active anomaly recorder of the calling thread (an unmanaged Swift object), or NULL
/// when anomaly detection is off.
extern _Thread_local void *bp_tls_anomaly_recorder __attribute__((tls_model("initial-exec")));

/// The calling thread's recording mode: 0 for plain eager recording, otherwise the
/// modes on (BP_MODE_TRACING, BP_MODE_ANOMALY). Kept by the two setters below, so that
/// recording an op checks one word whatever the number of modes.
extern _Thread_local int32_t bp_tls_recording_mode __attribute__((tls_model("initial-exec")));
#define BP_MODE_TRACING 1
#define BP_MODE_ANOMALY 2

/// Non-zero while a program is traced or anomaly detection is on (on this thread).
static inline int32_t bp_recording_mode(void) { return bp_tls_recording_mode; }

/// The calling thread's anomaly recorder, NULL when detection is off.
static inline void *bp_anomaly_recorder(void) { return bp_tls_anomaly_recorder; }
/// Installs `recorder` (NULL turns detection off) and returns the previous one.
static inline void *bp_set_anomaly_recorder(void *recorder) {
    void *previous = bp_tls_anomaly_recorder;
    bp_tls_anomaly_recorder = recorder;
    bp_tls_recording_mode = (bp_tls_recording_mode & ~BP_MODE_ANOMALY) | (recorder ? BP_MODE_ANOMALY : 0);
    return previous;
}

// MARK: - Graph tracing (per thread)

/// The active graph tracer of the calling thread (an unmanaged Swift object), or NULL
/// outside `TensorProgram` tracing.
extern _Thread_local void *bp_tls_tracer __attribute__((tls_model("initial-exec")));

/// The calling thread's tracer, NULL when no program is being traced.
static inline void *bp_tracer(void) { return bp_tls_tracer; }
/// Installs `tracer` (NULL ends tracing) and returns the previous one.
static inline void *bp_set_tracer(void *tracer) {
    void *previous = bp_tls_tracer;
    bp_tls_tracer = tracer;
    bp_tls_recording_mode = (bp_tls_recording_mode & ~BP_MODE_TRACING) | (tracer ? BP_MODE_TRACING : 0);
    return previous;
}

// MARK: - Large graph storage

/// Allocates at least `bytes` for a large tape (transparent huge pages where the OS
/// offers them, or the block kept from the last large tape freed); `*capacity` receives
/// the usable size. Not zero-filled. NULL on failure.
void *bp_huge_alloc(size_t bytes, size_t *capacity);
/// Grows a block from `bp_huge_alloc`, keeping its contents (remaps, no copy). NULL on failure.
void *bp_huge_grow(void *p, size_t old_bytes, size_t new_bytes);
/// Frees a block from `bp_huge_alloc` / `bp_huge_grow` (keeping one block of at most
/// 256 MiB for reuse by the next large tape).
void bp_huge_free(void *p, size_t bytes);
/// Returns the kept block to the system; the number of bytes released.
size_t bp_huge_trim(void);

/// Allocates `bytes` (rounded up by `bp_pages_round`) 64-byte aligned for GEMM packing
/// buffers: from 1 MiB on, mapped on a 2 MiB boundary and marked for transparent huge
/// pages. Not zero-filled. NULL on failure.
void *bp_pages_alloc(size_t bytes);
/// Frees a block from `bp_pages_alloc`; `bytes` is the size it was asked for.
void bp_pages_free(void *p, size_t bytes);
/// The size `bp_pages_alloc` really allocates for `bytes`.
size_t bp_pages_round(size_t bytes);

// MARK: - Matrix multiplication (row-major, single thread; callers split work)

/// C[M×N] = op(A)[M×K] · op(B)[K×N] + (accumulate ? C : 0).
/// op(X) is X or Xᵀ (transA / transB non-zero). Leading dimensions are the
/// row strides of the matrices as stored. Single-threaded: the Swift side
/// splits rows of C across threads.
void bp_sgemm(int transA, int transB, ptrdiff_t M, ptrdiff_t N, ptrdiff_t K,
              const float *A, ptrdiff_t lda, const float *B, ptrdiff_t ldb,
              float *C, ptrdiff_t ldc, int accumulate);

/// Double-precision twin of `bp_sgemm`.
void bp_dgemm(int transA, int transB, ptrdiff_t M, ptrdiff_t N, ptrdiff_t K,
              const double *A, ptrdiff_t lda, const double *B, ptrdiff_t ldb,
              double *C, ptrdiff_t ldc, int accumulate);

/// One product computed by several threads together: every thread calls this
/// with the same arguments and the same counter `*next` (0 before the first
/// call). C is cut into pieces of `chunk` columns (byRows = 0) or rows
/// (byRows = 1), claimed with an atomic increment of `*next`; each thread packs
/// the operand all pieces share (op(A) for column pieces, op(B) for row pieces)
/// once. Same result, bit for bit, as one `bp_sgemm` call.
///
///     C[M×N] = op(A)[M×K] · op(B)[K×N] + (accumulate ? C : 0)
void bp_sgemm_shared(int byRows, ptrdiff_t chunk, ptrdiff_t *next, int transA, int transB,
                     ptrdiff_t M, ptrdiff_t N, ptrdiff_t K, const float *A, ptrdiff_t lda,
                     const float *B, ptrdiff_t ldb, float *C, ptrdiff_t ldc, int accumulate);

/// Double-precision twin of `bp_sgemm_shared`.
void bp_dgemm_shared(int byRows, ptrdiff_t chunk, ptrdiff_t *next, int transA, int transB,
                     ptrdiff_t M, ptrdiff_t N, ptrdiff_t K, const double *A, ptrdiff_t lda,
                     const double *B, ptrdiff_t ldb, double *C, ptrdiff_t ldc, int accumulate);

/// Per-piece state for tail stealing between the threads of one shared product (private:
/// `gemm_steal.h`; an array of `BP_STEAL_MAX`, zeroed, per product).
struct bp_gemm_steal;

/// Adds to a delay (pause instructions) the owner of piece 0 spins after each block of
/// its last K block, so that tests see other threads steal from it (0, the start: none).
/// Tests add and later subtract their share, so tests running at once do not undo
/// each other's.
void bp_gemm_add_steal_delay(int spins);

/// Row blocks stolen so far in shared products (for tests and benchmarks).
ptrdiff_t bp_gemm_steal_count(void);

/// Row or column blocks stolen so far in the products the calling thread started:
/// shared products on the helper threads (`bp_sgemm_on_helpers`) and teams it gave back
/// (`bp_gemm_team_release`). Unlike `bp_gemm_steal_count`, other threads' products do
/// not add to it (for tests that run beside others).
ptrdiff_t bp_gemm_thread_steal_count(void);

/// `bp_sgemm_shared`, then `ep` (may be NULL) applied by each thread to every block of C
/// it finished, right after the block's last K block (`bp_gemm_epilogue`): the same bits
/// as the product followed by one `bp_bias_relu_f32` or `bp_step_mask_f32` pass over C.
/// With `steal` (may be NULL), a thread that runs out of pieces takes the far half of
/// the rows (column pieces) or columns (row pieces) another piece has left in its last
/// K block (same bits: every C block gets its
/// K blocks in order through the same micro-kernel).
void bp_sgemm_shared_epilogue(int byRows, ptrdiff_t chunk, ptrdiff_t *next, int transA, int transB,
                              ptrdiff_t M, ptrdiff_t N, ptrdiff_t K, const float *A, ptrdiff_t lda,
                              const float *B, ptrdiff_t ldb, float *C, ptrdiff_t ldc, int accumulate,
                              const bp_gemm_epilogue *ep, struct bp_gemm_steal *steal);

/// Double-precision twin of `bp_sgemm_shared_epilogue`.
void bp_dgemm_shared_epilogue(int byRows, ptrdiff_t chunk, ptrdiff_t *next, int transA, int transB,
                              ptrdiff_t M, ptrdiff_t N, ptrdiff_t K, const double *A, ptrdiff_t lda,
                              const double *B, ptrdiff_t ldb, double *C, ptrdiff_t ldc, int accumulate,
                              const bp_gemm_epilogue *ep, struct bp_gemm_steal *steal);

/// A team for one product split by rows over threads that packs op(B) once for
/// all of them (see bp_sgemm_team), or NULL when the product does not qualify
/// (small or vector-shaped, op(B) wider than 2048 columns or more than 2²²
/// elements once packed) or memory is short. Pass it to every thread's
/// bp_sgemm_team / bp_dgemm_team call (matching `isDouble`), then give it back
/// with bp_gemm_team_release once all of them have returned.
void *bp_gemm_team_acquire(int isDouble, ptrdiff_t M, ptrdiff_t N, ptrdiff_t K);

/// Rows per piece when a team splits M rows into at most `pieces` pieces of nearly
/// equal cost: whole row tiles, or (AVX-512, whose partial row tiles of up to 4 or 8
/// rows cost a third or two thirds of a full one) multiples of 4 rows, so 1024 rows
/// split 512 + 512 rather than 516 + 508 (43 tiles against 42⅓).
ptrdiff_t bp_gemm_team_rows(int isDouble, ptrdiff_t M, ptrdiff_t pieces);

/// Returns a team from bp_gemm_team_acquire (NULL is ignored).
void bp_gemm_team_release(void *team);

/// One thread's part of a product computed by a team: rows [i0, i0 + rows) of
/// C, the whole op(B). Every thread of the team passes the same team and the
/// same arguments except i0 and rows (disjoint ranges covering C). Threads
/// share the packing of op(B) and wait only for pieces another running thread
/// is packing, so they may run at the same time or one after another. Same
/// result, bit for bit, as one `bp_sgemm` call; with a NULL team, this thread's
/// rows are computed by bp_sgemm.
///
///     C[i0..<i0+rows, :] = op(A)[i0..<i0+rows, :] · op(B) + (accumulate ? C : 0)
void bp_sgemm_team(void *team, ptrdiff_t i0, ptrdiff_t rows, int transA, int transB, ptrdiff_t M,
                   ptrdiff_t N, ptrdiff_t K, const float *A, ptrdiff_t lda, const float *B,
                   ptrdiff_t ldb, float *C, ptrdiff_t ldc, int accumulate);

/// Double-precision twin of `bp_sgemm_team`.
void bp_dgemm_team(void *team, ptrdiff_t i0, ptrdiff_t rows, int transA, int transB, ptrdiff_t M,
                   ptrdiff_t N, ptrdiff_t K, const double *A, ptrdiff_t lda, const double *B,
                   ptrdiff_t ldb, double *C, ptrdiff_t ldc, int accumulate);

/// Which matmul kernel the running CPU gets: "avx512", "avx2", or "portable".
const char *bp_gemm_kernel_name(void);

/// Test hook: caps the matmul kernel at `kernel` (0 = automatic, 1 = portable,
/// 2 = AVX2+FMA, 3 = AVX-512) for all threads. A request above what the CPU
/// supports falls back to the best supported kernel. Returns the previous request.
int bp_gemm_force_kernel(int kernel);

/// Test hook: the AVX-512 float blocking for the whole process, set only between
/// products (no product may be running): 1 = MC 144, KC 400, NC 2048 (cores with an L2
/// under 2 MiB, Zen 4), 2 = MC 96, KC 512, NC 1024 (2 MiB L2, Sapphire and Emerald Rapids),
/// anything else = the one chosen from the L2 size at load. Returns the previous one (1 or 2).
int bp_gemm_force_float_blocking(int blocking);

/// Row-tile height (micro-kernel MR) of the active kernel: splitting C's rows
/// across threads at multiples of this keeps every tile full.
ptrdiff_t bp_gemm_row_block(int isDouble);

/// Column-tile width (micro-kernel NR) of the active kernel: splitting C's
/// columns across threads at multiples of this keeps every tile full.
ptrdiff_t bp_gemm_col_block(int isDouble);

/// Multiply-adds (m·n·k) below which splitting one product across threads
/// does not pay for the active kernel: about 100 µs of single-core work.
ptrdiff_t bp_gemm_parallel_threshold(int isDouble);

/// Naive triple-loop GEMM with the same contract as `bp_sgemm` (for tests).
void bp_sgemm_reference(int transA, int transB, ptrdiff_t M, ptrdiff_t N, ptrdiff_t K,
                        const float *A, ptrdiff_t lda, const float *B, ptrdiff_t ldb,
                        float *C, ptrdiff_t ldc, int accumulate);

/// Naive triple-loop GEMM with the same contract as `bp_dgemm` (for tests).
void bp_dgemm_reference(int transA, int transB, ptrdiff_t M, ptrdiff_t N, ptrdiff_t K,
                        const double *A, ptrdiff_t lda, const double *B, ptrdiff_t ldb,
                        double *C, ptrdiff_t ldc, int accumulate);

#ifdef __cplusplus
}
#endif

#endif
