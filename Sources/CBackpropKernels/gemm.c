// Portable reference GEMM. Faster kernels replace the body behind the same
// interface (see CBackpropKernels.h).
#include "CBackpropKernels.h"

#define GEMM_BODY(T)                                                           \
    for (ptrdiff_t i = 0; i < M; i++) {                                        \
        for (ptrdiff_t j = 0; j < N; j++) {                                    \
            T s = 0;                                                           \
            for (ptrdiff_t k = 0; k < K; k++) {                                \
                T a = transA ? A[k * lda + i] : A[i * lda + k];                \
                T b = transB ? B[j * ldb + k] : B[k * ldb + j];                \
                s += a * b;                                                    \
            }                                                                  \
            C[i * ldc + j] = accumulate ? C[i * ldc + j] + s : s;              \
        }                                                                      \
    }

void bp_sgemm(int transA, int transB, ptrdiff_t M, ptrdiff_t N, ptrdiff_t K,
              const float *A, ptrdiff_t lda, const float *B, ptrdiff_t ldb,
              float *C, ptrdiff_t ldc, int accumulate) { GEMM_BODY(float) }

void bp_dgemm(int transA, int transB, ptrdiff_t M, ptrdiff_t N, ptrdiff_t K,
              const double *A, ptrdiff_t lda, const double *B, ptrdiff_t ldb,
              double *C, ptrdiff_t ldc, int accumulate) { GEMM_BODY(double) }

const char *bp_gemm_kernel_name(void) { return "portable"; }
