// Vectorised elementwise kernels (exp, log, tanh, sigmoid, their backward loops, sum)
// for float and double. AVX2+FMA versions are compiled with a function attribute and
// chosen at run time with __builtin_cpu_supports (no compiler flags); the portable
// versions call the C library. See Docs/Performance.md, "Elementwise ops".
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

enum { BP_EW_AUTO = 0, BP_EW_PORTABLE = 1, BP_EW_AVX2 = 2 };

// Test hook only, per thread (so a test forcing the portable kernels cannot change
// what other threads compute meanwhile); read on every call; any value is correct.
static _Thread_local int bp_ew_forced = BP_EW_AUTO;

static int bp_ew_best(void) {
#if BP_EW_X86
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return BP_EW_AVX2;
#endif
    return BP_EW_PORTABLE;
}

static int bp_ew_active(void) {
    int best = bp_ew_best();
    int forced = bp_ew_forced;
    return forced != BP_EW_AUTO && forced < best ? forced : best;
}

int bp_elementwise_force_kernel(int kernel) {
    if (kernel < BP_EW_AUTO || kernel > BP_EW_AVX2) kernel = BP_EW_AUTO;
    int previous = bp_ew_forced;
    bp_ew_forced = kernel;
    return previous;
}

const char *bp_elementwise_kernel_name(void) {
    return bp_ew_active() == BP_EW_AVX2 ? "avx2" : "portable";
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

// MARK: - AVX2 + FMA

#define AVX2 __attribute__((target("avx2,fma")))
#define AVX2_INLINE static inline __attribute__((target("avx2,fma"), always_inline))

// Lane masks for the tails: the first `count` lanes set.
AVX2_INLINE __m256i tail_mask_f32(ptrdiff_t count) {
    const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)count), lanes);
}

AVX2_INLINE __m256i tail_mask_f64(ptrdiff_t count) {
    const __m256i lanes = _mm256_setr_epi64x(0, 1, 2, 3);
    return _mm256_cmpgt_epi64(_mm256_set1_epi64x((long long)count), lanes);
}

// --- double ---

/// Q(r) = 1/2! + r/3! + … + r¹¹/13!, so that e^r − 1 = r + r²·Q(r) (Taylor; the
/// truncation error is below 2⁻⁵⁹ for |r| ≤ ln2/2).
AVX2_INLINE __m256d expm1_series_pd(__m256d r) {
    __m256d q = _mm256_set1_pd(1.0 / 6227020800.0);            // 1/13!
    q = _mm256_fmadd_pd(q, r, _mm256_set1_pd(1.0 / 479001600.0)); // 1/12!
    q = _mm256_fmadd_pd(q, r, _mm256_set1_pd(1.0 / 39916800.0));
    q = _mm256_fmadd_pd(q, r, _mm256_set1_pd(1.0 / 3628800.0));
    q = _mm256_fmadd_pd(q, r, _mm256_set1_pd(1.0 / 362880.0));
    q = _mm256_fmadd_pd(q, r, _mm256_set1_pd(1.0 / 40320.0));
    q = _mm256_fmadd_pd(q, r, _mm256_set1_pd(1.0 / 5040.0));
    q = _mm256_fmadd_pd(q, r, _mm256_set1_pd(1.0 / 720.0));
    q = _mm256_fmadd_pd(q, r, _mm256_set1_pd(1.0 / 120.0));
    q = _mm256_fmadd_pd(q, r, _mm256_set1_pd(1.0 / 24.0));
    q = _mm256_fmadd_pd(q, r, _mm256_set1_pd(1.0 / 6.0));
    return _mm256_fmadd_pd(q, r, _mm256_set1_pd(0.5));
}

/// e^r − 1 for |r| ≲ ln2/2: r + r²·Q(r).
AVX2_INLINE __m256d expm1_reduced_pd(__m256d r) {
    return _mm256_fmadd_pd(_mm256_mul_pd(r, r), expm1_series_pd(r), r);
}

