// Image patches as rows (im2col) and their adjoint (col2im), by one of three loops:
// 2 × 2 windows at stride 2 without padding (pooling: BP_POOL2_LOOPS), images whose
// padded channels fit a 16 KiB scratch (BP_PADDED_LOOPS), and the general loops below
// for larger images. The general loops: one pass per image,
// channel, patch offset (u, v) and patch row i: its W' elements read image row
// s·i + u − p every s-th element (from column v − p) and go to every C·k²-th row
// element. The range of j that reads inside the image is computed once per offset:
//
//     0 ≤ s·j + v − p < W  ⇔  jLow ≤ j < jHigh
//
// Bodies hold two to eight elements (the digits CNN), so the loops are kept scalar:
// vector prologues and unrolled remainders cost more than they save here.
#include "bp_patches.h"

#define BP_PATCH_LOOPS(T, NAME, FOLD)                                                            \
    void NAME(T *images_, T *rows_, const int64_t *g) {                                          \
        const int64_t N = g[0], C = g[1], H = g[2], W = g[3], k = g[4], s = g[5], p = g[6];       \
        const int64_t oh = g[7], ow = g[8], columns = C * k * k, perImage = oh * ow * columns;  \
        for (int64_t n = 0; n < N; n++)                                                          \
            for (int64_t c = 0; c < C; c++) {                                                    \
                T *image = images_ + (n * C + c) * H * W;                                        \
                for (int64_t u = 0; u < k; u++)                                                  \
                    for (int64_t v = 0; v < k; v++) {                                            \
                        int64_t lo = p - v <= 0 ? 0 : (p - v + s - 1) / s;                      \
                        if (lo > ow) lo = ow;                                                    \
                        int64_t last = W - 1 + p - v, hi = last < 0 ? 0 : last / s + 1;          \
                        if (hi > ow) hi = ow;                                                    \
                        if (hi < lo) hi = lo;                                                    \
                        T *column = rows_ + n * perImage + (c * k + u) * k + v;                 \
                        for (int64_t i = 0; i < oh; i++) {                                       \
                            T *dst = column + i * ow * columns;                                  \
                            int64_t y = s * i + u - p;                                           \
                            if (y < 0 || y >= H) {                                               \
                                if (!FOLD) {                                                     \
                                    _Pragma("clang loop vectorize(disable) unroll(disable)")     \
                                    for (int64_t j = 0; j < ow; j++) dst[j * columns] = 0;       \
                                }                                                                \
                                continue;                                                        \
                            }                                                                    \
                            T *src = image + y * W + v - p;                                      \
                            if (FOLD) {                                                          \
                                _Pragma("clang loop vectorize(disable) unroll(disable)")         \
                                for (int64_t j = lo; j < hi; j++) src[j * s] += dst[j * columns]; \
                            } else {                                                             \
                                _Pragma("clang loop vectorize(disable) unroll(disable)")         \
                                for (int64_t j = 0; j < lo; j++) dst[j * columns] = 0;           \
                                _Pragma("clang loop vectorize(disable) unroll(disable)")         \
                                for (int64_t j = lo; j < hi; j++) dst[j * columns] = src[j * s]; \
                                _Pragma("clang loop vectorize(disable) unroll(disable)")         \
                                for (int64_t j = hi; j < ow; j++) dst[j * columns] = 0;          \
                            }                                                                    \
                        }                                                                        \
                    }                                                                            \
            }                                                                                    \
    }

// 2 × 2 windows at stride 2 without padding (max-pooling): the windows do not overlap,
// so each row is the four elements of two image rows, written in order, and fold adds
// exactly one term to each covered image element (the same result in any order).
// About 2–3 times faster than the general loops on the digits CNN's pooling layers.
#define BP_POOL2_LOOPS(T, NAME, FOLD)                                                            \
    static int NAME(T *images_, T *rows_, const int64_t *g) {                                   \
        const int64_t N = g[0], C = g[1], H = g[2], W = g[3], k = g[4], s = g[5], p = g[6];       \
        const int64_t oh = g[7], ow = g[8], columns = C * 4;                                     \
        if (k != 2 || s != 2 || p != 0) return 0;                                                \
        for (int64_t n = 0; n < N; n++)                                                          \
            for (int64_t c = 0; c < C; c++) {                                                    \
                T *image = images_ + (n * C + c) * H * W;                                        \
                for (int64_t i = 0; i < oh; i++) {                                               \
                    T *r0 = image + 2 * i * W, *r1 = r0 + W;                                     \
                    T *row = rows_ + (n * oh + i) * ow * columns + c * 4;                        \
                    for (int64_t j = 0; j < ow; j++, row += columns) {                           \
                        if (FOLD) {                                                              \
                            r0[2 * j] += row[0]; r0[2 * j + 1] += row[1];                        \
                            r1[2 * j] += row[2]; r1[2 * j + 1] += row[3];                        \
                        } else {                                                                 \
                            row[0] = r0[2 * j]; row[1] = r0[2 * j + 1];                          \
                            row[2] = r1[2 * j]; row[3] = r1[2 * j + 1];                          \
                        }                                                                        \
                    }                                                                            \
                }                                                                                \
            }                                                                                    \
        return 1;                                                                                \
    }

