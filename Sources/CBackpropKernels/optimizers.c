// Fused optimiser updates (see include/bp_optimizers.h). The AVX variant uses separate
// multiply and add instructions (never FMA) and IEEE division and square root, so every
// element gets exactly the rounding of the portable loop and of the Swift code it
// replaced; contraction into FMA is switched off for the scalar loops too.
#include "bp_optimizers.h"
#include "bp_helpers.h"
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

// MARK: - Updates split over threads, and SGD

// An update of n ≥ BP_OPT_SPLIT elements is cut into pieces of BP_OPT_PIECE elements that
// `threads` threads (the caller and the persistent helpers) claim with an atomic counter.
// Every element is updated by the same arithmetic wherever it falls, so the result does
// not depend on the split.
#define BP_OPT_SPLIT ((ptrdiff_t)1 << 16)
#define BP_OPT_PIECE ((ptrdiff_t)1 << 14)

typedef struct bp_opt_split {
    void (*range)(struct bp_opt_split *job, ptrdiff_t lo, ptrdiff_t hi);
    ptrdiff_t n, next;
} bp_opt_split;

static void bp_opt_task(void *context, ptrdiff_t index) {
    bp_opt_split *job = (bp_opt_split *)context;
    (void)index;
    for (;;) {
        ptrdiff_t lo = __atomic_fetch_add(&job->next, 1, __ATOMIC_RELAXED) * BP_OPT_PIECE;
        if (lo >= job->n) return;
        job->range(job, lo, lo + BP_OPT_PIECE < job->n ? lo + BP_OPT_PIECE : job->n);
    }
}

#if defined(__x86_64__) && defined(__linux__) && defined(__clang__)
#define BP_OPT_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define BP_OPT_CLONES
#endif
// w_new may be w_old exactly (in place): the iterations are independent either way.
#if defined(__clang__)
#define BP_OPT_INDEPENDENT _Pragma("clang loop vectorize(assume_safety)")
#elif defined(__GNUC__)
#define BP_OPT_INDEPENDENT _Pragma("GCC ivdep")
#else
#define BP_OPT_INDEPENDENT
#endif

#define SGD_DEFINE(T, F)                                                                  \
    BP_OPT_CLONES void bp_sgd_range_##F(const T *w_old, T *w_new, const T *g, T *v,       \
                                        ptrdiff_t n, T alpha, T mu) {                     \
        if (v) {                                                                          \
            BP_OPT_INDEPENDENT                                                            \
            for (ptrdiff_t i = 0; i < n; i++) {                                           \
                T vi = mu * v[i] + g[i];                                                  \
                v[i] = vi;                                                                \
                w_new[i] = w_old[i] - alpha * vi;                                         \
            }                                                                             \
        } else {                                                                          \
            BP_OPT_INDEPENDENT                                                            \
            for (ptrdiff_t i = 0; i < n; i++) w_new[i] = w_old[i] - alpha * g[i];         \
        }                                                                                 \
    }                                                                                     \
    typedef struct {                                                                      \
        bp_opt_split split;                                                               \
        const T *w_old;                                                                   \
        T *w_new;                                                                         \
        const T *g;                                                                       \
        T *v;                                                                             \
        T alpha, mu;                                                                      \
    } sgd_job_##F;                                                                        \
    static void sgd_piece_##F(bp_opt_split *split, ptrdiff_t lo, ptrdiff_t hi) {          \
        sgd_job_##F *j = (sgd_job_##F *)split;                                            \
        bp_sgd_range_##F(j->w_old + lo, j->w_new + lo, j->g + lo, j->v ? j->v + lo : NULL, \
                         hi - lo, j->alpha, j->mu);                                       \
    }                                                                                     \
    void bp_sgd_##F(const T *w_old, T *w_new, const T *g, T *v, ptrdiff_t n, T alpha, T mu, \
                    ptrdiff_t threads) {                                                  \
        if (n <= 0) return;                                                               \
        if (threads < 2 || n < BP_OPT_SPLIT) {                                            \
            bp_sgd_range_##F(w_old, w_new, g, v, n, alpha, mu);                           \
            return;                                                                       \
        }                                                                                 \
        sgd_job_##F job = {{sgd_piece_##F, n, 0}, w_old, w_new, g, v, alpha, mu};         \
        bp_helpers_run(threads, bp_opt_task, &job);                                       \
    }

SGD_DEFINE(float, f32)
SGD_DEFINE(double, f64)

#define ADAM_THREADS(T, F)                                                                \
    typedef struct {                                                                      \
        bp_opt_split split;                                                               \
        const T *w_old;                                                                   \
        T *w_new;                                                                         \
        const T *g;                                                                       \
        T *m, *v;                                                                         \
        T b1, b2, c1, c2, alpha, eps;                                                     \
    } adam_job_##F;                                                                       \
    static void adam_piece_##F(bp_opt_split *split, ptrdiff_t lo, ptrdiff_t hi) {         \
        adam_job_##F *j = (adam_job_##F *)split;                                          \
        bp_adam_##F(j->w_old + lo, j->w_new + lo, j->g + lo, j->m + lo, j->v + lo, hi - lo, \
                    j->b1, j->b2, j->c1, j->c2, j->alpha, j->eps);                        \
    }                                                                                     \
    void bp_adam_threads_##F(ADAM_PARAMS(T), ptrdiff_t threads) {                         \
        if (threads < 2 || n < BP_OPT_SPLIT) {                                            \
            bp_adam_##F(w_old, w_new, g, m, v, n, b1, b2, c1, c2, alpha, eps);            \
            return;                                                                       \
        }                                                                                 \
        adam_job_##F job = {{adam_piece_##F, n, 0}, w_old, w_new, g, m, v,                \
                            b1, b2, c1, c2, alpha, eps};                                  \
        bp_helpers_run(threads, bp_opt_task, &job);                                       \
    }

ADAM_THREADS(float, f32)
ADAM_THREADS(double, f64)
