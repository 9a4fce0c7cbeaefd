#ifndef BP_PEAK_H
#define BP_PEAK_H

#ifdef __cplusplus
extern "C" {
#endif

/// Runs `iterations` rounds of independent vector FMAs in the widest unit the CPU has
/// and returns the floating-point operations done (2 per lane per FMA); time it to get
/// the core's peak. `isDouble` picks double or float lanes.
double bp_peak_fma_flops(int isDouble, long iterations);

/// The vector unit `bp_peak_fma_flops` uses: "avx512", "avx2" or "scalar".
const char *bp_peak_unit(void);

#ifdef __cplusplus
}
#endif

#endif
