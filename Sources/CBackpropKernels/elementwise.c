// Vectorised elementwise kernels (exp, log, tanh, sigmoid, relu, their backward loops,
// sum) for float and double. AVX2+FMA versions, and AVX-512 ones of exp, log, tanh and
// sigmoid (one source for both widths, the same bits), are compiled with a function
// attribute and chosen at run time with __builtin_cpu_supports (no compiler flags); the
// portable versions call the C library. See Docs/Performance.md, "Elementwise ops".
//
// Algorithms (the same for float and double, different degrees):
//
//   exp x   = 2^k · (1 + p),  k = round(x/ln2),  r = x − k·ln2 (Cody–Waite, two FMAs),
//             p = r + r²·Q(r) ≈ e^r − 1 (Taylor, |r| ≤ ln2/2: degree 13 double, 7 float).
//             2^k is applied as 2^⌊k/2⌋ · 2^(k−⌊k/2⌋), so overflow to inf and gradual
//             underflow to denormals and 0 happen in the last multiply (one rounding).
//   expm1 y = 2^k·p + (2^k − 1)   in one FMA (y ≥ 0 small: used by tanh).
//   log x   = k·ln2 + log1p(f),  x = 2^k·(1 + f), 1 + f ∈ [√2/2, √2)  (fdlibm's e_log.c:
//             s = f/(2 + f), log1p f = f − (f²/2 − s·(f²/2 + R(s²))); Lg1…Lg7 for
//             double, the Taylor series 2/3, 2/5, 2/7, 2/9 for float). Denormals are
//             scaled by 2^54 / 2^25 first.
//   tanh x  = sign(x) · t/(t + 2)        when |x| ≤ 0.55  (tanh ≤ 0.5)
//           = sign(x) · (1 − 2/(t + 2))  otherwise,   t = expm1(2·min(|x|, 20 | 10)).
//   σ(x)    = 1/(1 + e)  (x ≥ 0),  e/(1 + e)  (x < 0),   e = exp(−|x|).
//
// Tails (n mod vector width) use masked loads and stores, so every element goes
// through the same vector code.
#include "CBackpropKernels.h"

#include <float.h>
#include <math.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define BP_EW_X86 1
#else
#define BP_EW_X86 0
#endif

// MARK: - Run-time dispatch

enum { BP_EW_AUTO = 0, BP_EW_PORTABLE = 1, BP_EW_AVX2 = 2, BP_EW_AVX512 = 3 };

// Test hook only, per thread (so a test forcing the portable kernels cannot change
// what other threads compute meanwhile); read on every call; any value is correct.
static _Thread_local int bp_ew_forced = BP_EW_AUTO;

static int bp_ew_best(void) {
#if BP_EW_X86
    __builtin_cpu_init();
    if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma")) return BP_EW_PORTABLE;
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq")) return BP_EW_AVX512;
    return BP_EW_AVX2;
#endif
    return BP_EW_PORTABLE;
}

static int bp_ew_active(void) {
    int best = bp_ew_best();
    int forced = bp_ew_forced;
    return forced != BP_EW_AUTO && forced < best ? forced : best;
}

int bp_elementwise_force_kernel(int kernel) {
    if (kernel < BP_EW_AUTO || kernel > BP_EW_AVX512) kernel = BP_EW_AUTO;
    int previous = bp_ew_forced;
    bp_ew_forced = kernel;
    return previous;
}

const char *bp_elementwise_kernel_name(void) {
    switch (bp_ew_active()) {
    case BP_EW_AVX512: return "avx512";
    case BP_EW_AVX2: return "avx2";
    default: return "portable";
    }
}

// MARK: - Portable kernels (C library)

static float sigmoid_f32_scalar(float x) {
    if (x >= 0) return 1.0f / (1.0f + expf(-x));
    float e = expf(x);
    return e / (1.0f + e);
}

static double sigmoid_f64_scalar(double x) {
    if (x >= 0) return 1.0 / (1.0 + exp(-x));
    double e = exp(x);
    return e / (1.0 + e);
}

#define DEFINE_PORTABLE_MAP(NAME, T, EXPR)                                   \
    static void NAME(const T *x, T *y, ptrdiff_t n) {                       \
        for (ptrdiff_t i = 0; i < n; i++) { T v = x[i]; y[i] = (EXPR); }   \
    }

DEFINE_PORTABLE_MAP(exp_f32_portable, float, expf(v))
DEFINE_PORTABLE_MAP(exp_f64_portable, double, exp(v))
DEFINE_PORTABLE_MAP(log_f32_portable, float, logf(v))
DEFINE_PORTABLE_MAP(log_f64_portable, double, log(v))
DEFINE_PORTABLE_MAP(tanh_f32_portable, float, tanhf(v))
DEFINE_PORTABLE_MAP(tanh_f64_portable, double, tanh(v))
DEFINE_PORTABLE_MAP(sigmoid_f32_portable, float, sigmoid_f32_scalar(v))
DEFINE_PORTABLE_MAP(sigmoid_f64_portable, double, sigmoid_f64_scalar(v))
// relu as the table defines it: 0 for x ≤ 0 (−0 included), x otherwise (NaN stays NaN).
DEFINE_PORTABLE_MAP(relu_f32_portable, float, v <= 0.0f ? 0.0f : v)
DEFINE_PORTABLE_MAP(relu_f64_portable, double, v <= 0.0 ? 0.0 : v)

#define DEFINE_PORTABLE_BACKWARD(NAME, T, EXPR)                                              \
    static void NAME(const T *y, const T *g, T *out, ptrdiff_t n) {                         \
        for (ptrdiff_t i = 0; i < n; i++) { T v = y[i], w = g[i]; out[i] = (EXPR); }       \
    }

