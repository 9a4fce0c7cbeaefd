// Skinny single-precision matrix products: C with at most 16 columns, or op(A) with at
// most 12 rows or 16 columns (a 10-class output layer and its gradients), computed with
// the AVX-512 unit without packing, bit for bit as `bp_sgemm` computes them.
#ifndef BP_SKINNY_H
#define BP_SKINNY_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Longest K for which op(B) = Bᵀ with N ≤ 16 is copied (K × 16 floats) and taken.
#define BP_SKINNY_MAX_PACKED_K 4096

/// Whether `bp_sgemm_skinny` computes a product of this shape: the AVX-512 kernel is
/// active, M ≥ 2, N ≥ 2, M·N·K > 512 (not `bp_sgemm`'s vector or small paths), and
/// either N ≤ 16 (K ≤ BP_SKINNY_MAX_PACKED_K when op(B) = Bᵀ) or op(B) = B with K ≤ 16
/// or M ≤ 12.
int bp_sgemm_skinny_applies(int transA, int transB, ptrdiff_t M, ptrdiff_t N, ptrdiff_t K);

/// Products of at least this many multiply-adds (M·N·K) are split over threads.
#define BP_SKINNY_SPLIT_WORK (1 << 19)

/// C[M×N] = op(A)·op(B) (+ C when accumulate), as `bp_sgemm` (the same bits: each element
/// summed in the active kernel's K blocks, each block a chain of fused multiply-adds in k
/// order from +0, added to C as acc + C), on the calling thread, or with `workers` > 1 and
/// at least BP_SKINNY_SPLIT_WORK multiply-adds in pieces of whole tiles on the helper
/// threads (`bp_helpers_run`; every element computed the same way); then, when `H` is not
/// NULL, C ← C ⊙ step(H; threshold) as `bp_step_mask_f32` (H an M × N matrix of row
/// stride `ldh`, not overlapping C). Returns 0, touching nothing, when
/// `bp_sgemm_skinny_applies` is false (or a copy of op(B) could not be allocated).
int bp_sgemm_skinny(ptrdiff_t workers, int transA, int transB, ptrdiff_t M, ptrdiff_t N, ptrdiff_t K,
                    const float *A, ptrdiff_t lda, const float *B, ptrdiff_t ldb,
                    float *C, ptrdiff_t ldc, int accumulate, const float *H, ptrdiff_t ldh,
                    float threshold);

/// The depth of the packed driver's K blocks for the active kernel (gemm.c's
/// bp_kc_step): every element of a product sums its K blocks of this depth in order.
ptrdiff_t bp_gemm_k_block(int isDouble, ptrdiff_t K);

#ifdef __cplusplus
}
#endif

#endif
