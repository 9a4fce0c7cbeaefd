#ifndef BP_PEAK_H
#define BP_PEAK_H

#ifdef __cplusplus
extern "C" {
#endif

/// Runs `iterations` rounds of independent vector FMAs in the widest unit the CPU has
/// and returns the floating-point operations done (2 per lane per FMA); time it to get
/// the core's peak. `isDouble` picks double or float lanes.
double bp_peak_fma_flops(int isDouble, long iterations);

/// GFLOP/s of `threads` cores running `bp_peak_fma_flops(isDouble, iterations)` at
/// once: threads of its own (the calling thread is one), each warmed up and held at a
/// spinning barrier until all run, timed from the first start to the last end. 0 if a
/// thread could not be created.
double bp_peak_fma_gflops(int isDouble, long iterations, int threads);

/// The vector unit `bp_peak_fma_flops` uses: "avx512", "avx2" or "scalar".
const char *bp_peak_unit(void);

/// Measures the peak of a narrower unit than the CPU's widest, as `bp_gemm_force_kernel`
/// runs narrower GEMM kernels (0 the widest, 1 scalar, 2 AVX2, 3 AVX-512; a unit the CPU
/// lacks means its widest). Returns the previous request.
int bp_peak_force_unit(int unit);

#ifdef __cplusplus
}
#endif

#endif