DEFINE_PORTABLE_BACKWARD(tanh_backward_f32_portable, float, w * (1.0f - v * v))
DEFINE_PORTABLE_BACKWARD(tanh_backward_f64_portable, double, w * (1.0 - v * v))
DEFINE_PORTABLE_BACKWARD(sigmoid_backward_f32_portable, float, w * (v * (1.0f - v)))
DEFINE_PORTABLE_BACKWARD(sigmoid_backward_f64_portable, double, w * (v * (1.0 - v)))
// relu: `v` is the input x here (not the output); written as selects so compilers
// keep it branch-free (a branch on the sign of random data mispredicts half the time).
// A NaN input gives NaN (relu′(NaN) is NaN, as in the scalar engine).
DEFINE_PORTABLE_BACKWARD(relu_backward_f32_portable, float, v > 0.0f ? w : (v <= 0.0f ? 0.0f : v))
DEFINE_PORTABLE_BACKWARD(relu_backward_f64_portable, double, v > 0.0 ? w : (v <= 0.0 ? 0.0 : v))

// The sums keep LANES partial sums, element i going to lane i mod LANES, and combine
// them pairwise: the AVX2 code does exactly the same additions in the same order, so
// both give identical results.
#define SUM_LANES_F32 32
#define SUM_LANES_F64 16

#define DEFINE_PORTABLE_SUM(NAME, T, LANES)                                      \
    static T NAME(const T *x, ptrdiff_t n) {                                    \
        T acc[LANES] = {0};                                                     \
        ptrdiff_t i = 0;                                                        \
        for (; i + LANES <= n; i += LANES)                                      \
            for (int l = 0; l < LANES; l++) acc[l] += x[i + l];                 \
        for (int l = 0; i + l < n; l++) acc[l] += x[i + l];                     \
        for (int width = LANES / 2; width >= 1; width /= 2)                     \
            for (int l = 0; l < width; l++) acc[l] += acc[l + width];           \
        return acc[0];                                                          \
    }

DEFINE_PORTABLE_SUM(sum_f32_portable, float, SUM_LANES_F32)
DEFINE_PORTABLE_SUM(sum_f64_portable, double, SUM_LANES_F64)

#if BP_EW_X86

// MARK: - AVX2 + FMA, and AVX-512

#define AVX2 __attribute__((target("avx2,fma")))
#define AVX2_INLINE static inline __attribute__((target("avx2,fma"), always_inline))
#define AVX512 __attribute__((target("avx512f,avx512dq,avx2,fma")))
#define AVX512_INLINE static inline __attribute__((target("avx512f,avx512dq,avx2,fma"), always_inline))

// Lane masks for the tails: the first `count` lanes set.
AVX2_INLINE __m256i tail_mask_ps(ptrdiff_t count) {
    const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)count), lanes);
}

AVX2_INLINE __m256i tail_mask_pd(ptrdiff_t count) {
    const __m256i lanes = _mm256_setr_epi64x(0, 1, 2, 3);
    return _mm256_cmpgt_epi64(_mm256_set1_epi64x((long long)count), lanes);
}


// Each vector body below is written once, as a macro over the vector width P (256:
// AVX2, 512: AVX-512), the intrinsics' suffix S (pd: doubles, ps: floats) and the
// element type T, and instantiated for the four combinations with each type's
// constants. Only what differs in algorithm is written per type: the degree of Q(r),
// log's polynomial and exponent bits, and 2^k. The few operations spelled differently
// at the two widths go through the BP_*_256 / BP_*_512 macros below: a comparison gives
// a vector of all-ones lanes at 256 bits and a k-mask at 512. Both widths do the same
// IEEE operations in the same order on every lane (the 12-bit reciprocal estimate
// included), so the AVX-512 and AVX2 kernels give the same bits on one CPU.
// (Comments inside the macros are /* */: a // comment would swallow the continuation.)

#define BP_INLINE_256 AVX2_INLINE
#define BP_INLINE_512 AVX512_INLINE
/* The type of a lane comparison. */
#define BP_MASK_256_ps __m256
#define BP_MASK_256_pd __m256d
#define BP_MASK_512_ps __mmask16
#define BP_MASK_512_pd __mmask8
/* a <imm> b on every lane. */
#define BP_CMP_256(S, a, b, imm) _mm256_cmp_##S(a, b, imm)
#define BP_CMP_512(S, a, b, imm) _mm512_cmp_##S##_mask(a, b, imm)
/* b where m, else a. */
#define BP_BLEND_256(S, m, a, b) _mm256_blendv_##S(a, b, m)
#define BP_BLEND_512(S, m, a, b) _mm512_mask_blend_##S(m, a, b)
/* v where m, else +0. */
#define BP_KEEP_256(S, m, v) _mm256_and_##S(m, v)
#define BP_KEEP_512(S, m, v) _mm512_maskz_mov_##S(m, v)
/* +0 where m, else v. */
#define BP_DROP_256(S, m, v) _mm256_andnot_##S(m, v)
#define BP_DROP_512(S, m, v) _mm512_mask_mov_##S(v, m, _mm512_setzero_##S())
/* Rounding to the nearest integer (ties to even) and down. */
#define BP_ROUND_256(S, x) _mm256_round_##S(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC)
#define BP_ROUND_512(S, x) _mm512_roundscale_##S(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC)
#define BP_FLOOR_256(S, x) _mm256_round_##S(x, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC)
#define BP_FLOOR_512(S, x) _mm512_roundscale_##S(x, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC)

// --- per type ---

/// Q(r) = 1/2! + r/3! + … + r^D/(D+2)!, so that e^r − 1 = r + r²·Q(r) (Taylor), by
/// Horner's rule: expm1_series_higher(r) gives the terms from 1/7! up (degree D = 11 for
/// double, truncation error below 2⁻⁵⁹ for |r| ≤ ln2/2; D = 5 for float, below 2⁻²⁸),
/// and the steps down to 1/2! are shared.
#define DEFINE_EXPM1_SERIES(P, S, V, T)                                              \
    BP_INLINE_##P V expm1_series_##P##S(V r) {                                       \
        V q = expm1_series_higher_##P##S(r);                                         \
        q = _mm##P##_fmadd_##S(q, r, _mm##P##_set1_##S((T)1.0 / (T)720.0));          \
        q = _mm##P##_fmadd_##S(q, r, _mm##P##_set1_##S((T)1.0 / (T)120.0));          \
        q = _mm##P##_fmadd_##S(q, r, _mm##P##_set1_##S((T)1.0 / (T)24.0));           \
        q = _mm##P##_fmadd_##S(q, r, _mm##P##_set1_##S((T)1.0 / (T)6.0));            \
        return _mm##P##_fmadd_##S(q, r, _mm##P##_set1_##S((T)0.5));                  \
    }