/// k = round(x/ln2) and r = x − k·ln2 (two-constant Cody–Waite reduction).
AVX2_INLINE __m256d reduce_ln2_pd(__m256d x, __m256d *k) {
    __m256d kd = _mm256_round_pd(_mm256_mul_pd(x, _mm256_set1_pd(0x1.71547652b82fep0)),
                                 _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256d r = _mm256_fnmadd_pd(kd, _mm256_set1_pd(0x1.62e42feep-1), x);  // ln2_hi (exact product)
    r = _mm256_fnmadd_pd(kd, _mm256_set1_pd(0x1.a39ef35793c76p-33), r);     // ln2_lo
    *k = kd;
    return r;
}

/// 2^k for an integral k with −1022 ≤ k ≤ 1023.
AVX2_INLINE __m256d pow2_pd(__m256d k) {
    __m256d biased = _mm256_add_pd(k, _mm256_set1_pd(0x1.8p52 + 1023.0));
    return _mm256_castsi256_pd(_mm256_slli_epi64(_mm256_castpd_si256(biased), 52));
}

AVX2_INLINE __m256d exp_pd(__m256d x) {
    // Clamp so that 2^k stays in range; min/max return their second operand for a
    // NaN, so a NaN x passes through.
    x = _mm256_min_pd(_mm256_set1_pd(710.0), x);
    x = _mm256_max_pd(_mm256_set1_pd(-746.0), x);
    __m256d k;
    __m256d r = reduce_ln2_pd(x, &k);
    __m256d u = _mm256_add_pd(_mm256_set1_pd(1.0), expm1_reduced_pd(r));
    __m256d k1 = _mm256_floor_pd(_mm256_mul_pd(k, _mm256_set1_pd(0.5)));
    __m256d k2 = _mm256_sub_pd(k, k1);
    return _mm256_mul_pd(_mm256_mul_pd(u, pow2_pd(k1)), pow2_pd(k2));
}

AVX2_INLINE __m256d log_pd(__m256d x) {
    const __m256d one = _mm256_set1_pd(1.0), zero = _mm256_setzero_pd();
    __m256d tiny = _mm256_cmp_pd(x, _mm256_set1_pd(DBL_MIN), _CMP_LT_OQ);
    __m256d xs = _mm256_blendv_pd(x, _mm256_mul_pd(x, _mm256_set1_pd(0x1p54)), tiny);
    __m256d kadj = _mm256_and_pd(tiny, _mm256_set1_pd(-54.0));
    __m256i ix = _mm256_castpd_si256(xs);
    __m256i tmp = _mm256_sub_epi64(ix, _mm256_set1_epi64x(0x3fe6a09e667f3bcdLL));  // bits of √2/2
    __m256i iz = _mm256_sub_epi64(ix, _mm256_and_si256(tmp, _mm256_set1_epi64x((long long)0xfff0000000000000ULL)));
    __m256d z = _mm256_castsi256_pd(iz);  // in [√2/2, √2)
    // k = tmp >> 52 (arithmetic): the high 32 bits of each lane, shifted by 20.
    __m256i high = _mm256_permutevar8x32_epi32(tmp, _mm256_setr_epi32(1, 3, 5, 7, 1, 3, 5, 7));
    __m128i k32 = _mm_srai_epi32(_mm256_castsi256_si128(high), 20);
    __m256d dk = _mm256_add_pd(_mm256_cvtepi32_pd(k32), kadj);

    __m256d f = _mm256_sub_pd(z, one);
    __m256d s = _mm256_div_pd(f, _mm256_add_pd(_mm256_set1_pd(2.0), f));
    __m256d z2 = _mm256_mul_pd(s, s), w = _mm256_mul_pd(z2, z2);
    __m256d t1 = _mm256_fmadd_pd(w, _mm256_set1_pd(1.531383769920937332e-01), _mm256_set1_pd(2.222219843214978396e-01));
    t1 = _mm256_fmadd_pd(w, t1, _mm256_set1_pd(3.999999999940941908e-01));
    t1 = _mm256_mul_pd(w, t1);
    __m256d t2 = _mm256_fmadd_pd(w, _mm256_set1_pd(1.479819860511658591e-01), _mm256_set1_pd(1.818357216161805012e-01));
    t2 = _mm256_fmadd_pd(w, t2, _mm256_set1_pd(2.857142874366239149e-01));
    t2 = _mm256_fmadd_pd(w, t2, _mm256_set1_pd(6.666666666666735130e-01));
    t2 = _mm256_mul_pd(z2, t2);
    __m256d R = _mm256_add_pd(t1, t2);
    __m256d hfsq = _mm256_mul_pd(_mm256_mul_pd(_mm256_set1_pd(0.5), f), f);
    // k·ln2_hi − ((hfsq − (s·(hfsq + R) + k·ln2_lo)) − f)
    __m256d inner = _mm256_fmadd_pd(s, _mm256_add_pd(hfsq, R), _mm256_mul_pd(dk, _mm256_set1_pd(1.90821492927058770002e-10)));
    __m256d y = _mm256_sub_pd(_mm256_mul_pd(dk, _mm256_set1_pd(6.93147180369123816490e-01)),
                              _mm256_sub_pd(_mm256_sub_pd(hfsq, inner), f));

    y = _mm256_blendv_pd(y, _mm256_set1_pd(NAN), _mm256_cmp_pd(x, zero, _CMP_LT_OQ));
    y = _mm256_blendv_pd(y, _mm256_set1_pd(-INFINITY), _mm256_cmp_pd(x, zero, _CMP_EQ_OQ));
    y = _mm256_blendv_pd(y, x, _mm256_cmp_pd(x, _mm256_set1_pd(INFINITY), _CMP_EQ_OQ));
    return _mm256_blendv_pd(y, x, _mm256_cmp_pd(x, x, _CMP_UNORD_Q));
}

/// 1/d to about 12 bits (through the float reciprocal estimate): enough for the
/// correction step q + (n − q·d)/d, whose residual n − q·d is already ~2⁻⁵³·n.
AVX2_INLINE __m256d approx_recip_pd(__m256d d) {
    return _mm256_cvtps_pd(_mm_rcp_ps(_mm256_cvtpd_ps(d)));
}

/// (n_hi + n_lo)/(d_hi + d_lo) to about 2⁻⁶⁵ relative before the final rounding: one
/// division, then one correction with the exact residual n_hi − q·d_hi (an FMA).
AVX2_INLINE __m256d divide_dd_pd(__m256d n_hi, __m256d n_lo, __m256d d_hi, __m256d d_lo) {
    __m256d q = _mm256_div_pd(n_hi, d_hi);
    __m256d resid = _mm256_add_pd(_mm256_fnmadd_pd(q, d_hi, n_hi), _mm256_fnmadd_pd(q, d_lo, n_lo));
    return _mm256_fmadd_pd(resid, approx_recip_pd(d_hi), q);
}

/// a + b = s + e exactly (Knuth's two-sum, any magnitudes).
AVX2_INLINE __m256d two_sum_pd(__m256d a, __m256d b, __m256d *e) {
    __m256d s = _mm256_add_pd(a, b);
    __m256d bb = _mm256_sub_pd(s, a);
    *e = _mm256_add_pd(_mm256_sub_pd(a, _mm256_sub_pd(s, bb)), _mm256_sub_pd(b, bb));
    return s;
}

AVX2_INLINE __m256d tanh_pd(__m256d x) {
    const __m256d sign = _mm256_set1_pd(-0.0), two = _mm256_set1_pd(2.0), one = _mm256_set1_pd(1.0);
    __m256d a = _mm256_min_pd(_mm256_set1_pd(20.0), _mm256_andnot_pd(sign, x));  // NaN passes
    // t = expm1(2a) = (2^k − 1) + 2^k·r + 2^k·r²·Q(r) as t_hi + t_lo.
    __m256d k;
    __m256d r = reduce_ln2_pd(_mm256_add_pd(a, a), &k);
    __m256d scale = pow2_pd(k);
    __m256d c = _mm256_sub_pd(scale, one);             // exact while k ≤ 53
    __m256d P = _mm256_mul_pd(scale, r);               // exact
    __m256d L = _mm256_mul_pd(scale, _mm256_mul_pd(_mm256_mul_pd(r, r), expm1_series_pd(r)));
    __m256d t_hi = _mm256_add_pd(c, P);                // fast two-sum: |c| ≥ |P| or c = 0
    __m256d t_lo = _mm256_add_pd(_mm256_sub_pd(P, _mm256_sub_pd(t_hi, c)), L);
    __m256d t_sum = _mm256_add_pd(t_hi, t_lo);         // renormalise (fast two-sum: |t_lo| < |t_hi|)
    t_lo = _mm256_sub_pd(t_lo, _mm256_sub_pd(t_sum, t_hi));
    t_hi = t_sum;
    __m256d d_lo;
    __m256d d_hi = two_sum_pd(t_hi, two, &d_lo);
    d_lo = _mm256_add_pd(d_lo, t_lo);
    // tanh a = t/(t + 2) while ≤ 0.5, else 1 − 2/(t + 2).
    __m256d big = _mm256_cmp_pd(a, _mm256_set1_pd(0.55), _CMP_GT_OQ);
    __m256d q = divide_dd_pd(_mm256_blendv_pd(t_hi, two, big), _mm256_andnot_pd(big, t_lo), d_hi, d_lo);
    __m256d y = _mm256_blendv_pd(q, _mm256_sub_pd(one, q), big);
    return _mm256_or_pd(y, _mm256_and_pd(sign, x));
}

AVX2_INLINE __m256d sigmoid_pd(__m256d x) {
    const __m256d one = _mm256_set1_pd(1.0);
    // e = e^(−|x|) as e_hi + e_lo: 2^k·(u + u_lo), u + u_lo = 1 + p exactly.
    __m256d m = _mm256_max_pd(_mm256_set1_pd(-746.0), _mm256_or_pd(x, _mm256_set1_pd(-0.0)));
    __m256d k;
    __m256d r = reduce_ln2_pd(m, &k);
    __m256d p = expm1_reduced_pd(r);
    __m256d u = _mm256_add_pd(one, p);
    __m256d u_lo = _mm256_add_pd(_mm256_sub_pd(one, u), p);
    __m256d k1 = _mm256_floor_pd(_mm256_mul_pd(k, _mm256_set1_pd(0.5)));
    __m256d s1 = pow2_pd(k1), s2 = pow2_pd(_mm256_sub_pd(k, k1));
    __m256d e_hi = _mm256_mul_pd(_mm256_mul_pd(u, s1), s2);
    __m256d e_lo = _mm256_mul_pd(_mm256_mul_pd(u_lo, s1), s2);
    __m256d d_hi = _mm256_add_pd(one, e_hi);           // fast two-sum: e ≤ 1
    __m256d d_lo = _mm256_add_pd(_mm256_add_pd(_mm256_sub_pd(one, d_hi), e_hi), e_lo);
    // σ = 1/(1 + e) for x ≥ 0, e/(1 + e) below.
    __m256d pos = _mm256_cmp_pd(x, _mm256_setzero_pd(), _CMP_GE_OQ);
    return divide_dd_pd(_mm256_blendv_pd(e_hi, one, pos), _mm256_andnot_pd(pos, e_lo), d_hi, d_lo);
}

// --- float ---

/// Q(r) = 1/2! + … + r⁵/7!, so that e^r − 1 = r + r²·Q(r) (Taylor; truncation error
/// below 2⁻²⁸ for |r| ≤ ln2/2).
AVX2_INLINE __m256 expm1_series_ps(__m256 r) {
    __m256 q = _mm256_set1_ps(1.0f / 5040.0f);
    q = _mm256_fmadd_ps(q, r, _mm256_set1_ps(1.0f / 720.0f));
    q = _mm256_fmadd_ps(q, r, _mm256_set1_ps(1.0f / 120.0f));
    q = _mm256_fmadd_ps(q, r, _mm256_set1_ps(1.0f / 24.0f));
    q = _mm256_fmadd_ps(q, r, _mm256_set1_ps(1.0f / 6.0f));
    return _mm256_fmadd_ps(q, r, _mm256_set1_ps(0.5f));
}

/// e^r − 1 for |r| ≲ ln2/2: r + r²·Q(r).
AVX2_INLINE __m256 expm1_reduced_ps(__m256 r) {
    return _mm256_fmadd_ps(_mm256_mul_ps(r, r), expm1_series_ps(r), r);
}

AVX2_INLINE __m256 reduce_ln2_ps(__m256 x, __m256 *k) {
    __m256 kf = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(0x1.715476p0f)),
                                _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256 r = _mm256_fnmadd_ps(kf, _mm256_set1_ps(0x1.62e4p-1f), x);   // exact for |k| ≤ 2^8
    r = _mm256_fnmadd_ps(kf, _mm256_set1_ps(0x1.7f7d1cp-20f), r);
    *k = kf;
    return r;
}

