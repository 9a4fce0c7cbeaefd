// Fused optimiser updates over raw buffers, chosen at run time by CPU feature (AVX, or
// portable C). The arithmetic is the same, operation by operation, in every variant and
// as the Swift loops they replace (separate multiplies and adds, IEEE division and square
// root), so results do not depend on the kernel chosen.
#ifndef BP_OPTIMIZERS_H
#define BP_OPTIMIZERS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// One Adam step for n elements (w_new may be w_old: in place):
///   m ← b1·m + (1 − b1)·g;   v ← b2·v + ((1 − b2)·g)·g
///   w_new ← w_old − (alpha·(m / c1)) / (√(v / c2) + eps)
void bp_adam_f32(const float *w_old, float *w_new, const float *g, float *m, float *v, ptrdiff_t n,
                 float b1, float b2, float c1, float c2, float alpha, float eps);
/// Double twin of `bp_adam_f32`.
void bp_adam_f64(const double *w_old, double *w_new, const double *g, double *m, double *v, ptrdiff_t n,
                 double b1, double b2, double c1, double c2, double alpha, double eps);

/// `bp_adam_f32` split over `threads` threads (the caller and the persistent helpers,
/// `bp_helpers_run`) from 2¹⁶ elements on, in pieces of 2¹⁴; same result, bit for bit.
void bp_adam_threads_f32(const float *w_old, float *w_new, const float *g, float *m, float *v, ptrdiff_t n,
                         float b1, float b2, float c1, float c2, float alpha, float eps, ptrdiff_t threads);
/// Double twin of `bp_adam_threads_f32`.
void bp_adam_threads_f64(const double *w_old, double *w_new, const double *g, double *m, double *v, ptrdiff_t n,
                         double b1, double b2, double c1, double c2, double alpha, double eps, ptrdiff_t threads);

/// One SGD step for n elements (w_new may be w_old: in place; v NULL: no momentum),
/// vectorised for the running CPU (no FMA contraction), split over `threads` threads as
/// `bp_adam_threads_f32`:
///   v ← mu·v + g;   w_new ← w_old − alpha·v        (with v)
///   w_new ← w_old − alpha·g                       (v NULL)
void bp_sgd_f32(const float *w_old, float *w_new, const float *g, float *v, ptrdiff_t n, float alpha, float mu,
                ptrdiff_t threads);
/// Double twin of `bp_sgd_f32`.
void bp_sgd_f64(const double *w_old, double *w_new, const double *g, double *v, ptrdiff_t n, double alpha,
                double mu, ptrdiff_t threads);

#ifdef __cplusplus
}
#endif

#endif
