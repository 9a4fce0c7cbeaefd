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

static void adam_f32_portable(const float *w_old, float *w_new, const float *g, float *m, float *v, ptrdiff_t n,
                              float b1, float b2, float c1, float c2, float alpha, float eps) {
    const float ob1 = 1.0f - b1, ob2 = 1.0f - b2;
    ptrdiff_t i = 0;
    ADAM_SCALAR(float, sqrtf)
}

static void adam_f64_portable(const double *w_old, double *w_new, const double *g, double *m, double *v, ptrdiff_t n,
                              double b1, double b2, double c1, double c2, double alpha, double eps) {
    const double ob1 = 1.0 - b1, ob2 = 1.0 - b2;
    ptrdiff_t i = 0;
    ADAM_SCALAR(double, sqrt)
}

#if BP_OPT_X86
__attribute__((target("avx")))
static void adam_f32_avx(const float *w_old, float *w_new, const float *g, float *m, float *v, ptrdiff_t n,
                         float b1, float b2, float c1, float c2, float alpha, float eps) {
    const float ob1 = 1.0f - b1, ob2 = 1.0f - b2;
    const __m256 B1 = _mm256_set1_ps(b1), B2 = _mm256_set1_ps(b2), OB1 = _mm256_set1_ps(ob1), OB2 = _mm256_set1_ps(ob2);
    const __m256 C1 = _mm256_set1_ps(c1), C2 = _mm256_set1_ps(c2), A = _mm256_set1_ps(alpha), E = _mm256_set1_ps(eps);
    ptrdiff_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 gi = _mm256_loadu_ps(g + i);
        __m256 mi = _mm256_add_ps(_mm256_mul_ps(B1, _mm256_loadu_ps(m + i)), _mm256_mul_ps(OB1, gi));
        __m256 vi = _mm256_add_ps(_mm256_mul_ps(B2, _mm256_loadu_ps(v + i)), _mm256_mul_ps(_mm256_mul_ps(OB2, gi), gi));
        _mm256_storeu_ps(m + i, mi);
        _mm256_storeu_ps(v + i, vi);
        __m256 step = _mm256_div_ps(_mm256_mul_ps(A, _mm256_div_ps(mi, C1)),
                                    _mm256_add_ps(_mm256_sqrt_ps(_mm256_div_ps(vi, C2)), E));
        _mm256_storeu_ps(w_new + i, _mm256_sub_ps(_mm256_loadu_ps(w_old + i), step));
    }
    ADAM_SCALAR(float, sqrtf)
}

__attribute__((target("avx")))
static void adam_f64_avx(const double *w_old, double *w_new, const double *g, double *m, double *v, ptrdiff_t n,
                         double b1, double b2, double c1, double c2, double alpha, double eps) {
    const double ob1 = 1.0 - b1, ob2 = 1.0 - b2;
    const __m256d B1 = _mm256_set1_pd(b1), B2 = _mm256_set1_pd(b2), OB1 = _mm256_set1_pd(ob1), OB2 = _mm256_set1_pd(ob2);
    const __m256d C1 = _mm256_set1_pd(c1), C2 = _mm256_set1_pd(c2), A = _mm256_set1_pd(alpha), E = _mm256_set1_pd(eps);
    ptrdiff_t i = 0;
    for (; i + 4 <= n; i += 4) {
        __m256d gi = _mm256_loadu_pd(g + i);
        __m256d mi = _mm256_add_pd(_mm256_mul_pd(B1, _mm256_loadu_pd(m + i)), _mm256_mul_pd(OB1, gi));
        __m256d vi = _mm256_add_pd(_mm256_mul_pd(B2, _mm256_loadu_pd(v + i)), _mm256_mul_pd(_mm256_mul_pd(OB2, gi), gi));
        _mm256_storeu_pd(m + i, mi);
        _mm256_storeu_pd(v + i, vi);
        __m256d step = _mm256_div_pd(_mm256_mul_pd(A, _mm256_div_pd(mi, C1)),
                                     _mm256_add_pd(_mm256_sqrt_pd(_mm256_div_pd(vi, C2)), E));
        _mm256_storeu_pd(w_new + i, _mm256_sub_pd(_mm256_loadu_pd(w_old + i), step));
    }
    ADAM_SCALAR(double, sqrt)
}
#endif

void bp_adam_f32(const float *w_old, float *w_new, const float *g, float *m, float *v, ptrdiff_t n,
                 float b1, float b2, float c1, float c2, float alpha, float eps) {
    if (n <= 0) return;
#if BP_OPT_X86
    if (bp_opt_has_avx()) { adam_f32_avx(w_old, w_new, g, m, v, n, b1, b2, c1, c2, alpha, eps); return; }
#endif
    adam_f32_portable(w_old, w_new, g, m, v, n, b1, b2, c1, c2, alpha, eps);
}

void bp_adam_f64(const double *w_old, double *w_new, const double *g, double *m, double *v, ptrdiff_t n,
                 double b1, double b2, double c1, double c2, double alpha, double eps) {
    if (n <= 0) return;
#if BP_OPT_X86
    if (bp_opt_has_avx()) { adam_f64_avx(w_old, w_new, g, m, v, n, b1, b2, c1, c2, alpha, eps); return; }
#endif
    adam_f64_portable(w_old, w_new, g, m, v, n, b1, b2, c1, c2, alpha, eps);
}
