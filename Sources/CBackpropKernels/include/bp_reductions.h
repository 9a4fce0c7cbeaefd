// Reductions over raw buffers, vectorised for the running CPU.
#ifndef BP_REDUCTIONS_H
#define BP_REDUCTIONS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// out[o, i] += x[o, k, i] for k = 0, 1, …, count − 1 in order, over an
/// [outer, count, inner] input (out: [outer, inner], not overlapping x); the caller sets
/// out to 0 first for a sum. Each element adds its terms one at a time, in k order.
void bp_sum_middle_f32(const float *x, ptrdiff_t outer, ptrdiff_t count, ptrdiff_t inner, float *out);
/// Double twin of `bp_sum_middle_f32`.
void bp_sum_middle_f64(const double *x, ptrdiff_t outer, ptrdiff_t count, ptrdiff_t inner, double *out);

#ifdef __cplusplus
}
#endif

#endif