/// 2^k for an integral k with −126 ≤ k ≤ 127.
AVX2_INLINE __m256 pow2_ps(__m256 k) {
    __m256i e = _mm256_add_epi32(_mm256_cvtps_epi32(k), _mm256_set1_epi32(127));
    return _mm256_castsi256_ps(_mm256_slli_epi32(e, 23));
}

AVX2_INLINE __m256 exp_ps(__m256 x) {
    x = _mm256_min_ps(_mm256_set1_ps(89.0f), x);
    x = _mm256_max_ps(_mm256_set1_ps(-104.0f), x);
    __m256 k;
    __m256 r = reduce_ln2_ps(x, &k);
    __m256 u = _mm256_add_ps(_mm256_set1_ps(1.0f), expm1_reduced_ps(r));
    __m256 k1 = _mm256_floor_ps(_mm256_mul_ps(k, _mm256_set1_ps(0.5f)));
    __m256 k2 = _mm256_sub_ps(k, k1);
    return _mm256_mul_ps(_mm256_mul_ps(u, pow2_ps(k1)), pow2_ps(k2));
}

AVX2_INLINE __m256 log_ps(__m256 x) {
    const __m256 one = _mm256_set1_ps(1.0f), zero = _mm256_setzero_ps();
    __m256 tiny = _mm256_cmp_ps(x, _mm256_set1_ps(FLT_MIN), _CMP_LT_OQ);
    __m256 xs = _mm256_blendv_ps(x, _mm256_mul_ps(x, _mm256_set1_ps(0x1p25f)), tiny);
    __m256 kadj = _mm256_and_ps(tiny, _mm256_set1_ps(-25.0f));
    __m256i ix = _mm256_castps_si256(xs);
    __m256i tmp = _mm256_sub_epi32(ix, _mm256_set1_epi32(0x3f3504f3));  // bits of √2/2
    __m256i iz = _mm256_sub_epi32(ix, _mm256_and_si256(tmp, _mm256_set1_epi32((int)0xff800000u)));
    __m256 z = _mm256_castsi256_ps(iz);
    __m256 dk = _mm256_add_ps(_mm256_cvtepi32_ps(_mm256_srai_epi32(tmp, 23)), kadj);

    __m256 f = _mm256_sub_ps(z, one);
    __m256 s = _mm256_div_ps(f, _mm256_add_ps(_mm256_set1_ps(2.0f), f));
    __m256 z2 = _mm256_mul_ps(s, s);
    __m256 R = _mm256_fmadd_ps(z2, _mm256_set1_ps(2.0f / 9.0f), _mm256_set1_ps(2.0f / 7.0f));
    R = _mm256_fmadd_ps(z2, R, _mm256_set1_ps(2.0f / 5.0f));
    R = _mm256_fmadd_ps(z2, R, _mm256_set1_ps(2.0f / 3.0f));
    R = _mm256_mul_ps(z2, R);
    __m256 hfsq = _mm256_mul_ps(_mm256_mul_ps(_mm256_set1_ps(0.5f), f), f);
    __m256 inner = _mm256_fmadd_ps(s, _mm256_add_ps(hfsq, R), _mm256_mul_ps(dk, _mm256_set1_ps(0x1.7f7d1cp-20f)));
    __m256 y = _mm256_sub_ps(_mm256_mul_ps(dk, _mm256_set1_ps(0x1.62e4p-1f)),
                             _mm256_sub_ps(_mm256_sub_ps(hfsq, inner), f));

    y = _mm256_blendv_ps(y, _mm256_set1_ps(NAN), _mm256_cmp_ps(x, zero, _CMP_LT_OQ));
    y = _mm256_blendv_ps(y, _mm256_set1_ps(-INFINITY), _mm256_cmp_ps(x, zero, _CMP_EQ_OQ));
    y = _mm256_blendv_ps(y, x, _mm256_cmp_ps(x, _mm256_set1_ps(INFINITY), _CMP_EQ_OQ));
    return _mm256_blendv_ps(y, x, _mm256_cmp_ps(x, x, _CMP_UNORD_Q));
}