/// 1/7! + r/8! + … + r⁶/13! (double); 1/7! (float: the series stops there). 2^k for an
/// integral k with −1022 ≤ k ≤ 1023 (double) or −126 ≤ k ≤ 127 (float).
#define DEFINE_PER_TYPE(P)                                                           \
    BP_INLINE_##P __m##P##d expm1_series_higher_##P##pd(__m##P##d r) {               \
        __m##P##d q = _mm##P##_set1_pd(1.0 / 6227020800.0);            /* 1/13! */   \
        q = _mm##P##_fmadd_pd(q, r, _mm##P##_set1_pd(1.0 / 479001600.0)); /* 1/12! */ \
        q = _mm##P##_fmadd_pd(q, r, _mm##P##_set1_pd(1.0 / 39916800.0));             \
        q = _mm##P##_fmadd_pd(q, r, _mm##P##_set1_pd(1.0 / 3628800.0));              \
        q = _mm##P##_fmadd_pd(q, r, _mm##P##_set1_pd(1.0 / 362880.0));               \
        q = _mm##P##_fmadd_pd(q, r, _mm##P##_set1_pd(1.0 / 40320.0));                \
        return _mm##P##_fmadd_pd(q, r, _mm##P##_set1_pd(1.0 / 5040.0));  /* 1/7! */  \
    }                                                                                \
    BP_INLINE_##P __m##P expm1_series_higher_##P##ps(__m##P r) {                     \
        (void)r;                                                                     \
        return _mm##P##_set1_ps(1.0f / 5040.0f);                                     \
    }                                                                                \
    BP_INLINE_##P __m##P##d pow2_##P##pd(__m##P##d k) {                              \
        __m##P##d biased = _mm##P##_add_pd(k, _mm##P##_set1_pd(0x1.8p52 + 1023.0));  \
        return _mm##P##_castsi##P##_pd(_mm##P##_slli_epi64(_mm##P##_castpd_si##P(biased), 52)); \
    }                                                                                \
    BP_INLINE_##P __m##P pow2_##P##ps(__m##P k) {                                    \
        __m##P##i e = _mm##P##_add_epi32(_mm##P##_cvtps_epi32(k), _mm##P##_set1_epi32(127)); \
        return _mm##P##_castsi##P##_ps(_mm##P##_slli_epi32(e, 23));                  \
    }

DEFINE_PER_TYPE(256)
DEFINE_PER_TYPE(512)
DEFINE_EXPM1_SERIES(256, pd, __m256d, double)
DEFINE_EXPM1_SERIES(256, ps, __m256, float)
DEFINE_EXPM1_SERIES(512, pd, __m512d, double)
DEFINE_EXPM1_SERIES(512, ps, __m512, float)

/// 1/d to about 12 bits (the float reciprocal estimate, the same instruction at both
/// widths): enough for the correction step q + (n − q·d)/d, whose residual n − q·d is
/// already ~2⁻⁵³·n (double) or ~2⁻²⁴·n (float).
AVX2_INLINE __m256d approx_recip_256pd(__m256d d) {
    return _mm256_cvtps_pd(_mm_rcp_ps(_mm256_cvtpd_ps(d)));
}
AVX2_INLINE __m256 approx_recip_256ps(__m256 d) { return _mm256_rcp_ps(d); }
AVX512_INLINE __m512d approx_recip_512pd(__m512d d) {
    return _mm512_cvtps_pd(_mm256_rcp_ps(_mm512_cvtpd_ps(d)));
}
AVX512_INLINE __m512 approx_recip_512ps(__m512 d) {
    __m256 lo = _mm256_rcp_ps(_mm512_castps512_ps256(d));
    __m256 hi = _mm256_rcp_ps(_mm512_extractf32x8_ps(d, 1));
    return _mm512_insertf32x8(_mm512_castps256_ps512(lo), hi, 1);
}

// --- written once ---

/// e^r − 1 for |r| ≲ ln2/2: r + r²·Q(r).
#define DEFINE_EXPM1_REDUCED(P, S, V)                                                \
    BP_INLINE_##P V expm1_reduced_##P##S(V r) {                                      \
        return _mm##P##_fmadd_##S(_mm##P##_mul_##S(r, r), expm1_series_##P##S(r), r); \
    }

/// k = round(x/ln2) and r = x − k·ln2 (two-constant Cody–Waite reduction; LN2_HI has
/// trailing zero bits, so k·LN2_HI is exact for the k in range).
#define DEFINE_REDUCE_LN2(P, S, V, INV_LN2, LN2_HI, LN2_LO)                          \
    BP_INLINE_##P V reduce_ln2_##P##S(V x, V *k) {                                   \
        V kd = BP_ROUND_##P(S, _mm##P##_mul_##S(x, _mm##P##_set1_##S(INV_LN2)));     \
        V r = _mm##P##_fnmadd_##S(kd, _mm##P##_set1_##S(LN2_HI), x);                 \
        r = _mm##P##_fnmadd_##S(kd, _mm##P##_set1_##S(LN2_LO), r);                   \
        *k = kd;                                                                     \
        return r;                                                                    \
    }

/// e^x. x is clamped to [LO, HI] so that 2^k stays in range; min/max return their
/// second operand for a NaN, so a NaN x passes through.
#define DEFINE_EXP(P, S, V, T, HI, LO)                                               \
    BP_INLINE_##P V exp_##P##S(V x) {                                                \
        x = _mm##P##_min_##S(_mm##P##_set1_##S(HI), x);                              \
        x = _mm##P##_max_##S(_mm##P##_set1_##S(LO), x);                              \
        V k;                                                                         \
        V r = reduce_ln2_##P##S(x, &k);                                              \
        V u = _mm##P##_add_##S(_mm##P##_set1_##S((T)1.0), expm1_reduced_##P##S(r));  \
        V k1 = BP_FLOOR_##P(S, _mm##P##_mul_##S(k, _mm##P##_set1_##S((T)0.5)));      \
        V k2 = _mm##P##_sub_##S(k, k1);                                              \
        return _mm##P##_mul_##S(_mm##P##_mul_##S(u, pow2_##P##S(k1)), pow2_##P##S(k2)); \
    }

