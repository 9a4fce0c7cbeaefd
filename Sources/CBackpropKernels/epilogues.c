// Fused epilogues of matrix products in compiled programs (see include/bp_epilogues.h).
// Plain loops the compiler vectorises, cloned for AVX-512, AVX2 and baseline x86-64 and
// picked at load time; no FMA contraction, so every element is rounded exactly as by the
// separate elementwise ops these loops replace.
#include "bp_epilogues.h"

#pragma STDC FP_CONTRACT OFF

#if defined(__x86_64__) && defined(__linux__) && defined(__clang__)
#define BP_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define BP_CLONES
#endif

// out[i] = g[i] · d, where the statements after `n` compute d from hv = h[i] (selects,
// no branch). `out` is g or h (in place) or overlaps neither, so no iteration depends on
// another: the pragma says so, and the loop is vectorised in place too (without it the
// vectoriser's overlap check sent every in-place call, out = g, to the scalar loop:
// 166 µs instead of 15 for a 256 × 512 mask).
#if defined(__clang__)
#define BP_INDEPENDENT_ITERATIONS _Pragma("clang loop vectorize(assume_safety)")
#elif defined(__GNUC__)
#define BP_INDEPENDENT_ITERATIONS _Pragma("GCC ivdep")
#else
#define BP_INDEPENDENT_ITERATIONS
#endif
#define BP_MASK_LOOPS(T, g, h, out, n, ...)                                              \
    BP_INDEPENDENT_ITERATIONS                                                            \
    for (ptrdiff_t i = 0; i < n; i++) {                                                  \
        T hv = h[i];                                                                     \
        __VA_ARGS__;                                                                     \
        out[i] = g[i] * d;                                                               \
    }

#define DEFINE_EPILOGUES(T, SUF)                                                         \
    BP_CLONES void bp_bias_relu_##SUF(T *c, const T *bias, ptrdiff_t m, ptrdiff_t n) {   \
        for (ptrdiff_t i = 0; i < m; i++) {                                              \
            T *restrict r = c + i * n;                                                   \
            if (bias) {                                                                  \
                for (ptrdiff_t j = 0; j < n; j++) {                                      \
                    T v = r[j] + bias[j];                                                \
                    r[j] = v <= 0 ? (T)0 : v;                                            \
                }                                                                        \
            } else {                                                                     \
                for (ptrdiff_t j = 0; j < n; j++) {                                      \
                    T v = r[j];                                                          \
                    r[j] = v <= 0 ? (T)0 : v;                                            \
                }                                                                        \
            }                                                                            \
        }                                                                                \
    }                                                                                    \
    BP_CLONES void bp_step_mask_##SUF(const T *g, const T *h, T t, T *out, ptrdiff_t n) { \
        BP_MASK_LOOPS(T, g, h, out, n, T x = hv; T d = x > t ? (T)1 : (T)0;             \
                      d = x != x ? x : d /* NaN stays NaN, as the table's step */)       \
    }                                                                                    \
    BP_CLONES void bp_sigmoid_mask_##SUF(const T *g, const T *y, T *out, ptrdiff_t n) { \
        BP_MASK_LOOPS(T, g, y, out, n, T d = hv * ((T)1 - hv))                           \
    }                                                                                    \
    BP_CLONES void bp_tanh_mask_##SUF(const T *g, const T *y, T *out, ptrdiff_t n) {  \
        BP_MASK_LOOPS(T, g, y, out, n, T s = hv * hv; T d = (T)1 - s)                    \
    }

DEFINE_EPILOGUES(float, f32)
DEFINE_EPILOGUES(double, f64)

// Block by block for split products (see bp_gemm_epilogue): each row of the block is
// one call of the whole-matrix functions above, so each element gets their operations.
#define DEFINE_BLOCK_EPILOGUE(T, SUF)                                                    \
    void bp_gemm_epilogue_##SUF(const bp_gemm_epilogue *e, T *C, ptrdiff_t ldc, ptrdiff_t i0, \
                                ptrdiff_t rows, ptrdiff_t j0, ptrdiff_t cols) {           \
        if (!e || rows <= 0 || cols <= 0) return;                                        \
        switch (e->kind) {                                                               \
        case BP_EPILOGUE_BIAS_RELU: {                                                    \
            const T *bias = e->bias ? (const T *)e->bias + j0 : NULL;                    \
            for (ptrdiff_t i = i0; i < i0 + rows; i++)                                   \
                bp_bias_relu_##SUF(C + i * ldc + j0, bias, 1, cols);                     \
            break;                                                                       \
        }                                                                                \
        case BP_EPILOGUE_STEP_MASK: {                                                    \
            const T *h = (const T *)e->h;                                                \
            for (ptrdiff_t i = i0; i < i0 + rows; i++)                                   \
                bp_step_mask_##SUF(C + i * ldc + j0, h + i * e->ldh + j0, (T)e->threshold, \
                                   C + i * ldc + j0, cols);                              \
            break;                                                                       \
        }                                                                                \
        default:                                                                         \
            break;                                                                       \
        }                                                                                \
    }

DEFINE_BLOCK_EPILOGUE(float, f32)
DEFINE_BLOCK_EPILOGUE(double, f64)