/// (n_hi + n_lo)/(d_hi + d_lo): one division and one correction (float twin of
/// `divide_dd_pd`, with the 12-bit reciprocal estimate).
AVX2_INLINE __m256 divide_dd_ps(__m256 n_hi, __m256 n_lo, __m256 d_hi, __m256 d_lo) {
    __m256 q = _mm256_div_ps(n_hi, d_hi);
    __m256 resid = _mm256_add_ps(_mm256_fnmadd_ps(q, d_hi, n_hi), _mm256_fnmadd_ps(q, d_lo, n_lo));
    return _mm256_fmadd_ps(resid, _mm256_rcp_ps(d_hi), q);
}

AVX2_INLINE __m256 two_sum_ps(__m256 a, __m256 b, __m256 *e) {
    __m256 s = _mm256_add_ps(a, b);
    __m256 bb = _mm256_sub_ps(s, a);
    *e = _mm256_add_ps(_mm256_sub_ps(a, _mm256_sub_ps(s, bb)), _mm256_sub_ps(b, bb));
    return s;
}

AVX2_INLINE __m256 tanh_ps(__m256 x) {
    const __m256 sign = _mm256_set1_ps(-0.0f), two = _mm256_set1_ps(2.0f), one = _mm256_set1_ps(1.0f);
    __m256 a = _mm256_min_ps(_mm256_set1_ps(10.0f), _mm256_andnot_ps(sign, x));
    __m256 k;
    __m256 r = reduce_ln2_ps(_mm256_add_ps(a, a), &k);
    __m256 scale = pow2_ps(k);
    __m256 c = _mm256_sub_ps(scale, one);
    __m256 P = _mm256_mul_ps(scale, r);
    __m256 L = _mm256_mul_ps(scale, _mm256_mul_ps(_mm256_mul_ps(r, r), expm1_series_ps(r)));
    __m256 t_hi = _mm256_add_ps(c, P);
    __m256 t_lo = _mm256_add_ps(_mm256_sub_ps(P, _mm256_sub_ps(t_hi, c)), L);
    __m256 t_sum = _mm256_add_ps(t_hi, t_lo);         // renormalise (fast two-sum: |t_lo| < |t_hi|)
    t_lo = _mm256_sub_ps(t_lo, _mm256_sub_ps(t_sum, t_hi));
    t_hi = t_sum;
    __m256 d_lo;
    __m256 d_hi = two_sum_ps(t_hi, two, &d_lo);
    d_lo = _mm256_add_ps(d_lo, t_lo);
    __m256 big = _mm256_cmp_ps(a, _mm256_set1_ps(0.55f), _CMP_GT_OQ);
    __m256 q = divide_dd_ps(_mm256_blendv_ps(t_hi, two, big), _mm256_andnot_ps(big, t_lo), d_hi, d_lo);
    __m256 y = _mm256_blendv_ps(q, _mm256_sub_ps(one, q), big);
    return _mm256_or_ps(y, _mm256_and_ps(sign, x));
}

