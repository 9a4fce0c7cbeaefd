// Image patches as rows (im2col) and rows added back into images (col2im), for
// `Tensor.unfolded` / `Tensor.folded` and their compiled-program kernels.
#ifndef BP_PATCHES_H
#define BP_PATCHES_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// The geometry `g` of every function below, nine integers:
/// [N, C, H, W, k, s, p, H', W'] (images [N, C, H, W], patches [N, H', W', C·k²]).
///
///     unfold: rows[n, i, j, (c·k + u)·k + v] = x̂[n, c, s·i + u, s·j + v]   (0 in the padding)
///     fold:   images[n, c, s·i + u − p, s·j + v − p] += rows[n, i, j, (c·k + u)·k + v]
void bp_unfold_f32(const float *images, float *rows, const int64_t *g);
void bp_unfold_f64(const double *images, double *rows, const int64_t *g);
/// `images` must hold zeros (or what the rows are added to).
void bp_fold_f32(float *images, const float *rows, const int64_t *g);
void bp_fold_f64(double *images, const double *rows, const int64_t *g);

#ifdef __cplusplus
}
#endif

#endif
