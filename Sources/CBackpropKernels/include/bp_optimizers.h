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

#ifdef __cplusplus
}
#endif

#endif