AVX2_INLINE __m256 sigmoid_ps(__m256 x) {
    const __m256 one = _mm256_set1_ps(1.0f);
    __m256 m = _mm256_max_ps(_mm256_set1_ps(-104.0f), _mm256_or_ps(x, _mm256_set1_ps(-0.0f)));
    __m256 k;
    __m256 r = reduce_ln2_ps(m, &k);
    __m256 p = expm1_reduced_ps(r);
    __m256 u = _mm256_add_ps(one, p);
    __m256 u_lo = _mm256_add_ps(_mm256_sub_ps(one, u), p);
    __m256 k1 = _mm256_floor_ps(_mm256_mul_ps(k, _mm256_set1_ps(0.5f)));
    __m256 s1 = pow2_ps(k1), s2 = pow2_ps(_mm256_sub_ps(k, k1));
    __m256 e_hi = _mm256_mul_ps(_mm256_mul_ps(u, s1), s2);
    __m256 e_lo = _mm256_mul_ps(_mm256_mul_ps(u_lo, s1), s2);
    __m256 d_hi = _mm256_add_ps(one, e_hi);
    __m256 d_lo = _mm256_add_ps(_mm256_add_ps(_mm256_sub_ps(one, d_hi), e_hi), e_lo);
    __m256 pos = _mm256_cmp_ps(x, _mm256_setzero_ps(), _CMP_GE_OQ);
    return divide_dd_ps(_mm256_blendv_ps(e_hi, one, pos), _mm256_andnot_ps(pos, e_lo), d_hi, d_lo);
}