/// log's edge cases on top of the polynomial's y: NaN below 0, −∞ at ±0, x itself at
/// +∞ and for NaN.
#define DEFINE_LOG_EDGES(P, S, V, T)                                                 \
    BP_INLINE_##P V log_edges_##P##S(V x, V y) {                                     \
        const V zero = _mm##P##_setzero_##S();                                       \
        y = BP_BLEND_##P(S, BP_CMP_##P(S, x, zero, _CMP_LT_OQ), y, _mm##P##_set1_##S((T)NAN)); \
        y = BP_BLEND_##P(S, BP_CMP_##P(S, x, zero, _CMP_EQ_OQ), y, _mm##P##_set1_##S((T)-INFINITY)); \
        y = BP_BLEND_##P(S, BP_CMP_##P(S, x, _mm##P##_set1_##S((T)INFINITY), _CMP_EQ_OQ), y, x); \
        return BP_BLEND_##P(S, BP_CMP_##P(S, x, x, _CMP_UNORD_Q), y, x);             \
    }

/// (n_hi + n_lo)/(d_hi + d_lo) to about 2⁻⁶⁵ (double) relative before the final
/// rounding: one division, then one correction with the exact residual n_hi − q·d_hi
/// (an FMA) times a 12-bit reciprocal estimate.
#define DEFINE_DIVIDE_DD(P, S, V)                                                    \
    BP_INLINE_##P V divide_dd_##P##S(V n_hi, V n_lo, V d_hi, V d_lo) {               \
        V q = _mm##P##_div_##S(n_hi, d_hi);                                          \
        V resid = _mm##P##_add_##S(_mm##P##_fnmadd_##S(q, d_hi, n_hi), _mm##P##_fnmadd_##S(q, d_lo, n_lo)); \
        return _mm##P##_fmadd_##S(resid, approx_recip_##P##S(d_hi), q);              \
    }

/// a + b = s + e exactly (Knuth's two-sum, any magnitudes).
#define DEFINE_TWO_SUM(P, S, V)                                                      \
    BP_INLINE_##P V two_sum_##P##S(V a, V b, V *e) {                                 \
        V s = _mm##P##_add_##S(a, b);                                                \
        V bb = _mm##P##_sub_##S(s, a);                                               \
        *e = _mm##P##_add_##S(_mm##P##_sub_##S(a, _mm##P##_sub_##S(s, bb)), _mm##P##_sub_##S(b, bb)); \
        return s;                                                                    \
    }

/// tanh x, from t = expm1(2a), a = min(|x|, CLAMP), kept as t_hi + t_lo:
/// t/(t + 2) while a ≤ SWITCH (tanh ≤ 0.5), else 1 − 2/(t + 2); the sign of x put back.
#define DEFINE_TANH(P, S, V, T, CLAMP, SWITCH)                                       \
    BP_INLINE_##P V tanh_##P##S(V x) {                                               \
        const V sign = _mm##P##_set1_##S((T)-0.0), two = _mm##P##_set1_##S((T)2.0);  \
        const V one = _mm##P##_set1_##S((T)1.0);                                     \
        V a = _mm##P##_min_##S(_mm##P##_set1_##S(CLAMP), _mm##P##_andnot_##S(sign, x)); /* NaN passes */ \
        /* t = expm1(2a) = (2^k − 1) + 2^k·r + 2^k·r²·Q(r) as t_hi + t_lo. */        \
        V k;                                                                         \
        V r = reduce_ln2_##P##S(_mm##P##_add_##S(a, a), &k);                         \
        V scale = pow2_##P##S(k);                                                    \
        V c = _mm##P##_sub_##S(scale, one);            /* exact for the k in range */ \
        V p_ = _mm##P##_mul_##S(scale, r);             /* exact */                   \
        V l_ = _mm##P##_mul_##S(scale, _mm##P##_mul_##S(_mm##P##_mul_##S(r, r), expm1_series_##P##S(r))); \
        V t_hi = _mm##P##_add_##S(c, p_);              /* fast two-sum: |c| ≥ |p| or c = 0 */ \
        V t_lo = _mm##P##_add_##S(_mm##P##_sub_##S(p_, _mm##P##_sub_##S(t_hi, c)), l_); \
        V t_sum = _mm##P##_add_##S(t_hi, t_lo);        /* renormalise: |t_lo| < |t_hi| */ \
        t_lo = _mm##P##_sub_##S(t_lo, _mm##P##_sub_##S(t_sum, t_hi));                \
        t_hi = t_sum;                                                                \
        V d_lo;                                                                      \
        V d_hi = two_sum_##P##S(t_hi, two, &d_lo);                                   \
        d_lo = _mm##P##_add_##S(d_lo, t_lo);                                         \
        BP_MASK_##P##_##S big = BP_CMP_##P(S, a, _mm##P##_set1_##S(SWITCH), _CMP_GT_OQ); \
        V q = divide_dd_##P##S(BP_BLEND_##P(S, big, t_hi, two), BP_DROP_##P(S, big, t_lo), d_hi, d_lo); \
        V y = BP_BLEND_##P(S, big, q, _mm##P##_sub_##S(one, q));                     \
        return _mm##P##_or_##S(y, _mm##P##_and_##S(sign, x));                        \
    }

