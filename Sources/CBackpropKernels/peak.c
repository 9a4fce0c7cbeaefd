// The machine's fused multiply-add peak, measured: independent chains of vector FMAs
// (enough accumulators to hide the FMA latency on every current x86 core), in the
// widest vector unit the CPU has (AVX-512, else AVX2+FMA, else scalar). The benchmarks
// divide their own figures by it, so every speed is also a fraction of what the core can do.
#include "bp_peak.h"
#include <stddef.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

// ACC independent chains: 24 in the 32 zmm registers of AVX-512, 12 in the 16 ymm
// registers of AVX2 (24 there would spill to the stack every iteration and measure
// about 75 % of the real peak); 12 still covers 2 pipes × 4–5 cycles of FMA latency.
#define PEAK_KERNEL(NAME, TARGET, VT, SET1, FMA, ADD, STORE, T, LANES, ACC)            \
    __attribute__((target(TARGET))) static double NAME(long iterations, T *sink) {     \
        VT a[ACC];                                                             \
        VT b = SET1((T)1.0000001), c = SET1((T)1e-9);                                   \
        for (int k = 0; k < ACC; k++) a[k] = SET1((T)k);                       \
        for (long i = 0; i < iterations; i++) {                                         \
            _Pragma("GCC unroll 24") for (int k = 0; k < ACC; k++) a[k] = FMA(a[k], b, c); \
        }                                                                               \
        VT s = a[0];                                                                    \
        for (int k = 1; k < ACC; k++) s = ADD(s, a[k]);                        \
        T lanes[LANES];                                                                 \
        STORE(lanes, s);                                                                \
        *sink = lanes[0];                                                               \
        return 2.0 * LANES * ACC * (double)iterations;                         \
    }

PEAK_KERNEL(peak_ps512, "avx512f,fma", __m512, _mm512_set1_ps, _mm512_fmadd_ps, _mm512_add_ps, _mm512_storeu_ps, float, 16, 24)
PEAK_KERNEL(peak_pd512, "avx512f,fma", __m512d, _mm512_set1_pd, _mm512_fmadd_pd, _mm512_add_pd, _mm512_storeu_pd, double, 8, 24)
PEAK_KERNEL(peak_ps256, "avx2,fma", __m256, _mm256_set1_ps, _mm256_fmadd_ps, _mm256_add_ps, _mm256_storeu_ps, float, 8, 12)
PEAK_KERNEL(peak_pd256, "avx2,fma", __m256d, _mm256_set1_pd, _mm256_fmadd_pd, _mm256_add_pd, _mm256_storeu_pd, double, 4, 12)
#endif

/// Scalar multiply-adds (no vector unit): the same chains, one lane each.
static double peak_scalar(long iterations, double *sink) {
    double a[8] = {0, 1, 2, 3, 4, 5, 6, 7};
    for (long i = 0; i < iterations; i++)
        for (int k = 0; k < 8; k++) a[k] = a[k] * 1.0000001 + 1e-9;
    *sink = a[0] + a[7];
    return 2.0 * 8 * (double)iterations;
}

const char *bp_peak_unit(void) {
#if defined(__x86_64__) || defined(__i386__)
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("fma")) return "avx512";
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return "avx2";
#endif
    return "scalar";
}

double bp_peak_fma_flops(int isDouble, long iterations) {
    volatile double sink = 0;
#if defined(__x86_64__) || defined(__i386__)
    float fs = 0;
    double ds = 0;
    double flops;
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("fma")) {
        flops = isDouble ? peak_pd512(iterations, &ds) : peak_ps512(iterations, &fs);
        sink = ds + fs;
        return flops;
    }
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
        flops = isDouble ? peak_pd256(iterations, &ds) : peak_ps256(iterations, &fs);
        sink = ds + fs;
        return flops;
    }
#endif
    double s = 0;
    double flops2 = peak_scalar(iterations, &s);
    sink = s;
    (void)sink;
    return flops2;
}