// --- loops ---

#define DEFINE_AVX2_MAP_F32(NAME, FN)                                               \
    AVX2 static void NAME(const float *x, float *y, ptrdiff_t n) {                  \
        ptrdiff_t i = 0;                                                            \
        for (; i + 32 <= n; i += 32) {                                              \
            __m256 a = FN(_mm256_loadu_ps(x + i));                                  \
            __m256 b = FN(_mm256_loadu_ps(x + i + 8));                              \
            __m256 c = FN(_mm256_loadu_ps(x + i + 16));                             \
            __m256 d = FN(_mm256_loadu_ps(x + i + 24));                             \
            _mm256_storeu_ps(y + i, a);                                             \
            _mm256_storeu_ps(y + i + 8, b);                                         \
            _mm256_storeu_ps(y + i + 16, c);                                        \
            _mm256_storeu_ps(y + i + 24, d);                                        \
        }                                                                           \
        for (; i < n; i += 8) {                                                     \
            __m256i m = tail_mask_f32(n - i);                                       \
            _mm256_maskstore_ps(y + i, m, FN(_mm256_maskload_ps(x + i, m)));        \
        }                                                                           \
    }

#define DEFINE_AVX2_MAP_F64(NAME, FN)                                               \
    AVX2 static void NAME(const double *x, double *y, ptrdiff_t n) {                \
        ptrdiff_t i = 0;                                                            \
        for (; i + 16 <= n; i += 16) {                                              \
            __m256d a = FN(_mm256_loadu_pd(x + i));                                 \
            __m256d b = FN(_mm256_loadu_pd(x + i + 4));                             \
            __m256d c = FN(_mm256_loadu_pd(x + i + 8));                             \
            __m256d d = FN(_mm256_loadu_pd(x + i + 12));                            \
            _mm256_storeu_pd(y + i, a);                                             \
            _mm256_storeu_pd(y + i + 4, b);                                         \
            _mm256_storeu_pd(y + i + 8, c);                                         \
            _mm256_storeu_pd(y + i + 12, d);                                        \
        }                                                                           \
        for (; i < n; i += 4) {                                                     \
            __m256i m = tail_mask_f64(n - i);                                       \
            _mm256_maskstore_pd(y + i, m, FN(_mm256_maskload_pd(x + i, m)));        \
        }                                                                           \
    }

// relu: clear the lanes where x ≤ 0 (ordered compare: NaN lanes keep x).
AVX2_INLINE __m256 relu_ps(__m256 x) { return _mm256_andnot_ps(_mm256_cmp_ps(x, _mm256_setzero_ps(), _CMP_LE_OQ), x); }
AVX2_INLINE __m256d relu_pd(__m256d x) { return _mm256_andnot_pd(_mm256_cmp_pd(x, _mm256_setzero_pd(), _CMP_LE_OQ), x); }