/// σ(x) = 1/(1 + e) for x ≥ 0, e/(1 + e) below, e = e^(−|x|) kept as e_hi + e_lo:
/// 2^k·(u + u_lo), u + u_lo = 1 + p exactly; −|x| is clamped at LO.
#define DEFINE_SIGMOID(P, S, V, T, LO)                                               \
    BP_INLINE_##P V sigmoid_##P##S(V x) {                                            \
        const V one = _mm##P##_set1_##S((T)1.0);                                     \
        V m = _mm##P##_max_##S(_mm##P##_set1_##S(LO), _mm##P##_or_##S(x, _mm##P##_set1_##S((T)-0.0))); \
        V k;                                                                         \
        V r = reduce_ln2_##P##S(m, &k);                                              \
        V p = expm1_reduced_##P##S(r);                                               \
        V u = _mm##P##_add_##S(one, p);                                              \
        V u_lo = _mm##P##_add_##S(_mm##P##_sub_##S(one, u), p);                      \
        V k1 = BP_FLOOR_##P(S, _mm##P##_mul_##S(k, _mm##P##_set1_##S((T)0.5)));      \
        V s1 = pow2_##P##S(k1), s2 = pow2_##P##S(_mm##P##_sub_##S(k, k1));           \
        V e_hi = _mm##P##_mul_##S(_mm##P##_mul_##S(u, s1), s2);                      \
        V e_lo = _mm##P##_mul_##S(_mm##P##_mul_##S(u_lo, s1), s2);                   \
        V d_hi = _mm##P##_add_##S(one, e_hi);          /* fast two-sum: e ≤ 1 */     \
        V d_lo = _mm##P##_add_##S(_mm##P##_add_##S(_mm##P##_sub_##S(one, d_hi), e_hi), e_lo); \
        BP_MASK_##P##_##S pos = BP_CMP_##P(S, x, _mm##P##_setzero_##S(), _CMP_GE_OQ); \
        return divide_dd_##P##S(BP_BLEND_##P(S, pos, e_hi, one), BP_DROP_##P(S, pos, e_lo), d_hi, d_lo); \
    }

/// Every function above for one width and element type, from its constants: 1/ln2 and
/// ln2 in two parts, exp's clamps (2^k in range), tanh's clamp and switch point.
#define DEFINE_VECTOR_MATH(P, S, V, T, INV_LN2, LN2_HI, LN2_LO, EXP_HI, EXP_LO, TANH_CLAMP, TANH_SWITCH) \
    DEFINE_EXPM1_REDUCED(P, S, V)                                                    \
    DEFINE_REDUCE_LN2(P, S, V, INV_LN2, LN2_HI, LN2_LO)                              \
    DEFINE_EXP(P, S, V, T, EXP_HI, EXP_LO)                                           \
    DEFINE_LOG_EDGES(P, S, V, T)                                                     \
    DEFINE_DIVIDE_DD(P, S, V)                                                        \
    DEFINE_TWO_SUM(P, S, V)                                                          \
    DEFINE_TANH(P, S, V, T, TANH_CLAMP, TANH_SWITCH)                                 \
    DEFINE_SIGMOID(P, S, V, T, EXP_LO)

#define DEFINE_VECTOR_MATH_PD(P)                                                     \
    DEFINE_VECTOR_MATH(P, pd, __m##P##d, double, 0x1.71547652b82fep0, 0x1.62e42feep-1, \
                       0x1.a39ef35793c76p-33, 710.0, -746.0, 20.0, 0.55)
#define DEFINE_VECTOR_MATH_PS(P)                                                     \
    DEFINE_VECTOR_MATH(P, ps, __m##P, float, 0x1.715476p0f, 0x1.62e4p-1f, 0x1.7f7d1cp-20f, \
                       89.0f, -104.0f, 10.0f, 0.55f)

DEFINE_VECTOR_MATH_PD(256)
DEFINE_VECTOR_MATH_PS(256)
DEFINE_VECTOR_MATH_PD(512)
DEFINE_VECTOR_MATH_PS(512)

// --- log ---

/// x = 2^k·z with z ∈ [√2/2, √2) (fdlibm's reduction on the bits): returns z, the bits
/// `tmp` whose exponent field is k, and in `kadj` the −SCALE_EXP of a denormal x scaled
/// by 2^SCALE_EXP first. I is the integer suffix of the lane width (epi64, epi32), SET1I
/// its broadcast.
#define DEFINE_LOG_REDUCE(P, S, V, MIN, SCALE, SCALE_EXP, I, SET1I, SQRT_HALF_BITS, EXPONENT_MASK) \
    BP_INLINE_##P V log_reduce_##P##S(V x, V *kadj, __m##P##i *tmp) {                \
        BP_MASK_##P##_##S tiny = BP_CMP_##P(S, x, _mm##P##_set1_##S(MIN), _CMP_LT_OQ); \
        V xs = BP_BLEND_##P(S, tiny, x, _mm##P##_mul_##S(x, _mm##P##_set1_##S(SCALE))); \
        *kadj = BP_KEEP_##P(S, tiny, _mm##P##_set1_##S(SCALE_EXP));                  \
        __m##P##i ix = _mm##P##_cast##S##_si##P(xs);                                 \
        *tmp = _mm##P##_sub_##I(ix, SET1I(SQRT_HALF_BITS));                          \
        __m##P##i iz = _mm##P##_sub_##I(ix, _mm##P##_and_si##P(*tmp, SET1I(EXPONENT_MASK))); \
        return _mm##P##_castsi##P##_##S(iz);                                         \
    }

/// log x = k·ln2 + log1p(f), 1 + f = z (fdlibm's e_log.c): s = f/(2 + f),
/// log1p f = f − (f²/2 − s·(f²/2 + R(s))), with k·ln2 in two parts; log_exponent(tmp)
/// is k as a vector and log_polynomial(s) is R.
#define DEFINE_LOG(P, S, V, T, LN2_HI, LN2_LO)                                       \
    BP_INLINE_##P V log_##P##S(V x) {                                                \
        V kadj;                                                                      \
        __m##P##i tmp;                                                               \
        V z = log_reduce_##P##S(x, &kadj, &tmp);                                     \
        V dk = _mm##P##_add_##S(log_exponent_##P##S(tmp), kadj);                     \
        V f = _mm##P##_sub_##S(z, _mm##P##_set1_##S((T)1.0));                        \
        V s = _mm##P##_div_##S(f, _mm##P##_add_##S(_mm##P##_set1_##S((T)2.0), f));   \
        V R = log_polynomial_##P##S(s);                                              \
        V hfsq = _mm##P##_mul_##S(_mm##P##_mul_##S(_mm##P##_set1_##S((T)0.5), f), f); \
        /* k·ln2_hi − ((hfsq − (s·(hfsq + R) + k·ln2_lo)) − f) */                    \
        V inner = _mm##P##_fmadd_##S(s, _mm##P##_add_##S(hfsq, R), _mm##P##_mul_##S(dk, _mm##P##_set1_##S(LN2_LO))); \
        V y = _mm##P##_sub_##S(_mm##P##_mul_##S(dk, _mm##P##_set1_##S(LN2_HI)),      \
                               _mm##P##_sub_##S(_mm##P##_sub_##S(hfsq, inner), f));  \
        return log_edges_##P##S(x, y);                                               \
    }