// Images small enough that all channels of one, padded, fit a 16 KiB scratch on the
// stack (the digits CNN's 8 × 8 and 4 × 4 feature maps): each image is copied once into
// the scratch with its zero border, and the rows are then written (unfold) or read
// (fold) in order, k elements at a time from the scratch, without bounds checks. Fold
// adds every term into the padded scratch in the order of the rows, then the scratch's
// interior into the image: the same order on every call, eager or compiled (a different
// rounding order from the general loops' when windows overlap).
#define BP_PATCH_SCRATCH_BYTES 16384
#define BP_PADDED_LOOPS(T, NAME, FOLD)                                                           \
    static int NAME(T *images_, T *rows_, const int64_t *g) {                                   \
        const int64_t N = g[0], C = g[1], H = g[2], W = g[3], k = g[4], s = g[5], p = g[6];       \
        const int64_t oh = g[7], ow = g[8], PH = H + 2 * p, PW = W + 2 * p, plane = PH * PW;    \
        if (C * plane > (int64_t)(BP_PATCH_SCRATCH_BYTES / sizeof(T))) return 0;                 \
        T scratch[BP_PATCH_SCRATCH_BYTES / sizeof(T)];                                           \
        T *row = rows_;                                                                          \
        for (int64_t n = 0; n < N; n++) {                                                        \
            T *image = images_ + n * C * H * W;                                                  \
            for (int64_t c = 0; c < C; c++)                                                      \
                for (int64_t y = 0; y < PH; y++) {                                               \
                    T *d = scratch + c * plane + y * PW;                                         \
                    const T *src = image + (c * H + y - p) * W - p;                              \
                    int inside = !FOLD && y >= p && y < H + p;                                   \
                    for (int64_t x = 0; x < PW; x++)                                             \
                        d[x] = inside && x >= p && x < W + p ? src[x] : 0;                       \
                }                                                                                \
            for (int64_t i = 0; i < oh; i++)                                                     \
                for (int64_t j = 0; j < ow; j++)                                                 \
                    for (int64_t c = 0; c < C; c++)                                              \
                        for (int64_t u = 0; u < k; u++, row += k) {                              \
                            T *sp = scratch + c * plane + (s * i + u) * PW + s * j;              \
                            if (k == 3) { /* the common 3 × 3 window, written out */             \
                                if (FOLD) { sp[0] += row[0]; sp[1] += row[1]; sp[2] += row[2]; } \
                                else { row[0] = sp[0]; row[1] = sp[1]; row[2] = sp[2]; }         \
                                continue;                                                        \
                            }                                                                    \
                            _Pragma("clang loop vectorize(disable)")                             \
                            for (int64_t v = 0; v < k; v++) {                                    \
                                if (FOLD) sp[v] += row[v]; else row[v] = sp[v];                  \
                            }                                                                    \
                        }                                                                        \
            if (FOLD)                                                                            \
                for (int64_t c = 0; c < C; c++)                                                  \
                    for (int64_t y = 0; y < H; y++)                                              \
                        for (int64_t x = 0; x < W; x++)                                          \
                            image[(c * H + y) * W + x] += scratch[c * plane + (y + p) * PW + x + p]; \
        }                                                                                        \
        return 1;                                                                                \
    }

// One kernel per element type and direction: the first of the three loops that takes
// the geometry (pooling windows, then small padded images, then the general loops).
#define BP_PATCH_KERNEL(T, NAME, FOLD)                                                           \
    static BP_PATCH_LOOPS(T, NAME##_general, FOLD)                                               \
    BP_POOL2_LOOPS(T, NAME##_pool2, FOLD)                                                        \
    BP_PADDED_LOOPS(T, NAME##_padded, FOLD)                                                      \
    static void NAME(T *images, T *rows, const int64_t *g) {                                     \
        if (!NAME##_pool2(images, rows, g) && !NAME##_padded(images, rows, g))                  \
            NAME##_general(images, rows, g);                                                     \
    }

BP_PATCH_KERNEL(float, unfold_f32, 0)
BP_PATCH_KERNEL(double, unfold_f64, 0)
BP_PATCH_KERNEL(float, fold_f32, 1)
BP_PATCH_KERNEL(double, fold_f64, 1)

void bp_unfold_f32(const float *images, float *rows, const int64_t *g) { unfold_f32((float *)images, rows, g); }
void bp_unfold_f64(const double *images, double *rows, const int64_t *g) { unfold_f64((double *)images, rows, g); }
void bp_fold_f32(float *images, const float *rows, const int64_t *g) { fold_f32(images, (float *)rows, g); }
void bp_fold_f64(double *images, const double *rows, const int64_t *g) { fold_f64(images, (double *)rows, g); }