DEFINE_AVX2_MAP_F32(relu_f32_avx2, relu_ps)
DEFINE_AVX2_MAP_F64(relu_f64_avx2, relu_pd)
DEFINE_AVX2_MAP_F32(exp_f32_avx2, exp_ps)
DEFINE_AVX2_MAP_F64(exp_f64_avx2, exp_pd)
DEFINE_AVX2_MAP_F32(log_f32_avx2, log_ps)
DEFINE_AVX2_MAP_F64(log_f64_avx2, log_pd)
DEFINE_AVX2_MAP_F32(tanh_f32_avx2, tanh_ps)
DEFINE_AVX2_MAP_F64(tanh_f64_avx2, tanh_pd)
DEFINE_AVX2_MAP_F32(sigmoid_f32_avx2, sigmoid_ps)
DEFINE_AVX2_MAP_F64(sigmoid_f64_avx2, sigmoid_pd)

AVX2_INLINE __m256 tanh_backward_ps(__m256 y, __m256 g) {
    return _mm256_mul_ps(g, _mm256_fnmadd_ps(y, y, _mm256_set1_ps(1.0f)));
}
AVX2_INLINE __m256d tanh_backward_pd(__m256d y, __m256d g) {
    return _mm256_mul_pd(g, _mm256_fnmadd_pd(y, y, _mm256_set1_pd(1.0)));
}
AVX2_INLINE __m256 sigmoid_backward_ps(__m256 y, __m256 g) {
    return _mm256_mul_ps(g, _mm256_mul_ps(y, _mm256_sub_ps(_mm256_set1_ps(1.0f), y)));
}
AVX2_INLINE __m256d sigmoid_backward_pd(__m256d y, __m256d g) {
    return _mm256_mul_pd(g, _mm256_mul_pd(y, _mm256_sub_pd(_mm256_set1_pd(1.0), y)));
}

// g where x > 0, x itself (NaN) where x is NaN, else 0.
AVX2_INLINE __m256 relu_backward_ps(__m256 x, __m256 g) {
    __m256 pass = _mm256_and_ps(g, _mm256_cmp_ps(x, _mm256_setzero_ps(), _CMP_GT_OQ));
    return _mm256_or_ps(pass, _mm256_and_ps(x, _mm256_cmp_ps(x, x, _CMP_UNORD_Q)));
}
AVX2_INLINE __m256d relu_backward_pd(__m256d x, __m256d g) {
    __m256d pass = _mm256_and_pd(g, _mm256_cmp_pd(x, _mm256_setzero_pd(), _CMP_GT_OQ));
    return _mm256_or_pd(pass, _mm256_and_pd(x, _mm256_cmp_pd(x, x, _CMP_UNORD_Q)));
}

