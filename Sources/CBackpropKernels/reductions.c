// Sums over the middle axis of [outer, count, inner] (see include/bp_reductions.h).
// Plain loops the compiler vectorises along the inner axis, cloned for AVX-512, AVX2 and
// baseline x86-64 and picked at load time: each output element adds its inputs one at a
// time in order, exactly as the Swift loop it replaces, so the bits do not depend on the
// clone. (The Swift loop, compiled for baseline x86-64, ran 4 floats wide.)
#include "bp_reductions.h"

#if defined(__x86_64__) && defined(__linux__) && defined(__clang__)
#define BP_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define BP_CLONES
#endif

#define DEFINE_SUM_MIDDLE(T, SUF)                                                        \
    static inline __attribute__((always_inline)) void add_row_##SUF(                   \
        T *restrict dst, const T *restrict src, ptrdiff_t n) {                           \
        for (ptrdiff_t i = 0; i < n; i++) dst[i] += src[i];                              \
    }                                                                                    \
    BP_CLONES void bp_sum_middle_##SUF(const T *x, ptrdiff_t outer, ptrdiff_t count,     \
                                       ptrdiff_t inner, T *out) {                        \
        for (ptrdiff_t o = 0; o < outer; o++)                                            \
            for (ptrdiff_t k = 0; k < count; k++)                                        \
                add_row_##SUF(out + o * inner, x + (o * count + k) * inner, inner);      \
    }

DEFINE_SUM_MIDDLE(float, f32)
DEFINE_SUM_MIDDLE(double, f64)
