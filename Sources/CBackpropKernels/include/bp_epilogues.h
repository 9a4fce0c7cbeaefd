// Fused epilogues of a compiled program's matrix products: one pass over a product's
// result instead of separate elementwise passes (bias, activation, activation
// derivative). `out` may be `g` or the derivative's input (in place) but must not overlap them otherwise. Each function computes, element by element, exactly what the separate
// ops compute (the same operations in the same order, no FMA contraction), so a fused
// program gives the same bits as the unfused one.
#ifndef BP_EPILOGUES_H
#define BP_EPILOGUES_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// c[i, j] = relu(c[i, j] + bias[j]) for an m × n row-major matrix, in place; relu as the
/// elementwise table defines it (x ≤ 0 ? 0 : x, NaN stays NaN). `bias` may be NULL
/// (relu only).
void bp_bias_relu_f32(float *c, const float *bias, ptrdiff_t m, ptrdiff_t n);
/// Double twin of `bp_bias_relu_f32`.
void bp_bias_relu_f64(double *c, const double *bias, ptrdiff_t m, ptrdiff_t n);

/// out[i] = g[i]·step(h[i]; t): an upstream gradient times a step mask (relu′ given the
/// relu's input or output, t = 0), the step as the table defines it (1 above t, 0 at or
/// below, NaN stays NaN).
void bp_step_mask_f32(const float *g, const float *h, float t, float *out, ptrdiff_t n);
/// Double twin of `bp_step_mask_f32`.
void bp_step_mask_f64(const double *g, const double *h, double t, double *out, ptrdiff_t n);

/// What the threads of a split product apply to each block of C they finish (after
/// its last K block, while it is in their cache), instead of one pass over all of C by
/// the calling thread afterwards. The element operations are those of the functions
/// above, so the bits are the same either way.
///
///     kind BP_EPILOGUE_BIAS_RELU:  C[i, j] ← relu(C[i, j] + bias[j])   (bias may be NULL)
///     kind BP_EPILOGUE_STEP_MASK:  C[i, j] ← C[i, j]·step(h[i·ldh + j]; threshold)
typedef struct {
    int kind;
    /// Element type float (BP_EPILOGUE_BIAS_RELU: N entries) or double, as C.
    const void *bias;
    /// The step mask's input, rows `ldh` elements apart.
    const void *h;
    ptrdiff_t ldh;
    double threshold;
} bp_gemm_epilogue;

enum { BP_EPILOGUE_NONE = 0, BP_EPILOGUE_BIAS_RELU = 1, BP_EPILOGUE_STEP_MASK = 2 };

/// Applies `e` to rows [i0, i0 + rows) × columns [j0, j0 + cols) of a float C (rows
/// `ldc` apart); nothing when `e` is NULL or of kind BP_EPILOGUE_NONE.
void bp_gemm_epilogue_f32(const bp_gemm_epilogue *e, float *C, ptrdiff_t ldc, ptrdiff_t i0,
                          ptrdiff_t rows, ptrdiff_t j0, ptrdiff_t cols);
/// Double twin of `bp_gemm_epilogue_f32`.
void bp_gemm_epilogue_f64(const bp_gemm_epilogue *e, double *C, ptrdiff_t ldc, ptrdiff_t i0,
                          ptrdiff_t rows, ptrdiff_t j0, ptrdiff_t cols);

/// out[i] = g[i]·(y[i]·(1 − y[i])): an upstream gradient times σ′ given y = σ(x).
void bp_sigmoid_mask_f32(const float *g, const float *y, float *out, ptrdiff_t n);
/// Double twin of `bp_sigmoid_mask_f32`.
void bp_sigmoid_mask_f64(const double *g, const double *y, double *out, ptrdiff_t n);

/// out[i] = g[i]·(1 − y[i]·y[i]): an upstream gradient times tanh′ given y = tanh x.
void bp_tanh_mask_f32(const float *g, const float *y, float *out, ptrdiff_t n);
/// Double twin of `bp_tanh_mask_f32`.
void bp_tanh_mask_f64(const double *g, const double *y, double *out, ptrdiff_t n);

#ifdef __cplusplus
}
#endif

#endif