#define DEFINE_AVX2_BACKWARD(NAME, T, V, W, SUF, MASK, FN)                           \
    AVX2 static void NAME(const T *y, const T *g, T *out, ptrdiff_t n) {             \
        ptrdiff_t i = 0;                                                             \
        for (; i + W <= n; i += W)                                                   \
            _mm256_storeu_##SUF(out + i, FN(_mm256_loadu_##SUF(y + i), _mm256_loadu_##SUF(g + i))); \
        if (i < n) {                                                                 \
            __m256i m = MASK(n - i);                                                 \
            V r = FN(_mm256_maskload_##SUF(y + i, m), _mm256_maskload_##SUF(g + i, m)); \
            _mm256_maskstore_##SUF(out + i, m, r);                                   \
        }                                                                            \
    }

DEFINE_AVX2_BACKWARD(tanh_backward_f32_avx2, float, __m256, 8, ps, tail_mask_f32, tanh_backward_ps)
DEFINE_AVX2_BACKWARD(tanh_backward_f64_avx2, double, __m256d, 4, pd, tail_mask_f64, tanh_backward_pd)
DEFINE_AVX2_BACKWARD(sigmoid_backward_f32_avx2, float, __m256, 8, ps, tail_mask_f32, sigmoid_backward_ps)
DEFINE_AVX2_BACKWARD(sigmoid_backward_f64_avx2, double, __m256d, 4, pd, tail_mask_f64, sigmoid_backward_pd)
DEFINE_AVX2_BACKWARD(relu_backward_f32_avx2, float, __m256, 8, ps, tail_mask_f32, relu_backward_ps)
DEFINE_AVX2_BACKWARD(relu_backward_f64_avx2, double, __m256d, 4, pd, tail_mask_f64, relu_backward_pd)

// Sums: 4 vector accumulators = 32 float / 16 double lanes, lane l holding the elements
// i ≡ l (mod lanes), then the same pairwise combination as the portable code.
AVX2 static float sum_f32_avx2(const float *x, ptrdiff_t n) {
    __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
    ptrdiff_t i = 0;
    for (; i + 32 <= n; i += 32) {
        a0 = _mm256_add_ps(a0, _mm256_loadu_ps(x + i));
        a1 = _mm256_add_ps(a1, _mm256_loadu_ps(x + i + 8));
        a2 = _mm256_add_ps(a2, _mm256_loadu_ps(x + i + 16));
        a3 = _mm256_add_ps(a3, _mm256_loadu_ps(x + i + 24));
    }
    if (i < n) {  // masked lanes load 0, and x + 0 = x (also for −0: the lanes start at +0)
        a0 = _mm256_add_ps(a0, _mm256_maskload_ps(x + i, tail_mask_f32(n - i)));
        a1 = _mm256_add_ps(a1, _mm256_maskload_ps(x + i + 8, tail_mask_f32(n - i - 8)));
        a2 = _mm256_add_ps(a2, _mm256_maskload_ps(x + i + 16, tail_mask_f32(n - i - 16)));
        a3 = _mm256_add_ps(a3, _mm256_maskload_ps(x + i + 24, tail_mask_f32(n - i - 24)));
    }
    a0 = _mm256_add_ps(a0, a2);  // width 16: lane l += lane l + 16
    a1 = _mm256_add_ps(a1, a3);
    a0 = _mm256_add_ps(a0, a1);  // width 8
    __m128 h = _mm_add_ps(_mm256_castps256_ps128(a0), _mm256_extractf128_ps(a0, 1));  // width 4
    h = _mm_add_ps(h, _mm_movehl_ps(h, h));                                           // width 2
    h = _mm_add_ss(h, _mm_movehdup_ps(h));                                            // width 1
    return _mm_cvtss_f32(h);
}

AVX2 static double sum_f64_avx2(const double *x, ptrdiff_t n) {
    __m256d a0 = _mm256_setzero_pd(), a1 = a0, a2 = a0, a3 = a0;
    ptrdiff_t i = 0;
    for (; i + 16 <= n; i += 16) {
        a0 = _mm256_add_pd(a0, _mm256_loadu_pd(x + i));
        a1 = _mm256_add_pd(a1, _mm256_loadu_pd(x + i + 4));
        a2 = _mm256_add_pd(a2, _mm256_loadu_pd(x + i + 8));
        a3 = _mm256_add_pd(a3, _mm256_loadu_pd(x + i + 12));
    }
    if (i < n) {
        a0 = _mm256_add_pd(a0, _mm256_maskload_pd(x + i, tail_mask_f64(n - i)));
        a1 = _mm256_add_pd(a1, _mm256_maskload_pd(x + i + 4, tail_mask_f64(n - i - 4)));
        a2 = _mm256_add_pd(a2, _mm256_maskload_pd(x + i + 8, tail_mask_f64(n - i - 8)));
        a3 = _mm256_add_pd(a3, _mm256_maskload_pd(x + i + 12, tail_mask_f64(n - i - 12)));
    }
    a0 = _mm256_add_pd(a0, a2);
    a1 = _mm256_add_pd(a1, a3);
    a0 = _mm256_add_pd(a0, a1);
    __m128d h = _mm_add_pd(_mm256_castpd256_pd128(a0), _mm256_extractf128_pd(a0, 1));
    h = _mm_add_sd(h, _mm_unpackhi_pd(h, h));
    return _mm_cvtsd_f64(h);
}

#endif  // BP_EW_X86

// MARK: - Entry points

#if BP_EW_X86
#define DISPATCH(AVX2_CALL, PORTABLE_CALL) \
    if (bp_ew_active() == BP_EW_AVX2) { AVX2_CALL; } else { PORTABLE_CALL; }
#else
#define DISPATCH(AVX2_CALL, PORTABLE_CALL) PORTABLE_CALL;
#endif

#define DEFINE_MAP_ENTRY(NAME, T)                                                      \
    void bp_##NAME(const T *x, T *y, ptrdiff_t n) {                                    \
        if (n <= 0) return;                                                            \
        DISPATCH(NAME##_avx2(x, y, n), NAME##_portable(x, y, n))                      \
    }

DEFINE_MAP_ENTRY(exp_f32, float)
DEFINE_MAP_ENTRY(exp_f64, double)
DEFINE_MAP_ENTRY(log_f32, float)
DEFINE_MAP_ENTRY(log_f64, double)
DEFINE_MAP_ENTRY(tanh_f32, float)
DEFINE_MAP_ENTRY(tanh_f64, double)
DEFINE_MAP_ENTRY(sigmoid_f32, float)
DEFINE_MAP_ENTRY(sigmoid_f64, double)
DEFINE_MAP_ENTRY(relu_f32, float)
DEFINE_MAP_ENTRY(relu_f64, double)

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