/// k = tmp >> 52 (arithmetic) as doubles: the high 32 bits of each lane, shifted by 20
/// (AVX2 has no 64-bit arithmetic shift or conversion; AVX-512 has both).
AVX2_INLINE __m256d log_exponent_256pd(__m256i tmp) {
    __m256i high = _mm256_permutevar8x32_epi32(tmp, _mm256_setr_epi32(1, 3, 5, 7, 1, 3, 5, 7));
    return _mm256_cvtepi32_pd(_mm_srai_epi32(_mm256_castsi256_si128(high), 20));
}
AVX512_INLINE __m512d log_exponent_512pd(__m512i tmp) {
    return _mm512_cvtepi64_pd(_mm512_srai_epi64(tmp, 52));
}

/// k = tmp >> 23 (arithmetic) as floats; R(s) = Lg1·s² + … + Lg7·s¹⁴ (fdlibm's minimax
/// coefficients, in two halves) for double and 2/3·s² + 2/5·s⁴ + 2/7·s⁶ + 2/9·s⁸ (the
/// Taylor series of 2·atanh s − 2s) for float.
#define DEFINE_LOG_PER_TYPE(P)                                                       \
    BP_INLINE_##P __m##P log_exponent_##P##ps(__m##P##i tmp) {                       \
        return _mm##P##_cvtepi32_ps(_mm##P##_srai_epi32(tmp, 23));                   \
    }                                                                                \
    BP_INLINE_##P __m##P##d log_polynomial_##P##pd(__m##P##d s) {                    \
        __m##P##d z2 = _mm##P##_mul_pd(s, s), w = _mm##P##_mul_pd(z2, z2);           \
        __m##P##d t1 = _mm##P##_fmadd_pd(w, _mm##P##_set1_pd(1.531383769920937332e-01), _mm##P##_set1_pd(2.222219843214978396e-01)); \
        t1 = _mm##P##_fmadd_pd(w, t1, _mm##P##_set1_pd(3.999999999940941908e-01));   \
        t1 = _mm##P##_mul_pd(w, t1);                                                 \
        __m##P##d t2 = _mm##P##_fmadd_pd(w, _mm##P##_set1_pd(1.479819860511658591e-01), _mm##P##_set1_pd(1.818357216161805012e-01)); \
        t2 = _mm##P##_fmadd_pd(w, t2, _mm##P##_set1_pd(2.857142874366239149e-01));   \
        t2 = _mm##P##_fmadd_pd(w, t2, _mm##P##_set1_pd(6.666666666666735130e-01));   \
        t2 = _mm##P##_mul_pd(z2, t2);                                                \
        return _mm##P##_add_pd(t1, t2);                                              \
    }                                                                                \
    BP_INLINE_##P __m##P log_polynomial_##P##ps(__m##P s) {                          \
        __m##P z2 = _mm##P##_mul_ps(s, s);                                           \
        __m##P R = _mm##P##_fmadd_ps(z2, _mm##P##_set1_ps(2.0f / 9.0f), _mm##P##_set1_ps(2.0f / 7.0f)); \
        R = _mm##P##_fmadd_ps(z2, R, _mm##P##_set1_ps(2.0f / 5.0f));                 \
        R = _mm##P##_fmadd_ps(z2, R, _mm##P##_set1_ps(2.0f / 3.0f));                 \
        return _mm##P##_mul_ps(z2, R);                                               \
    }

DEFINE_LOG_PER_TYPE(256)
DEFINE_LOG_PER_TYPE(512)

