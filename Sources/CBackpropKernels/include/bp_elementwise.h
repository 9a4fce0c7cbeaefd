// Elementwise kernels: vectorised exp, log, tanh, sigmoid, their backward loops and a
// full sum, for float and double. AVX-512 (exp, log, tanh, sigmoid) or AVX2+FMA where
// the CPU has it (chosen at run time; both give the same bits), otherwise portable C
// that calls the C library. See Docs/Performance.md,
// "Elementwise ops", for the accuracy bounds.
//
// Every function reads `n` elements from each input and writes `n` to `y` / `out`;
// inputs and outputs may be the same buffer (in place) but must not overlap otherwise.
#ifndef BP_ELEMENTWISE_H
#define BP_ELEMENTWISE_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// y[i] = x[i] ≤ 0 ? 0 : x[i]   relu as the elementwise table defines it (NaN stays NaN, −0 → 0).
void bp_relu_f32(const float *x, float *y, ptrdiff_t n);
/// y[i] = x[i] ≤ 0 ? 0 : x[i]   double twin of `bp_relu_f32`.
void bp_relu_f64(const double *x, double *y, ptrdiff_t n);

/// y[i] = exp(x[i])      (vectorised: ≤ 1.06 ulp float, all floats; 1.00 double, sampled; tests assert 1.5).
void bp_exp_f32(const float *x, float *y, ptrdiff_t n);
/// y[i] = exp(x[i])      double twin of `bp_exp_f32`.
void bp_exp_f64(const double *x, double *y, ptrdiff_t n);

/// y[i] = ln x[i]        (−inf at ±0, NaN below 0, +inf at +inf; vectorised ≤ 0.85 ulp measured).
void bp_log_f32(const float *x, float *y, ptrdiff_t n);
/// y[i] = ln x[i]        double twin of `bp_log_f32`.
void bp_log_f64(const double *x, double *y, ptrdiff_t n);

/// y[i] = tanh x[i]      = sign(x)·t/(t + 2), t = expm1(2|x|); odd, saturates at ±1
///                       (vectorised ≤ 1.00 ulp float, 1.08 double, measured).
void bp_tanh_f32(const float *x, float *y, ptrdiff_t n);
/// y[i] = tanh x[i]      double twin of `bp_tanh_f32`.
void bp_tanh_f64(const double *x, double *y, ptrdiff_t n);

/// y[i] = σ(x[i]) = 1/(1 + e^(−x))   (computed as e/(1 + e), e = e^(−|x|), for x < 0;
///                                   vectorised ≤ 1.05 ulp float, 0.99 double, measured).
void bp_sigmoid_f32(const float *x, float *y, ptrdiff_t n);
/// y[i] = σ(x[i])        double twin of `bp_sigmoid_f32`.
void bp_sigmoid_f64(const double *x, double *y, ptrdiff_t n);

/// out[i] = g[i]·(1 − y[i]²)       the backward loop of tanh, given y = tanh x.
void bp_tanh_backward_f32(const float *y, const float *g, float *out, ptrdiff_t n);
/// out[i] = g[i]·(1 − y[i]²)       double twin.
void bp_tanh_backward_f64(const double *y, const double *g, double *out, ptrdiff_t n);

/// out[i] = g[i]·(y[i]·(1 − y[i]))  the backward loop of σ, given y = σ(x).
void bp_sigmoid_backward_f32(const float *y, const float *g, float *out, ptrdiff_t n);
/// out[i] = g[i]·(y[i]·(1 − y[i]))  double twin.
void bp_sigmoid_backward_f64(const double *y, const double *g, double *out, ptrdiff_t n);

/// out[i] = x[i] > 0 ? g[i] : 0 (NaN for a NaN x[i])   the backward loop of relu, given its input x
///                                (branch-free; NaN inputs give 0).
void bp_relu_backward_f32(const float *x, const float *g, float *out, ptrdiff_t n);
/// out[i] = x[i] > 0 ? g[i] : 0   double twin.
void bp_relu_backward_f64(const double *x, const double *g, double *out, ptrdiff_t n);

/// Σ x[i] with 32 (float) / 16 (double) partial sums combined pairwise at the end
/// (0 for n = 0). Not the same rounding as a left-to-right loop, usually closer.
float bp_sum_f32(const float *x, ptrdiff_t n);
/// Σ x[i]                double twin of `bp_sum_f32`.
double bp_sum_f64(const double *x, ptrdiff_t n);

/// Which elementwise kernel set runs on the calling thread: "avx512", "avx2" or
/// "portable" ("avx512": exp, log, tanh, sigmoid at 512 bits; relu, the backward loops
/// and the sums at 256).
const char *bp_elementwise_kernel_name(void);

/// Test hook: caps the elementwise kernels at `kernel` (0 = automatic, 1 = portable,
/// 2 = AVX2+FMA, 3 = AVX-512) for the calling thread only (other threads keep the automatic
/// choice); a request above what the CPU supports falls back to the best supported
/// set. Returns the previous request of this thread.
int bp_elementwise_force_kernel(int kernel);

#ifdef __cplusplus
}
#endif

#endif
