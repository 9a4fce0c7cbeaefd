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
    /* Each mask has one loop over restrict pointers, called in place (out = g: one   \
       pointer read and written) or apart. (With g and out as two plain pointers the  \
       compiler checks at run time whether they overlap and, when they are equal,     \
       runs its scalar loop: the in-place mask of `matmul+step` ran 8× slower.)       \
       Inlined into each clone of the entry point. */                                  \
    static inline __attribute__((always_inline)) void step_mask_##SUF(                 \
        const T *restrict g, const T *restrict h, T t, T *restrict out, ptrdiff_t n,   \
        int inPlace) {                                                                 \
        for (ptrdiff_t i = 0; i < n; i++) {                                            \
            T x = h[i];                                                                \
            T d = x > t ? (T)1 : (T)0;   /* two selects, no branch: vectorises */       \
            d = x != x ? x : d;          /* NaN stays NaN, as the table's step */       \
            out[i] = (inPlace ? out[i] : g[i]) * d;                                    \
        }                                                                              \
    }                                                                                  \
    BP_CLONES void bp_step_mask_##SUF(const T *g, const T *h, T t, T *out, ptrdiff_t n) { \
        if (g == out) step_mask_##SUF(NULL, h, t, out, n, 1);                          \
        else step_mask_##SUF(g, h, t, out, n, 0);                                      \
    }                                                                                  \
    static inline __attribute__((always_inline)) void sigmoid_mask_##SUF(              \
        const T *restrict g, const T *restrict y, T *restrict out, ptrdiff_t n,        \
        int inPlace) {                                                                 \
        for (ptrdiff_t i = 0; i < n; i++) {                                            \
            T d = y[i] * ((T)1 - y[i]);                                                \
            out[i] = (inPlace ? out[i] : g[i]) * d;                                    \
        }                                                                              \
    }                                                                                  \
    BP_CLONES void bp_sigmoid_mask_##SUF(const T *g, const T *y, T *out, ptrdiff_t n) { \
        if (g == out) sigmoid_mask_##SUF(NULL, y, out, n, 1);                          \
        else sigmoid_mask_##SUF(g, y, out, n, 0);                                      \
    }                                                                                  \
    static inline __attribute__((always_inline)) void tanh_mask_##SUF(                 \
        const T *restrict g, const T *restrict y, T *restrict out, ptrdiff_t n,        \
        int inPlace) {                                                                 \
        for (ptrdiff_t i = 0; i < n; i++) {                                            \
            T s = y[i] * y[i];                                                         \
            T d = (T)1 - s;                                                            \
            out[i] = (inPlace ? out[i] : g[i]) * d;                                    \
        }                                                                              \
    }                                                                                  \
    BP_CLONES void bp_tanh_mask_##SUF(const T *g, const T *y, T *out, ptrdiff_t n) {  \
        if (g == out) tanh_mask_##SUF(NULL, y, out, n, 1);                             \
        else tanh_mask_##SUF(g, y, out, n, 0);                                         \
    }

DEFINE_EPILOGUES(float, f32)
DEFINE_EPILOGUES(double, f64)
