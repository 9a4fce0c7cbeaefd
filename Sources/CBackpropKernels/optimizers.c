// Fused optimiser updates (see include/bp_optimizers.h). The AVX variant uses separate
// multiply and add instructions (never FMA) and IEEE division and square root, so every
// element gets exactly the rounding of the portable loop and of the Swift code it
// replaced; contraction into FMA is switched off for the scalar loops too.
#include "bp_optimizers.h"
#include <math.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define BP_OPT_X86 1
#else
#define BP_OPT_X86 0
#endif

#pragma STDC FP_CONTRACT OFF

static int bp_opt_has_avx(void) {
#if BP_OPT_X86
    static int cached = -1;
    if (cached < 0) {
        __builtin_cpu_init();
        cached = __builtin_cpu_supports("avx") ? 1 : 0;
    }
    return cached;
#else
    return 0;
#endif
}

#define ADAM_SCALAR(T, SQRT)                                                              \
    for (; i < n; i++) {                                                                  \
        T gi = g[i];                                                                      \
        T mi = b1 * m[i] + ob1 * gi;                                                      \
        T vi = b2 * v[i] + (ob2 * gi) * gi;                                               \
        m[i] = mi;                                                                        \
        v[i] = vi;                                                                        \
        T mhat = mi / c1, vhat = vi / c2;                                                 \
        w_new[i] = w_old[i] - (alpha * mhat) / (SQRT(vhat) + eps);                        \
    }

// One element type's Adam kernels: the portable loop, the AVX loop (X86 only) and the
// exported entry that picks one. T is the scalar type, F its name suffix (f32 / f64), SQRT
// its square root; V the AVX vector type, P the intrinsic suffix (ps / pd), W the lanes.
#define ADAM_PARAMS(T) const T *w_old, T *w_new, const T *g, T *m, T *v, ptrdiff_t n, \
                       T b1, T b2, T c1, T c2, T alpha, T eps

#define ADAM_PORTABLE(T, F, SQRT)                                                         \
    static void adam_##F##_portable(ADAM_PARAMS(T)) {                                     \
        const T ob1 = (T)1 - b1, ob2 = (T)1 - b2;                                         \
        ptrdiff_t i = 0;                                                                  \
        ADAM_SCALAR(T, SQRT)                                                              \
    }

#define ADAM_AVX(T, F, SQRT, V, P, W)                                                     \
    __attribute__((target("avx")))                                                        \
    static void adam_##F##_avx(ADAM_PARAMS(T)) {                                          \
        const T ob1 = (T)1 - b1, ob2 = (T)1 - b2;                                         \
        const V B1 = _mm256_set1_##P(b1), B2 = _mm256_set1_##P(b2);                       \
        const V OB1 = _mm256_set1_##P(ob1), OB2 = _mm256_set1_##P(ob2);                   \
        const V C1 = _mm256_set1_##P(c1), C2 = _mm256_set1_##P(c2);                       \
        const V A = _mm256_set1_##P(alpha), E = _mm256_set1_##P(eps);                     \
        ptrdiff_t i = 0;                                                                  \
        for (; i + W <= n; i += W) {                                                      \
            V gi = _mm256_loadu_##P(g + i);                                               \
            V mi = _mm256_add_##P(_mm256_mul_##P(B1, _mm256_loadu_##P(m + i)),            \
                                  _mm256_mul_##P(OB1, gi));                               \
            V vi = _mm256_add_##P(_mm256_mul_##P(B2, _mm256_loadu_##P(v + i)),            \
                                  _mm256_mul_##P(_mm256_mul_##P(OB2, gi), gi));           \
            _mm256_storeu_##P(m + i, mi);                                                 \
            _mm256_storeu_##P(v + i, vi);                                                 \
            V step = _mm256_div_##P(_mm256_mul_##P(A, _mm256_div_##P(mi, C1)),           \
                                    _mm256_add_##P(_mm256_sqrt_##P(_mm256_div_##P(vi, C2)), E)); \
            _mm256_storeu_##P(w_new + i, _mm256_sub_##P(_mm256_loadu_##P(w_old + i), step)); \
        }                                                                                 \
        ADAM_SCALAR(T, SQRT)                                                              \
    }

#if BP_OPT_X86
#define ADAM_PICK(F)                                                                      \
    if (bp_opt_has_avx()) { adam_##F##_avx(w_old, w_new, g, m, v, n, b1, b2, c1, c2, alpha, eps); return; }
#else
#define ADAM_PICK(F)
#endif

#define ADAM_ENTRY(T, F)                                                                  \
    void bp_adam_##F(ADAM_PARAMS(T)) {                                                    \
        if (n <= 0) return;                                                               \
        ADAM_PICK(F)                                                                      \
        adam_##F##_portable(w_old, w_new, g, m, v, n, b1, b2, c1, c2, alpha, eps);        \
    }

ADAM_PORTABLE(float, f32, sqrtf)
ADAM_PORTABLE(double, f64, sqrt)
#if BP_OPT_X86
ADAM_AVX(float, f32, sqrtf, __m256, ps, 8)
ADAM_AVX(double, f64, sqrt, __m256d, pd, 4)
#endif
ADAM_ENTRY(float, f32)
ADAM_ENTRY(double, f64)
