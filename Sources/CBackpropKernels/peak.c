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

// The unit asked for by bp_peak_force_unit (0: the widest the CPU has).
static int bp_peak_forced_unit = 0;

int bp_peak_force_unit(int unit) {
    if (unit < 0 || unit > 3) unit = 0;
    return __atomic_exchange_n(&bp_peak_forced_unit, unit, __ATOMIC_RELAXED);
}

// 3 AVX-512 + FMA, 2 AVX2 + FMA, 1 scalar: the widest the CPU has, or the forced one
// when it is narrower.
static int bp_peak_active_unit(void) {
    int best = 1;
#if defined(__x86_64__) || defined(__i386__)
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("fma")) best = 3;
    else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) best = 2;
#endif
    int forced = __atomic_load_n(&bp_peak_forced_unit, __ATOMIC_RELAXED);
    return forced != 0 && forced < best ? forced : best;
}

const char *bp_peak_unit(void) {
    switch (bp_peak_active_unit()) {
    case 3: return "avx512";
    case 2: return "avx2";
    default: return "scalar";
    }
}

double bp_peak_fma_flops(int isDouble, long iterations) {
    volatile double sink = 0;
#if defined(__x86_64__) || defined(__i386__)
    float fs = 0;
    double ds = 0;
    double flops;
    int unit = bp_peak_active_unit();
    if (unit == 3) {
        flops = isDouble ? peak_pd512(iterations, &ds) : peak_ps512(iterations, &fs);
        sink = ds + fs;
        return flops;
    }
    if (unit == 2) {
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

// MARK: - Several cores at once

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

typedef struct {
    int isDouble, threads;
    long iterations;
    atomic_int *arrived;
    double flops, start, end;
} bp_peak_job;

static double bp_peak_now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

// One thread of the team: a short warm-up (so the thread is running on a core of its
// own), a spinning barrier (so no thread starts its timed run before the others are
// running too), then the timed run.
static void *bp_peak_thread(void *p) {
    bp_peak_job *job = p;
    bp_peak_fma_flops(job->isDouble, job->iterations / 16 + 1);
    atomic_fetch_add(job->arrived, 1);
    while (atomic_load(job->arrived) < job->threads) {
#if defined(__x86_64__) || defined(__i386__)
        _mm_pause();
#endif
    }
    job->start = bp_peak_now();
    job->flops = bp_peak_fma_flops(job->isDouble, job->iterations);
    job->end = bp_peak_now();
    return NULL;
}

double bp_peak_fma_gflops(int isDouble, long iterations, int threads) {
    if (threads < 1) threads = 1;
    bp_peak_job *jobs = calloc((size_t)threads, sizeof *jobs);
    pthread_t *ids = calloc((size_t)threads, sizeof *ids);
    if (!jobs || !ids) { free(jobs); free(ids); return 0; }
    atomic_int arrived = 0;
    int started = 1;   // job 0 runs on the calling thread
    for (int t = 0; t < threads; t++)
        jobs[t] = (bp_peak_job){isDouble, threads, iterations, &arrived, 0, 0, 0};
    for (int t = 1; t < threads; t++, started++)
        if (pthread_create(&ids[t], NULL, bp_peak_thread, &jobs[t]) != 0) break;
    if (started < threads) {
        // A thread could not be created: let the barrier open for those that were.
        atomic_fetch_add(&arrived, threads - started);
    }
    bp_peak_thread(&jobs[0]);
    for (int t = 1; t < started; t++) pthread_join(ids[t], NULL);
    double flops = 0, first = jobs[0].start, last = jobs[0].end;
    for (int t = 0; t < started; t++) {
        flops += jobs[t].flops;
        if (jobs[t].start < first) first = jobs[t].start;
        if (jobs[t].end > last) last = jobs[t].end;
    }
    free(jobs);
    free(ids);
    return started == threads && last > first ? flops / (last - first) * 1e-9 : 0;
}