#define DEFINE_LOG_PD(P, SET1_64)                                                    \
    DEFINE_LOG_REDUCE(P, pd, __m##P##d, DBL_MIN, 0x1p54, -54.0, epi64, SET1_64,      \
                      0x3fe6a09e667f3bcdLL, (long long)0xfff0000000000000ULL)        \
    DEFINE_LOG(P, pd, __m##P##d, double, 6.93147180369123816490e-01, 1.90821492927058770002e-10)
#define DEFINE_LOG_PS(P)                                                             \
    DEFINE_LOG_REDUCE(P, ps, __m##P, FLT_MIN, 0x1p25f, -25.0f, epi32, _mm##P##_set1_epi32, \
                      0x3f3504f3, (int)0xff800000u)                                  \
    DEFINE_LOG(P, ps, __m##P, float, 0x1.62e4p-1f, 0x1.7f7d1cp-20f)

DEFINE_LOG_PD(256, _mm256_set1_epi64x)
DEFINE_LOG_PS(256)
DEFINE_LOG_PD(512, _mm512_set1_epi64)
DEFINE_LOG_PS(512)

// --- loops ---

// Tails: a mask of the first `left` lanes of W (all of them when left ≥ W), and loads
// and stores of those lanes only (the rest read as 0; a masked load does not fault past
// the end of the array).
#define BP_TAIL_256(S, W, left) __m256i m = tail_mask_##S(left)
#define BP_TAIL_512(S, W, left) BP_MASK_512_##S m = (BP_MASK_512_##S)((left) >= W ? ~0u : (1u << (left)) - 1u)
#define BP_LOAD_TAIL_256(S, p) _mm256_maskload_##S(p, m)
#define BP_LOAD_TAIL_512(S, p) _mm512_maskz_loadu_##S(m, p)
#define BP_STORE_TAIL_256(S, p, v) _mm256_maskstore_##S(p, m, v)
#define BP_STORE_TAIL_512(S, p, v) _mm512_mask_storeu_##S(p, m, v)
#define BP_TARGET_256 AVX2
#define BP_TARGET_512 AVX512

// y[i] = FN(x[i]), four vectors of W lanes per iteration at width P; the tail through
// masked loads and stores, so every element goes through the same vector code.
#define DEFINE_MAP(P, NAME, T, V, W, S, FN)                                          \
    BP_TARGET_##P static void NAME(const T *x, T *y, ptrdiff_t n) {                  \
        ptrdiff_t i = 0;                                                             \
        for (; i + 4 * W <= n; i += 4 * W) {                                         \
            V a = FN(_mm##P##_loadu_##S(x + i));                                     \
            V b = FN(_mm##P##_loadu_##S(x + i + W));                                 \
            V c = FN(_mm##P##_loadu_##S(x + i + 2 * W));                             \
            V d = FN(_mm##P##_loadu_##S(x + i + 3 * W));                             \
            _mm##P##_storeu_##S(y + i, a);                                           \
            _mm##P##_storeu_##S(y + i + W, b);                                       \
            _mm##P##_storeu_##S(y + i + 2 * W, c);                                   \
            _mm##P##_storeu_##S(y + i + 3 * W, d);                                   \
        }                                                                            \
        for (; i < n; i += W) {                                                      \
            BP_TAIL_##P(S, W, n - i);                                                \
            BP_STORE_TAIL_##P(S, y + i, FN(BP_LOAD_TAIL_##P(S, x + i)));             \
        }                                                                            \
    }

// relu: clear the lanes where x ≤ 0 (ordered compare: NaN lanes keep x).
AVX2_INLINE __m256 relu_256ps(__m256 x) { return _mm256_andnot_ps(_mm256_cmp_ps(x, _mm256_setzero_ps(), _CMP_LE_OQ), x); }
AVX2_INLINE __m256d relu_256pd(__m256d x) { return _mm256_andnot_pd(_mm256_cmp_pd(x, _mm256_setzero_pd(), _CMP_LE_OQ), x); }

#define DEFINE_MAPS(FUNCTION)                                                        \
    DEFINE_MAP(256, FUNCTION##_f32_avx2, float, __m256, 8, ps, FUNCTION##_256ps)     \
    DEFINE_MAP(256, FUNCTION##_f64_avx2, double, __m256d, 4, pd, FUNCTION##_256pd)   \
    DEFINE_MAP(512, FUNCTION##_f32_avx512, float, __m512, 16, ps, FUNCTION##_512ps)  \
    DEFINE_MAP(512, FUNCTION##_f64_avx512, double, __m512d, 8, pd, FUNCTION##_512pd)

// relu is bound by memory: at 512 bits it gained nothing consistent in L2 and ran
// 5–11 % slower out of it (Docs/Performance.md), so it has the AVX2 loop only.
DEFINE_MAP(256, relu_f32_avx2, float, __m256, 8, ps, relu_256ps)
DEFINE_MAP(256, relu_f64_avx2, double, __m256d, 4, pd, relu_256pd)
DEFINE_MAPS(exp)
DEFINE_MAPS(log)
DEFINE_MAPS(tanh)
DEFINE_MAPS(sigmoid)

// The backward loops' bodies: g·(1 − y²), g·y·(1 − y) from the output y, and relu′ from
// the input x: g where x > 0, x itself (NaN) where x is NaN, else +0.
#define DEFINE_BACKWARD_MATH(P, S, V, T)                                             \
    BP_INLINE_##P V tanh_backward_##P##S(V y, V g) {                                 \
        return _mm##P##_mul_##S(g, _mm##P##_fnmadd_##S(y, y, _mm##P##_set1_##S((T)1.0))); \
    }                                                                                \
    BP_INLINE_##P V sigmoid_backward_##P##S(V y, V g) {                              \
        return _mm##P##_mul_##S(g, _mm##P##_mul_##S(y, _mm##P##_sub_##S(_mm##P##_set1_##S((T)1.0), y))); \
    }                                                                                \
    BP_INLINE_##P V relu_backward_##P##S(V x, V g) {                                 \
        V pass = BP_KEEP_##P(S, BP_CMP_##P(S, x, _mm##P##_setzero_##S(), _CMP_GT_OQ), g); \
        return BP_BLEND_##P(S, BP_CMP_##P(S, x, x, _CMP_UNORD_Q), pass, x);         \
    }
DEFINE_BACKWARD_MATH(256, ps, __m256, float)
DEFINE_BACKWARD_MATH(256, pd, __m256d, double)

// out[i] = FN(y[i], g[i]), one vector of W lanes per iteration at width P; the tail
// masked.
#define DEFINE_BACKWARD(P, NAME, T, W, S, FN)                                        \
    BP_TARGET_##P static void NAME(const T *y, const T *g, T *out, ptrdiff_t n) {    \
        ptrdiff_t i = 0;                                                             \
        for (; i + W <= n; i += W)                                                   \
            _mm##P##_storeu_##S(out + i, FN(_mm##P##_loadu_##S(y + i), _mm##P##_loadu_##S(g + i))); \
        if (i < n) {                                                                 \
            BP_TAIL_##P(S, W, n - i);                                                \
            BP_STORE_TAIL_##P(S, out + i, FN(BP_LOAD_TAIL_##P(S, y + i), BP_LOAD_TAIL_##P(S, g + i))); \
        }                                                                            \
    }

// The backward loops are bound by memory (two inputs, one output): at 512 bits they
// ran no faster (Docs/Performance.md), so they have the AVX2 loop only.
#define DEFINE_BACKWARDS(FUNCTION)                                                   \
    DEFINE_BACKWARD(256, FUNCTION##_backward_f32_avx2, float, 8, ps, FUNCTION##_backward_256ps) \
    DEFINE_BACKWARD(256, FUNCTION##_backward_f64_avx2, double, 4, pd, FUNCTION##_backward_256pd)

DEFINE_BACKWARDS(tanh)
DEFINE_BACKWARDS(sigmoid)
DEFINE_BACKWARDS(relu)


// Sums: 4 vector accumulators = 32 float / 16 double lanes, lane l holding the elements
// i ≡ l (mod lanes), then the same pairwise combination as the portable code. Masked
// lanes load 0, and x + 0 = x (also for −0: the lanes start at +0).
#define DEFINE_AVX2_SUM(NAME, T, V, W, S, MASK, HORIZONTAL)                          \
    AVX2 static T NAME(const T *x, ptrdiff_t n) {                                    \
        V a0 = _mm256_setzero_##S(), a1 = a0, a2 = a0, a3 = a0;                      \
        ptrdiff_t i = 0;                                                             \
        for (; i + 4 * W <= n; i += 4 * W) {                                         \
            a0 = _mm256_add_##S(a0, _mm256_loadu_##S(x + i));                        \
            a1 = _mm256_add_##S(a1, _mm256_loadu_##S(x + i + W));                    \
            a2 = _mm256_add_##S(a2, _mm256_loadu_##S(x + i + 2 * W));                \
            a3 = _mm256_add_##S(a3, _mm256_loadu_##S(x + i + 3 * W));                \
        }                                                                            \
        if (i < n) {                                                                 \
            a0 = _mm256_add_##S(a0, _mm256_maskload_##S(x + i, MASK(n - i)));        \
            a1 = _mm256_add_##S(a1, _mm256_maskload_##S(x + i + W, MASK(n - i - W))); \
            a2 = _mm256_add_##S(a2, _mm256_maskload_##S(x + i + 2 * W, MASK(n - i - 2 * W))); \
            a3 = _mm256_add_##S(a3, _mm256_maskload_##S(x + i + 3 * W, MASK(n - i - 3 * W))); \
        }                                                                            \
        a0 = _mm256_add_##S(a0, a2);  /* width 2W: lane l += lane l + 2W */          \
        a1 = _mm256_add_##S(a1, a3);                                                 \
        a0 = _mm256_add_##S(a0, a1);  /* width W */                                  \
        return HORIZONTAL(a0);                                                       \
    }

// The last pairwise steps inside one vector: 8 → 4 → 2 → 1 float lanes.
AVX2_INLINE float horizontal_sum_ps(__m256 a0) {
    __m128 h = _mm_add_ps(_mm256_castps256_ps128(a0), _mm256_extractf128_ps(a0, 1));  // width 4
    h = _mm_add_ps(h, _mm_movehl_ps(h, h));                                           // width 2
    h = _mm_add_ss(h, _mm_movehdup_ps(h));                                            // width 1
    return _mm_cvtss_f32(h);
}

// 4 → 2 → 1 double lanes.
AVX2_INLINE double horizontal_sum_pd(__m256d a0) {
    __m128d h = _mm_add_pd(_mm256_castpd256_pd128(a0), _mm256_extractf128_pd(a0, 1));
    h = _mm_add_sd(h, _mm_unpackhi_pd(h, h));
    return _mm_cvtsd_f64(h);
}

DEFINE_AVX2_SUM(sum_f32_avx2, float, __m256, 8, ps, tail_mask_ps, horizontal_sum_ps)
DEFINE_AVX2_SUM(sum_f64_avx2, double, __m256d, 4, pd, tail_mask_pd, horizontal_sum_pd)

#endif  // BP_EW_X86

// MARK: - Entry points

// exp, log, tanh and σ, which are bound by arithmetic, have AVX-512 variants. relu, the
// backward loops and the sums, bound by memory, run their AVX2 code on AVX-512 machines
// too (the sums' 32 float / 16 double lanes, the portable code's for the same bits,
// would also be only two accumulators at 512 bits).
#if BP_EW_X86
#define DISPATCH(AVX2_CALL, PORTABLE_CALL) \
    if (bp_ew_active() >= BP_EW_AVX2) { AVX2_CALL; } else { PORTABLE_CALL; }
#define DISPATCH_MAP(AVX512_CALL, AVX2_CALL, PORTABLE_CALL)                           \
    switch (bp_ew_active()) {                                                           \
    case BP_EW_AVX512: AVX512_CALL; break;                                              \
    case BP_EW_AVX2: AVX2_CALL; break;                                                  \
    default: PORTABLE_CALL; break;                                                      \
    }
#else
#define DISPATCH(AVX2_CALL, PORTABLE_CALL) PORTABLE_CALL;
#define DISPATCH_MAP(AVX512_CALL, AVX2_CALL, PORTABLE_CALL) PORTABLE_CALL;
#endif

#define DEFINE_MAP_ENTRY(NAME, T)                                                      \
    void bp_##NAME(const T *x, T *y, ptrdiff_t n) {                                    \
        if (n <= 0) return;                                                            \
        DISPATCH_MAP(NAME##_avx512(x, y, n), NAME##_avx2(x, y, n), NAME##_portable(x, y, n)) \
    }

DEFINE_MAP_ENTRY(exp_f32, float)
DEFINE_MAP_ENTRY(exp_f64, double)
DEFINE_MAP_ENTRY(log_f32, float)
DEFINE_MAP_ENTRY(log_f64, double)
DEFINE_MAP_ENTRY(tanh_f32, float)
DEFINE_MAP_ENTRY(tanh_f64, double)
DEFINE_MAP_ENTRY(sigmoid_f32, float)
DEFINE_MAP_ENTRY(sigmoid_f64, double)

#define DEFINE_AVX2_MAP_ENTRY(NAME, T)                                                 \
    void bp_##NAME(const T *x, T *y, ptrdiff_t n) {                                    \
        if (n <= 0) return;                                                            \
        DISPATCH(NAME##_avx2(x, y, n), NAME##_portable(x, y, n))                      \
    }

DEFINE_AVX2_MAP_ENTRY(relu_f32, float)
DEFINE_AVX2_MAP_ENTRY(relu_f64, double)

#define DEFINE_BACKWARD_ENTRY(NAME, T)                                                 \
    void bp_##NAME(const T *y, const T *g, T *out, ptrdiff_t n) {                      \
        if (n <= 0) return;                                                            \
        DISPATCH(NAME##_avx2(y, g, out, n), NAME##_portable(y, g, out, n))            \
    }

DEFINE_BACKWARD_ENTRY(tanh_backward_f32, float)
DEFINE_BACKWARD_ENTRY(tanh_backward_f64, double)
DEFINE_BACKWARD_ENTRY(sigmoid_backward_f32, float)
DEFINE_BACKWARD_ENTRY(sigmoid_backward_f64, double)
DEFINE_BACKWARD_ENTRY(relu_backward_f32, float)
DEFINE_BACKWARD_ENTRY(relu_backward_f64, double)

float bp_sum_f32(const float *x, ptrdiff_t n) {
    if (n <= 0) return 0.0f;
    DISPATCH(return sum_f32_avx2(x, n), return sum_f32_portable(x, n))
}

double bp_sum_f64(const double *x, ptrdiff_t n) {
    if (n <= 0) return 0.0;
    DISPATCH(return sum_f64_avx2(x, n), return sum_f64_portable(x, n))
}
