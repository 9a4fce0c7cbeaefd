// Packed, cache-blocked GEMM (GotoBLAS / BLIS structure) with register-blocked
// micro-kernels for AVX-512, AVX2+FMA and portable C, chosen at run time by
// CPU feature (never by compiler flags). See Docs/Performance.md.
//
// Structure of one call (single thread; the Swift side splits C by rows or
// columns across threads, either as independent calls or through the shared
// driver bp_sgemm_shared / bp_dgemm_shared, where threads claim pieces of C):
//
//   for jc in 0..<N step NC          B panel  (KC × NC)  lives in L3
//     for pc in 0..<K step KC        pack op(B)[pc.., jc..] into NR-wide micro-panels
//       for ic in 0..<M step MC      pack op(A)[ic.., pc..] into MR-tall micro-panels (L2)
//         for jr in 0..<nc step NR   B micro-panel (KC × NR) lives in L1
//           for ir in 0..<mc step MR micro-kernel: MR × NR accumulators in registers
//
// Packing zero-pads partial micro-panels, so the micro-kernel always runs a
// full MR × NR tile; edge tiles are written back through a small stack buffer.
// Packing buffers are per thread (pthread key with a destructor), so several
// threads may call bp_sgemm / bp_dgemm at once on disjoint parts of C.
// Tiny products (m·n·k ≤ 512) and matrix-vector products (m or n = 1) skip
// packing (direct loops; dot / axpy).
#include "CBackpropKernels.h"
#include "gemm_steal.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define BP_X86 1
#else
#define BP_X86 0
#endif

#define BP_MIN(a, b) ((a) < (b) ? (a) : (b))

// 1: the AVX-512 drivers run partial row tiles of up to 4 or 8 rows through
// kernels that compute only those rows (same bits; 0 is for measuring).
#ifndef BP_EDGE_KERNELS
#define BP_EDGE_KERNELS 1
#endif

// Loop-unrolling hints (full unroll of the register tile; 2× for the k loop).
#if defined(__clang__)
#define BP_UNROLL _Pragma("unroll")
#define BP_UNROLL2 _Pragma("unroll 2")
#elif defined(__GNUC__)
#define BP_UNROLL _Pragma("GCC unroll 32")
#define BP_UNROLL2 _Pragma("GCC unroll 2")
#else
#define BP_UNROLL
#define BP_UNROLL2
#endif

// MARK: - Per-thread packing buffers

typedef struct {
    void *ptr;
    size_t bytes;
} bp_buffer;

typedef struct {
    bp_buffer a, b;
} bp_buffers;

static pthread_key_t bp_buffers_key;
static pthread_once_t bp_buffers_once = PTHREAD_ONCE_INIT;

static void bp_buffers_free(void *p) {
    bp_buffers *bufs = (bp_buffers *)p;
    if (!bufs) return;
    bp_pages_free(bufs->a.ptr, bufs->a.bytes);
    bp_pages_free(bufs->b.ptr, bufs->b.bytes);
    free(bufs);
}

static void bp_buffers_make_key(void) { pthread_key_create(&bp_buffers_key, bp_buffers_free); }

static void *bp_buffer_reserve(bp_buffer *buf, size_t bytes) {
    if (buf->bytes >= bytes) return buf->ptr;
    bp_pages_free(buf->ptr, buf->bytes);
    size_t rounded = bp_pages_round(bytes);
    buf->ptr = bp_pages_alloc(rounded);
    buf->bytes = buf->ptr ? rounded : 0;
    return buf->ptr;
}

/// Returns this thread's packing buffers with room for `abytes` and `bbytes`,
/// or NULL when allocation fails.
static bp_buffers *bp_thread_buffers(size_t abytes, size_t bbytes) {
    pthread_once(&bp_buffers_once, bp_buffers_make_key);
    bp_buffers *bufs = (bp_buffers *)pthread_getspecific(bp_buffers_key);
    if (!bufs) {
        bufs = (bp_buffers *)calloc(1, sizeof(bp_buffers));
        if (!bufs) return NULL;
        if (pthread_setspecific(bp_buffers_key, bufs) != 0) {
            free(bufs);
            return NULL;
        }
    }
    if (!bp_buffer_reserve(&bufs->a, abytes) || !bp_buffer_reserve(&bufs->b, bbytes)) return NULL;
    return bufs;
}

// MARK: - Reference and small-matrix paths

#define GEMM_REF_BODY(T)                                                       \
    for (ptrdiff_t i = 0; i < M; i++) {                                        \
        for (ptrdiff_t j = 0; j < N; j++) {                                    \
            T s = 0;                                                           \
            for (ptrdiff_t k = 0; k < K; k++) {                                \
                T a = transA ? A[k * lda + i] : A[i * lda + k];                \
                T b = transB ? B[j * ldb + k] : B[k * ldb + j];                \
                s += a * b;                                                    \
            }                                                                  \
            C[i * ldc + j] = accumulate ? C[i * ldc + j] + s : s;              \
        }                                                                      \
    }

// Small matrices: no packing. For op(B) = B the i-k-j order streams rows of B
// and C (vectorisable); for op(B) = Bᵀ each C element is a dot product of two
// contiguous rows when op(A) = A.
#define GEMM_SMALL_BODY(T)                                                     \
    if (!transB) {                                                             \
        for (ptrdiff_t i = 0; i < M; i++) {                                    \
            T *restrict c = C + i * ldc;                                       \
            if (!accumulate)                                                   \
                for (ptrdiff_t j = 0; j < N; j++) c[j] = 0;                    \
            for (ptrdiff_t k = 0; k < K; k++) {                                \
                T a = transA ? A[k * lda + i] : A[i * lda + k];                \
                const T *restrict b = B + k * ldb;                             \
                for (ptrdiff_t j = 0; j < N; j++) c[j] += a * b[j];            \
            }                                                                  \
        }                                                                      \
    } else {                                                                   \
        GEMM_REF_BODY(T)                                                       \
    }

static void sgemm_small(int transA, int transB, ptrdiff_t M, ptrdiff_t N, ptrdiff_t K,
                        const float *A, ptrdiff_t lda, const float *B, ptrdiff_t ldb,
                        float *C, ptrdiff_t ldc, int accumulate) {
    GEMM_SMALL_BODY(float)
}

static void dgemm_small(int transA, int transB, ptrdiff_t M, ptrdiff_t N, ptrdiff_t K,
                        const double *A, ptrdiff_t lda, const double *B, ptrdiff_t ldb,
                        double *C, ptrdiff_t ldc, int accumulate) {
    GEMM_SMALL_BODY(double)
}

// MARK: - Packing (generic over element type and tile shape)

// Packs op(A)[i0 ..< i0+mc, p0 ..< p0+kc] into ceil(mc/MR) micro-panels, each
// kc × MR with element (k, r) at k*MR + r; rows past mc are zero.
#define DEFINE_PACK_A(NAME, T, MR, TGT)                                        \
    TGT static void NAME(int transA, ptrdiff_t mc, ptrdiff_t kc,               \
                         const T *restrict A, ptrdiff_t lda, T *restrict dst) {\
        for (ptrdiff_t i = 0; i < mc; i += MR) {                               \
            ptrdiff_t mr = BP_MIN((ptrdiff_t)(MR), mc - i);                    \
            if (transA) {                                                      \
                const T *src = A + i;                                          \
                if (mr == MR) {                                                \
                    for (ptrdiff_t k = 0; k < kc; k++)                         \
                        for (ptrdiff_t r = 0; r < MR; r++)                     \
                            dst[k * MR + r] = src[k * lda + r];                \
                } else {                                                       \
                    for (ptrdiff_t k = 0; k < kc; k++)                         \
                        for (ptrdiff_t r = 0; r < MR; r++)                     \
                            dst[k * MR + r] = r < mr ? src[k * lda + r] : 0;   \
                }                                                              \
            } else {                                                           \
                const T *src = A + i * lda;                                    \
                if (mr == MR) {                                                \
                    for (ptrdiff_t k = 0; k < kc; k++)                         \
                        for (ptrdiff_t r = 0; r < MR; r++)                     \
                            dst[k * MR + r] = src[r * lda + k];                \
                } else {                                                       \
                    for (ptrdiff_t k = 0; k < kc; k++)                         \
                        for (ptrdiff_t r = 0; r < MR; r++)                     \
                            dst[k * MR + r] = r < mr ? src[r * lda + k] : 0;   \
                }                                                              \
            }                                                                  \
            dst += kc * MR;                                                    \
        }                                                                      \
    }

// Packs op(B)[p0 ..< p0+kc, j0 ..< j0+nc] into ceil(nc/NR) micro-panels, each
// kc × NR with element (k, c) at k*NR + c; columns past nc are zero.
#define DEFINE_PACK_B(NAME, T, NR, TGT)                                        \
    TGT static void NAME(int transB, ptrdiff_t kc, ptrdiff_t nc,               \
                         const T *restrict B, ptrdiff_t ldb, T *restrict dst) {\
        for (ptrdiff_t j = 0; j < nc; j += NR) {                               \
            ptrdiff_t nr = BP_MIN((ptrdiff_t)(NR), nc - j);                    \
            if (!transB) {                                                     \
                const T *src = B + j;                                          \
                if (nr == NR) {                                                \
                    for (ptrdiff_t k = 0; k < kc; k++)                         \
                        for (ptrdiff_t c = 0; c < NR; c++)                     \
                            dst[k * NR + c] = src[k * ldb + c];                \
                } else {                                                       \
                    for (ptrdiff_t k = 0; k < kc; k++)                         \
                        for (ptrdiff_t c = 0; c < NR; c++)                     \
                            dst[k * NR + c] = c < nr ? src[k * ldb + c] : 0;   \
                }                                                              \
            } else {                                                           \
                const T *src = B + j * ldb;                                    \
                if (nr == NR) {                                                \
                    for (ptrdiff_t k = 0; k < kc; k++)                         \
                        for (ptrdiff_t c = 0; c < NR; c++)                     \
                            dst[k * NR + c] = src[c * ldb + k];                \
                } else {                                                       \
                    for (ptrdiff_t k = 0; k < kc; k++)                         \
                        for (ptrdiff_t c = 0; c < NR; c++)                     \
                            dst[k * NR + c] = c < nr ? src[c * ldb + k] : 0;   \
                }                                                              \
            }                                                                  \
            dst += kc * NR;                                                    \
        }                                                                      \
    }

// Same contract as DEFINE_PACK_B for op(B) = B only (transB must be 0), walking
// k outer: each source row (one page apart when rows are 4 KiB long) is read
// once, left to right, and scattered NR elements at a time to the micro-panels,
// instead of being revisited once per micro-panel (fewer TLB and L1 misses).
#define DEFINE_PACK_B_N(NAME, T, NR, TGT)                                      \
    TGT static void NAME(int transB, ptrdiff_t kc, ptrdiff_t nc,               \
                         const T *restrict B, ptrdiff_t ldb, T *restrict dst) {\
        (void)transB;                                                          \
        ptrdiff_t full = nc / NR * NR;                                         \
        for (ptrdiff_t k = 0; k < kc; k++) {                                   \
            const T *src = B + k * ldb;                                        \
            T *d = dst + k * NR;                                               \
            for (ptrdiff_t j = 0; j < full; j += NR, d += kc * NR)             \
                for (ptrdiff_t c = 0; c < NR; c++) d[c] = src[j + c];          \
            if (full < nc)                                                     \
                for (ptrdiff_t c = 0; c < NR; c++)                             \
                    d[c] = c < nc - full ? src[full + c] : 0;                  \
        }                                                                      \
    }

// Writes an MR × NR tile held in `tile` (row-major, NR per row) to the
// mr × nr corner of C, adding to C when beta is set.
#define DEFINE_STORE_EDGE(NAME, T, MR, NR)                                     \
    static void NAME(const T *tile, T *C, ptrdiff_t ldc, int beta,             \
                     ptrdiff_t mr, ptrdiff_t nr) {                             \
        for (ptrdiff_t r = 0; r < mr; r++)                                     \
            for (ptrdiff_t c = 0; c < nr; c++)                                 \
                C[r * ldc + c] = beta ? C[r * ldc + c] + tile[r * NR + c]      \
                                      : tile[r * NR + c];                      \
    }

// MARK: - Blocked driver (generic over micro-kernel)

// Depth of the K blocks: equal blocks, a multiple of 8, at most KC (784 → 4 ×
// 200 instead of 3 × 256 + 16, so no block is too short to pay for its pass
// over C). Depends only on K, never on how threads split C, so every element
// of C sums its K blocks in the same order whatever the split.
static inline ptrdiff_t bp_kc_step(ptrdiff_t K, ptrdiff_t KC) {
    ptrdiff_t kBlocks = (K + KC - 1) / KC;
    return BP_MIN(KC, ((K + kBlocks - 1) / kBlocks + 7) & ~(ptrdiff_t)7);
}

// The macro-kernel: the micro-kernel over an mc × nc block of C (at CB, row stride ldc)
// from kc-deep packed panels, op(A) MR-tall at PA and op(B) NR-wide at PB; column panels
// outer, so one B micro-panel stays in L1 while the A panels stream from L2. Shared by
// every driver (textually: each expands it with its own kernel and tile).
#define BP_MACRO_KERNEL(MR, NR, UKERNEL, kc, PA, PB, mc, nc, CB, ldc, beta)         \
    for (ptrdiff_t jr = 0; jr < (nc); jr += (NR)) {                                \
        ptrdiff_t nr = BP_MIN((ptrdiff_t)(NR), (nc) - jr);                         \
        for (ptrdiff_t ir = 0; ir < (mc); ir += (MR)) {                            \
            ptrdiff_t mr = BP_MIN((ptrdiff_t)(MR), (mc) - ir);                     \
            UKERNEL(kc, (PA) + ir * (kc), (PB) + jr * (kc), (CB) + ir * (ldc) + jr, \
                    ldc, beta, mr, nr);                                            \
        }                                                                          \
    }

// UKERNEL(kc, a, b, c, ldc, beta, mr, nr): c[mr × nr] (+)= a-panel · b-panel.
#define DEFINE_DRIVER(NAME, T, MR, NR, MC, KC, NC, PACKA, PACKB, UKERNEL, TGT) \
    TGT static int NAME(int transA, int transB, ptrdiff_t M, ptrdiff_t N,      \
                        ptrdiff_t K, const T *A, ptrdiff_t lda, const T *B,    \
                        ptrdiff_t ldb, T *C, ptrdiff_t ldc, int accumulate) {  \
        ptrdiff_t kcStep = bp_kc_step(K, (KC));                                \
        ptrdiff_t kcMax = BP_MIN(kcStep, K);                                   \
        ptrdiff_t mcMax = BP_MIN((ptrdiff_t)(MC), (M + MR - 1) / MR * MR);     \
        ptrdiff_t ncMax = BP_MIN((ptrdiff_t)(NC), (N + NR - 1) / NR * NR);     \
        bp_buffers *bufs = bp_thread_buffers(                                  \
            (size_t)(mcMax * kcMax) * sizeof(T) + 64,                          \
            (size_t)(kcMax * ncMax) * sizeof(T) + 64);                         \
        if (!bufs) return 0;                                                   \
        T *packA = (T *)bufs->a.ptr;                                           \
        T *packB = (T *)bufs->b.ptr;                                           \
        for (ptrdiff_t jc = 0; jc < N; jc += NC) {                             \
            ptrdiff_t nc = BP_MIN((ptrdiff_t)(NC), N - jc);                    \
            for (ptrdiff_t pc = 0; pc < K; pc += kcStep) {                     \
                ptrdiff_t kc = BP_MIN(kcStep, K - pc);                         \
                int beta = pc > 0 || accumulate;                               \
                const T *Bp = transB ? B + jc * ldb + pc : B + pc * ldb + jc;  \
                PACKB(transB, kc, nc, Bp, ldb, packB);                         \
                for (ptrdiff_t ic = 0; ic < M; ic += MC) {                     \
                    ptrdiff_t mc = BP_MIN((ptrdiff_t)(MC), M - ic);            \
                    const T *Ap =                                              \
                        transA ? A + pc * lda + ic : A + ic * lda + pc;        \
                    PACKA(transA, mc, kc, Ap, lda, packA);                     \
                    BP_MACRO_KERNEL(MR, NR, UKERNEL, kc, packA, packB, mc, nc, \
                                    C + ic * ldc + jc, ldc, beta)              \
                }                                                              \
            }                                                                  \
        }                                                                      \
        return 1;                                                              \
    }

// Tail stealing (gemm_steal.h): statistics and a test hook that slows the owner of
// piece 0 after each block of its last K block, so that another thread steals.
static ptrdiff_t bp_steals = 0;
static int bp_steal_delay_spins = 0;

#ifndef BP_MAX
#define BP_MAX(a, b) ((a) > (b) ? (a) : (b))
#endif
#if BP_X86
#define BP_SPIN_PAUSE() _mm_pause()
#else
#define BP_SPIN_PAUSE() ((void)0)
#endif

static inline void bp_steal_test_delay(ptrdiff_t piece) {
    int spins = __atomic_load_n(&bp_steal_delay_spins, __ATOMIC_RELAXED);
    if (spins > 0 && piece == 0)
        for (int i = 0; i < spins; i++) BP_SPIN_PAUSE();
}

void bp_gemm_add_steal_delay(int spins) { __atomic_fetch_add(&bp_steal_delay_spins, spins, __ATOMIC_RELAXED); }

ptrdiff_t bp_gemm_steal_count(void) { return __atomic_load_n(&bp_steals, __ATOMIC_RELAXED); }

// Blocks stolen in the products this thread started (shared products on the helpers and
// teams it released), so a test counts its own products' steals and no other thread's.
static _Thread_local ptrdiff_t bp_thread_steals = 0;

void bp_gemm_note_steals(const struct bp_gemm_steal *steal, ptrdiff_t count) {
    for (ptrdiff_t i = 0; i < count; i++)
        bp_thread_steals += atomic_load_explicit(&steal[i].stolen, memory_order_relaxed);
}

ptrdiff_t bp_gemm_thread_steal_count(void) { return bp_thread_steals; }

// The owner's side of a stealable range [0, extent) of its piece's last K block: opens
// it to thieves, claims blocks of a quarter of what is open (at least two units,
// multiples of `unit`) from the start and runs BODY on [LO, LO + LEN) for each, then
// closes the range and waits for the thieves working in it.
#define BP_OWN_OPEN_RANGE(st, extent, unit, LO, LEN, piece, ...)                \
    do {                                                                       \
        atomic_store_explicit(&(st)->range, (uint64_t)(extent), memory_order_relaxed); \
        atomic_store_explicit(&(st)->state, 1, memory_order_release);          \
        for (;;) {                                                             \
            uint64_t w_ = atomic_load_explicit(&(st)->range, memory_order_acquire); \
            ptrdiff_t LO = (ptrdiff_t)(w_ >> 32), lim_ = (ptrdiff_t)(w_ & 0xFFFFFFFFu); \
            if (LO >= lim_) break;                                             \
            ptrdiff_t LEN = ((lim_ - LO) / 4 + (unit) - 1) / (unit) * (unit);  \
            LEN = BP_MIN(lim_ - LO, BP_MAX(LEN, 2 * (unit)));                  \
            if (!atomic_compare_exchange_weak_explicit(&(st)->range, &w_,       \
                    ((uint64_t)(LO + LEN) << 32) | (uint64_t)lim_,              \
                    memory_order_acq_rel, memory_order_acquire)) continue;     \
            __VA_ARGS__                                                        \
            bp_steal_test_delay(piece);                                        \
        }                                                                      \
        atomic_store(&(st)->state, 2);                                         \
        while (atomic_load(&(st)->thieves) > 0) BP_SPIN_PAUSE();               \
    } while (0)

// A thief's side: when `st` is open and at least two units are unclaimed, takes the far
// half [*mid, *end) (a multiple of `unit` from the start) and returns 1, holding the
// piece (bp_steal_done releases it); otherwise returns 0.
static inline int bp_steal_take(struct bp_gemm_steal *st, ptrdiff_t unit, ptrdiff_t *mid, ptrdiff_t *end) {
    if (atomic_load_explicit(&st->state, memory_order_acquire) != 1) return 0;
    atomic_fetch_add(&st->thieves, 1);
    if (atomic_load(&st->state) == 1) {
        uint64_t w = atomic_load_explicit(&st->range, memory_order_acquire);
        for (;;) {
            ptrdiff_t lo = (ptrdiff_t)(w >> 32), lim = (ptrdiff_t)(w & 0xFFFFFFFFu);
            if (lim - lo < 2 * unit) break;
            ptrdiff_t m = lo + ((lim - lo) / 2 + unit - 1) / unit * unit;
            if (atomic_compare_exchange_weak_explicit(&st->range, &w, ((uint64_t)lo << 32) | (uint64_t)m,
                                                      memory_order_acq_rel, memory_order_acquire)) {
                *mid = m;
                *end = lim;
                __atomic_fetch_add(&bp_steals, 1, __ATOMIC_RELAXED);
                atomic_fetch_add_explicit(&st->stolen, 1, memory_order_relaxed);
                return 1;
            }
        }
    }
    atomic_fetch_sub(&st->thieves, 1);
    return 0;
}

static inline void bp_steal_done(struct bp_gemm_steal *st) { atomic_fetch_sub(&st->thieves, 1); }

// MARK: - Shared driver (one product, several threads, pieces claimed on the fly)

// Every participating thread calls NAME with the same arguments and the same
// counter `*next` (starting at 0). C is cut into pieces of `chunk` columns
// (byRows = 0) or `chunk` rows (byRows = 1); a thread claims pieces with an
// atomic increment until none are left, so a thread that starts late (a busy
// core) just takes fewer pieces. The only wait: in its last K block a piece's owner
// lets threads with nothing left steal part of its open range (gemm_steal.h) and
// waits for those thieves before it moves on; a thief never waits, so this cannot
// deadlock.
//
//     byRows = 0:  pack all of op(A) once per thread (M′ × K), then per claimed
//                  column piece pack its op(B) slice and run the micro-kernels
//     byRows = 1:  pack all of op(B) once per thread (K × N′), then per claimed
//                  row piece pack its op(A) slice
//
// The shared operand is packed only after a thread's first successful claim.
// Each C element sees the same K blocks (bp_kc_step), added in the same order,
// through the same micro-kernel as in the single-thread driver, so the result is
// bit-for-bit that of one thread. Returns 0 only if a packing buffer could not
// be allocated (the claimed pieces are then computed unpacked by `SMALL`).
#define DEFINE_DRIVER_SHARED(NAME, T, MR, NR, MC, KC, PACKA, PACKB, UKERNEL,   \
                             SMALL, EPI, TGT)                                  \
    TGT static int NAME(int byRows, ptrdiff_t chunk, ptrdiff_t *next,          \
                        int transA, int transB, ptrdiff_t M, ptrdiff_t N,      \
                        ptrdiff_t K, const T *A, ptrdiff_t lda, const T *B,    \
                        ptrdiff_t ldb, T *C, ptrdiff_t ldc, int accumulate,    \
                        const bp_gemm_epilogue *ep, struct bp_gemm_steal *steal) { \
        ptrdiff_t extent = byRows ? M : N;                                     \
        ptrdiff_t pieces = (extent + chunk - 1) / chunk;                       \
        ptrdiff_t p = __atomic_fetch_add(next, 1, __ATOMIC_RELAXED);           \
        if (p >= pieces) return 1;                                             \
        ptrdiff_t kcStep = bp_kc_step(K, (KC));                                \
        ptrdiff_t kcMax = BP_MIN(kcStep, K);                                   \
        ptrdiff_t Mp = (M + MR - 1) / MR * MR, Np = (N + NR - 1) / NR * NR;    \
        ptrdiff_t chunkRows = BP_MIN((ptrdiff_t)(MC), (chunk + MR - 1) / MR * MR); \
        ptrdiff_t chunkCols = (chunk + NR - 1) / NR * NR;                      \
        size_t abytes = (size_t)(byRows ? chunkRows * kcMax : Mp * K) * sizeof(T) + 64; \
        size_t bbytes = (size_t)(byRows ? Np * K : kcMax * chunkCols) * sizeof(T) + 64; \
        bp_buffers *bufs = bp_thread_buffers(abytes, bbytes);                  \
        if (!bufs) {                                                           \
            for (; p < pieces; p = __atomic_fetch_add(next, 1, __ATOMIC_RELAXED)) { \
                ptrdiff_t lo = p * chunk, len = BP_MIN(chunk, extent - lo);    \
                if (byRows) {                                                  \
                    SMALL(transA, transB, len, N, K,                           \
                          transA ? A + lo : A + lo * lda, lda, B, ldb,         \
                          C + lo * ldc, ldc, accumulate);                      \
                    EPI(ep, C, ldc, lo, len, 0, N);                            \
                } else {                                                       \
                    SMALL(transA, transB, M, len, K, A, lda,                   \
                          transB ? B + lo * ldb : B + lo, ldb, C + lo, ldc,    \
                          accumulate);                                         \
                    EPI(ep, C, ldc, 0, M, lo, len);                            \
                }                                                              \
            }                                                                  \
            return 0;                                                          \
        }                                                                      \
        T *packA = (T *)bufs->a.ptr;                                           \
        T *packB = (T *)bufs->b.ptr;                                           \
        if (!byRows) {                                                         \
            /* All of op(A), K block by K block: block pc at packA + pc·M′. */ \
            for (ptrdiff_t pc = 0; pc < K; pc += kcStep) {                     \
                ptrdiff_t kc = BP_MIN(kcStep, K - pc);                         \
                PACKA(transA, M, kc, transA ? A + pc * lda : A + pc, lda,      \
                      packA + pc * Mp);                                        \
            }                                                                  \
            for (; p < pieces; p = __atomic_fetch_add(next, 1, __ATOMIC_RELAXED)) { \
                ptrdiff_t j0 = p * chunk, nc = BP_MIN(chunk, N - j0);          \
                struct bp_gemm_steal *st = steal && p < BP_STEAL_MAX ? steal + p : NULL; \
                for (ptrdiff_t pc = 0; pc < K; pc += kcStep) {                 \
                    ptrdiff_t kc = BP_MIN(kcStep, K - pc);                     \
                    int beta = pc > 0 || accumulate;                           \
                    PACKB(transB, kc, nc,                                      \
                          transB ? B + j0 * ldb + pc : B + pc * ldb + j0,      \
                          ldb, packB);                                         \
                    const T *pa = packA + pc * Mp;                             \
                    if (st && pc + kc >= K) {                                  \
                        /* Last K block: rows in shrinking blocks, the tail open to thieves. */ \
                        st->packed = packB; st->kc = kc; st->pc = pc;          \
                        st->start = j0; st->extent = nc; st->beta = beta;      \
                        BP_OWN_OPEN_RANGE(st, M, MR, r, mc, p,                 \
                            BP_MACRO_KERNEL(MR, NR, UKERNEL, kc, pa + r * kc, packB, \
                                            mc, nc, C + r * ldc + j0, ldc, beta) \
                            if (ep) EPI(ep, C, ldc, r, mc, j0, nc););          \
                        break;                                                 \
                    }                                                          \
                    for (ptrdiff_t ic = 0; ic < M; ic += MC) {                 \
                        ptrdiff_t mc = BP_MIN((ptrdiff_t)(MC), M - ic);        \
                        BP_MACRO_KERNEL(MR, NR, UKERNEL, kc, pa + ic * kc, packB, \
                                        mc, nc, C + ic * ldc + j0, ldc, beta)  \
                        if (ep && pc + kc >= K) EPI(ep, C, ldc, ic, mc, j0, nc); \
                    }                                                          \
                }                                                              \
            }                                                                  \
        } else {                                                               \
            /* All of op(B), K block by K block: block pc at packB + pc·N′. */ \
            for (ptrdiff_t pc = 0; pc < K; pc += kcStep) {                     \
                ptrdiff_t kc = BP_MIN(kcStep, K - pc);                         \
                PACKB(transB, kc, N, transB ? B + pc : B + pc * ldb, ldb,      \
                      packB + pc * Np);                                        \
            }                                                                  \
            for (; p < pieces; p = __atomic_fetch_add(next, 1, __ATOMIC_RELAXED)) { \
                ptrdiff_t i0 = p * chunk, rows = BP_MIN(chunk, M - i0);        \
                for (ptrdiff_t pc = 0; pc < K; pc += kcStep) {                 \
                    ptrdiff_t kc = BP_MIN(kcStep, K - pc);                     \
                    int beta = pc > 0 || accumulate;                           \
                    const T *pb = packB + pc * Np;                             \
                    struct bp_gemm_steal *st = steal && p < BP_STEAL_MAX && pc + kc >= K \
                        ? steal + p : NULL;                                    \
                    for (ptrdiff_t ic = 0; ic < rows; ic += chunkRows) {       \
                        ptrdiff_t mc = BP_MIN(chunkRows, rows - ic);           \
                        PACKA(transA, mc, kc,                                  \
                              transA ? A + pc * lda + i0 + ic                  \
                                     : A + (i0 + ic) * lda + pc,               \
                              lda, packA);                                     \
                        if (st) {                                              \
                            /* Last K block: columns in shrinking blocks, the tail open to thieves. */ \
                            st->packed = packA; st->kc = kc; st->pc = pc;      \
                            st->start = i0 + ic; st->extent = mc; st->beta = beta; \
                            BP_OWN_OPEN_RANGE(st, N, NR, c0, len, p,           \
                                BP_MACRO_KERNEL(MR, NR, UKERNEL, kc, packA, pb + c0 * kc, mc, \
                                                len, C + (i0 + ic) * ldc + c0, ldc, beta) \
                                if (ep) EPI(ep, C, ldc, i0 + ic, mc, c0, len);); \
                            continue;                                          \
                        }                                                      \
                        BP_MACRO_KERNEL(MR, NR, UKERNEL, kc, packA, pb, mc, N, \
                                        C + (i0 + ic) * ldc, ldc, beta)        \
                        if (ep && pc + kc >= K) EPI(ep, C, ldc, i0 + ic, mc, 0, N); \
                    }                                                          \
                }                                                              \
            }                                                                  \
        }                                                                      \
        /* No piece left: take the far half of another piece's open range. */ \
        for (int again = steal != NULL; again;) {                              \
            again = 0;                                                         \
            for (ptrdiff_t q = 0; q < BP_MIN(pieces, (ptrdiff_t)BP_STEAL_MAX); q++) { \
                struct bp_gemm_steal *st = steal + q;                          \
                ptrdiff_t mid, end;                                            \
                if (!bp_steal_take(st, byRows ? NR : MR, &mid, &end)) continue; \
                if (byRows) {                                                  \
                    BP_MACRO_KERNEL(MR, NR, UKERNEL, st->kc, (const T *)st->packed, \
                                    packB + st->pc * Np + mid * st->kc, st->extent, \
                                    end - mid, C + st->start * ldc + mid, ldc, st->beta) \
                    if (ep) EPI(ep, C, ldc, st->start, st->extent, mid, end - mid); \
                } else {                                                       \
                    BP_MACRO_KERNEL(MR, NR, UKERNEL, st->kc, packA + st->pc * Mp + mid * st->kc, \
                                    (const T *)st->packed, end - mid, st->extent, \
                                    C + mid * ldc + st->start, ldc, st->beta)  \
                    if (ep) EPI(ep, C, ldc, mid, end - mid, st->start, st->extent); \
                }                                                              \
                bp_steal_done(st);                                             \
                again = 1;                                                     \
            }                                                                  \
        }                                                                      \
        return 1;                                                              \
    }

// MARK: - Team driver (one product split by rows over threads, op(B) packed once)

// The static row split of a large product (each thread a fixed range of C's
// rows, as `GEMM.Plan` cuts it) with op(B) packed once for all threads instead
// of once per thread. A team (bp_gemm_team_acquire) holds the whole packed
// op(B), K block by K block (block pc at packB + pc·N′, kc × N′ in NR-wide
// micro-panels), and per block two counters. Every thread runs the K blocks
// in order; for each it claims pieces of the block (BP_TEAM_COLS columns) with
// an atomic increment and packs them, then waits until every piece of the
// block is packed and runs its own rows against the whole block.
//
// A thread only ever waits for pieces another thread has claimed and is
// packing, and, in the last K block, for threads stealing its open rows to
// finish them (gemm_steal.h; a thief itself never waits). It never waits for
// a thread to start, so the team cannot deadlock: threads that run one after
// the other (a busy Dispatch pool) or start late simply pack more pieces
// themselves, and find nothing left to steal. Each C element sees
// the same K blocks, the same micro-panels and the same micro-kernel as in
// the single-thread driver (N′ ≤ NC there, so one column block), so the result
// is bit for bit that of one bp_sgemm call.
#define BP_TEAM_COLS 128           // columns per packing piece (a multiple of every NR)
#define BP_TEAM_MAX_ELEMENTS (1 << 22)  // largest packed op(B) a team holds (K · N′)
#define BP_TEAM_MAX_COLS 2048      // widest op(B) (N′ ≤ every kernel's NC)

typedef struct {
    _Alignas(64) ptrdiff_t claimed;  // pieces of this K block handed out
    ptrdiff_t packed;                // pieces of this K block packed (release)
} bp_team_block;

typedef struct bp_team {
    int kernel;            // the kernel the team was laid out for
    int isDouble;
    ptrdiff_t N, K;        // the product's op(B) shape
    ptrdiff_t kcStep, kBlocks, Np, pieces;
    size_t capacity;       // bytes of this allocation
    bp_team_block *blocks; // kBlocks counters
    void *packB;           // K · N′ elements, 64-byte aligned
    ptrdiff_t slots;       // row ranges that opened their last K block to thieves
    struct bp_gemm_steal steal[BP_STEAL_MAX];
} bp_team;

// Waits (spinning, then yielding the core) until *counter reaches target.
static void bp_team_wait(ptrdiff_t *counter, ptrdiff_t target) {
    for (unsigned spins = 0; __atomic_load_n(counter, __ATOMIC_ACQUIRE) < target; spins++) {
#if BP_X86
        _mm_pause();
#endif
        if (spins >= 256) sched_yield();
    }
}

// Rows [lo, hi) of a team thread's range starting at row `base`, for one K block: op(A)
// packed MC rows at a time into the thread's buffer, against the team's packed op(B).
#define BP_TEAM_ROWS(MR, NR, MC, PACKA, UKERNEL, lo, hi, base, kc, pc, pb, beta) \
    for (ptrdiff_t ic = (lo); ic < (hi); ic += MC) {                           \
        ptrdiff_t mc = BP_MIN((ptrdiff_t)(MC), (hi) - ic);                     \
        PACKA(transA, mc, kc,                                                  \
              transA ? A + (pc) * lda + (base) + ic : A + ((base) + ic) * lda + (pc), \
              lda, packA);                                                     \
        BP_MACRO_KERNEL(MR, NR, UKERNEL, kc, packA, pb, mc, N,                 \
                        C + ((base) + ic) * ldc, ldc, beta)                    \
    }

#define DEFINE_DRIVER_TEAM(NAME, T, MR, NR, MC, PACKA, PACKB, UKERNEL, TGT)    \
    TGT static void NAME(bp_team *team, ptrdiff_t i0, ptrdiff_t rows,          \
                         int transA, int transB, ptrdiff_t N, ptrdiff_t K,     \
                         const T *A, ptrdiff_t lda, const T *B, ptrdiff_t ldb, \
                         T *C, ptrdiff_t ldc, int accumulate, T *packA) {      \
        ptrdiff_t kcStep = team->kcStep, Np = team->Np, pieces = team->pieces; \
        for (ptrdiff_t pc = 0, blk = 0; pc < K; pc += kcStep, blk++) {         \
            ptrdiff_t kc = BP_MIN(kcStep, K - pc);                             \
            int beta = pc > 0 || accumulate;                                   \
            T *pb = (T *)team->packB + pc * Np;                                \
            bp_team_block *tb = &team->blocks[blk];                            \
            for (ptrdiff_t p; (p = __atomic_fetch_add(&tb->claimed, 1,         \
                                                      __ATOMIC_RELAXED)) < pieces;) { \
                ptrdiff_t j0 = p * BP_TEAM_COLS;                               \
                PACKB(transB, kc, BP_MIN((ptrdiff_t)BP_TEAM_COLS, N - j0),     \
                      transB ? B + j0 * ldb + pc : B + pc * ldb + j0, ldb,     \
                      pb + j0 * kc);                                           \
                __atomic_fetch_add(&tb->packed, 1, __ATOMIC_RELEASE);          \
            }                                                                  \
            bp_team_wait(&tb->packed, pieces);                                 \
            ptrdiff_t slot = pc + kc >= K ? __atomic_fetch_add(&team->slots, 1, __ATOMIC_RELAXED) : -1; \
            if (slot >= 0 && slot < BP_STEAL_MAX) {                            \
                /* Last K block: rows in shrinking blocks, the tail open to thieves. */ \
                struct bp_gemm_steal *st = team->steal + slot;                 \
                st->kc = kc; st->pc = pc; st->start = i0; st->beta = beta;     \
                BP_OWN_OPEN_RANGE(st, rows, MR, r, len, slot,                  \
                    BP_TEAM_ROWS(MR, NR, MC, PACKA, UKERNEL, r, r + len, i0, kc, pc, pb, beta)); \
                break;                                                         \
            }                                                                  \
            BP_TEAM_ROWS(MR, NR, MC, PACKA, UKERNEL, 0, rows, i0, kc, pc, pb, beta) \
        }                                                                      \
        /* Own rows done: take the far half of another thread's open rows. */ \
        for (int again = 1; again;) {                                          \
            again = 0;                                                         \
            ptrdiff_t slots = BP_MIN(__atomic_load_n(&team->slots, __ATOMIC_ACQUIRE), (ptrdiff_t)BP_STEAL_MAX); \
            for (ptrdiff_t q = 0; q < slots; q++) {                            \
                struct bp_gemm_steal *st = team->steal + q;                    \
                ptrdiff_t mid, end;                                            \
                if (!bp_steal_take(st, MR, &mid, &end)) continue;              \
                BP_TEAM_ROWS(MR, NR, MC, PACKA, UKERNEL, mid, end, st->start, st->kc, st->pc, \
                             (T *)team->packB + st->pc * Np, st->beta)         \
                bp_steal_done(st);                                             \
                again = 1;                                                     \
            }                                                                  \
        }                                                                      \
    }

// MARK: - Portable micro-kernel (plain C; the compiler vectorises for the baseline ISA)

#define DEFINE_UKERNEL_C(NAME, T, MR, NR, STORE_EDGE)                          \
    static void NAME(ptrdiff_t kc, const T *restrict a, const T *restrict b,   \
                     T *restrict C, ptrdiff_t ldc, int beta, ptrdiff_t mr,     \
                     ptrdiff_t nr) {                                           \
        T acc[MR][NR];                                                         \
        for (int r = 0; r < MR; r++)                                           \
            for (int c = 0; c < NR; c++) acc[r][c] = 0;                        \
        for (ptrdiff_t k = 0; k < kc; k++) {                                   \
            for (int r = 0; r < MR; r++)                                       \
                for (int c = 0; c < NR; c++) acc[r][c] += a[r] * b[c];         \
            a += MR;                                                           \
            b += NR;                                                           \
        }                                                                      \
        if (mr == MR && nr == NR) {                                            \
            for (int r = 0; r < MR; r++)                                       \
                for (int c = 0; c < NR; c++)                                   \
                    C[r * ldc + c] = beta ? C[r * ldc + c] + acc[r][c]         \
                                          : acc[r][c];                         \
        } else {                                                               \
            STORE_EDGE(&acc[0][0], C, ldc, beta, mr, nr);                      \
        }                                                                      \
    }

#define P_MR 4
#define P_NR 8
DEFINE_STORE_EDGE(ps_store_edge, float, P_MR, P_NR)
DEFINE_STORE_EDGE(pd_store_edge, double, P_MR, P_NR)
DEFINE_PACK_A(ps_pack_a, float, P_MR, )
DEFINE_PACK_B(ps_pack_b, float, P_NR, )
DEFINE_PACK_A(pd_pack_a, double, P_MR, )
DEFINE_PACK_B(pd_pack_b, double, P_NR, )
DEFINE_UKERNEL_C(ps_ukernel, float, P_MR, P_NR, ps_store_edge)
DEFINE_UKERNEL_C(pd_ukernel, double, P_MR, P_NR, pd_store_edge)
DEFINE_DRIVER(ps_gemm, float, P_MR, P_NR, 128, 256, 2048, ps_pack_a, ps_pack_b, ps_ukernel, )
DEFINE_DRIVER(pd_gemm, double, P_MR, P_NR, 64, 256, 2048, pd_pack_a, pd_pack_b, pd_ukernel, )
DEFINE_DRIVER_SHARED(ps_gemm_shared, float, P_MR, P_NR, 128, 256, ps_pack_a, ps_pack_b, ps_ukernel, sgemm_small, bp_gemm_epilogue_f32, )
DEFINE_DRIVER_SHARED(pd_gemm_shared, double, P_MR, P_NR, 64, 256, pd_pack_a, pd_pack_b, pd_ukernel, dgemm_small, bp_gemm_epilogue_f64, )
DEFINE_DRIVER_TEAM(ps_gemm_team, float, P_MR, P_NR, 128, ps_pack_a, ps_pack_b, ps_ukernel, )
DEFINE_DRIVER_TEAM(pd_gemm_team, double, P_MR, P_NR, 64, pd_pack_a, pd_pack_b, pd_ukernel, )

// MARK: - Matrix-vector products (M == 1 or N == 1)

// Packing a whole matrix to multiply it by one vector costs more than the
// product, so these shapes stream the matrix once through dot products
// (contiguous rows) or axpy updates, both vectorised.
// DOT(n, x, y) = Σ x[i]·y[i]; AXPY(n, alpha, x, y): y += alpha·x (all contiguous).
#define DEFINE_GEMV(NAME, T, DOT, AXPY, TGT)                                   \
    TGT static int NAME(int transA, int transB, ptrdiff_t M, ptrdiff_t N,      \
                        ptrdiff_t K, const T *A, ptrdiff_t lda, const T *B,    \
                        ptrdiff_t ldb, T *C, ptrdiff_t ldc, int accumulate) {  \
        if (M == 1) {                                                          \
            /* c[j] = Σ_k a_k · op(B)[k, j] */                                 \
            if (!transB) {                                                     \
                if (!accumulate) memset(C, 0, (size_t)N * sizeof(T));          \
                for (ptrdiff_t k = 0; k < K; k++)                              \
                    AXPY(N, transA ? A[k * lda] : A[k], B + k * ldb, C);       \
                return 1;                                                      \
            }                                                                  \
            const T *a = A;                                                    \
            if (transA && lda != 1) {                                          \
                bp_buffers *bufs = bp_thread_buffers(                          \
                    (size_t)K * sizeof(T) + 64, 64);                           \
                if (!bufs) return 0;                                           \
                T *t = (T *)bufs->a.ptr;                                       \
                for (ptrdiff_t k = 0; k < K; k++) t[k] = A[k * lda];           \
                a = t;                                                         \
            }                                                                  \
            for (ptrdiff_t j = 0; j < N; j++) {                                \
                T s = DOT(K, a, B + j * ldb);                                  \
                C[j] = accumulate ? C[j] + s : s;                              \
            }                                                                  \
            return 1;                                                          \
        }                                                                      \
        /* N == 1: c[i] = Σ_k op(A)[i, k] · b_k */                             \
        if (!transA) {                                                         \
            const T *b = B;                                                    \
            if (!transB && ldb != 1) {                                         \
                bp_buffers *bufs = bp_thread_buffers(                          \
                    (size_t)K * sizeof(T) + 64, 64);                           \
                if (!bufs) return 0;                                           \
                T *t = (T *)bufs->a.ptr;                                       \
                for (ptrdiff_t k = 0; k < K; k++) t[k] = B[k * ldb];           \
                b = t;                                                         \
            }                                                                  \
            for (ptrdiff_t i = 0; i < M; i++) {                                \
                T s = DOT(K, A + i * lda, b);                                  \
                C[i * ldc] = accumulate ? C[i * ldc] + s : s;                  \
            }                                                                  \
            return 1;                                                          \
        }                                                                      \
        T *y = C;                                                              \
        if (ldc != 1) {                                                        \
            bp_buffers *bufs = bp_thread_buffers(                              \
                (size_t)M * sizeof(T) + 64, 64);                               \
            if (!bufs) return 0;                                               \
            y = (T *)bufs->a.ptr;                                              \
        }                                                                      \
        if (!accumulate || y != C)                                             \
            memset(y, 0, (size_t)M * sizeof(T));                               \
        for (ptrdiff_t k = 0; k < K; k++)                                      \
            AXPY(M, transB ? B[k] : B[k * ldb], A + k * lda, y);               \
        if (y != C)                                                            \
            for (ptrdiff_t i = 0; i < M; i++)                                  \
                C[i * ldc] = accumulate ? C[i * ldc] + y[i] : y[i];            \
        return 1;                                                              \
    }

#define DEFINE_AXPY(NAME, T, TGT)                                              \
    TGT static inline void NAME(ptrdiff_t n, T alpha, const T *restrict x,     \
                                T *restrict y) {                               \
        for (ptrdiff_t i = 0; i < n; i++) y[i] += alpha * x[i];                \
    }

// Portable dot: four partial sums (the compiler may not reassociate one).
#define DEFINE_DOT_C(NAME, T)                                                  \
    static inline T NAME(ptrdiff_t n, const T *restrict x,                     \
                         const T *restrict y) {                                \
        T s0 = 0, s1 = 0, s2 = 0, s3 = 0;                                      \
        ptrdiff_t i = 0;                                                       \
        for (; i + 4 <= n; i += 4) {                                           \
            s0 += x[i] * y[i];                                                 \
            s1 += x[i + 1] * y[i + 1];                                         \
            s2 += x[i + 2] * y[i + 2];                                         \
            s3 += x[i + 3] * y[i + 3];                                         \
        }                                                                      \
        for (; i < n; i++) s0 += x[i] * y[i];                                  \
        return (s0 + s1) + (s2 + s3);                                          \
    }

DEFINE_AXPY(ps_axpy, float, )
DEFINE_AXPY(pd_axpy, double, )
DEFINE_DOT_C(ps_dot, float)
DEFINE_DOT_C(pd_dot, double)
DEFINE_GEMV(ps_gemv, float, ps_dot, ps_axpy, )
DEFINE_GEMV(pd_gemv, double, pd_dot, pd_axpy, )

// MARK: - SIMD micro-kernels (x86-64)

#if BP_X86

#ifndef BP_PREFETCH_C
#define BP_PREFETCH_C 1
#endif
#ifndef BP_PREFETCH_TAIL
#define BP_PREFETCH_TAIL 32
#endif
#ifndef BP_PREFETCH_NEXT_C
#define BP_PREFETCH_NEXT_C 1
#endif

// Prefetches the cache lines of `bytes` bytes from p: every 64 bytes and the
// last byte, so a row of C that does not start on a line (a Swift array's
// elements start 32 bytes into a 16-byte-aligned block) has all three of its
// lines fetched, not just the first and the last.
#define BP_PREFETCH_ROW(p, bytes, hint)                                        \
    do {                                                                       \
        const char *row_ = (const char *)(p);                                  \
        for (int o_ = 0; o_ < (int)(bytes); o_ += 64) _mm_prefetch(row_ + o_, hint); \
        _mm_prefetch(row_ + (bytes) - 1, hint);                                \
    } while (0)

// One SIMD micro-kernel: MR rows × NV vectors of VW lanes. The accumulator
// array is fully unrolled by the compiler into MR*NV vector registers. Kept
// out of line (noinline): inlined into the driver, the register allocator
// may spill accumulators in the hot loop (seen: −20 % with clang 17+).
// PF > 0: each k step prefetches the A and B panels PF steps ahead into L1
// (one prefetch per 64 bytes of the B row and of the A column: one for a
// float column of 48 bytes, two for a double column of 96, which would
// otherwise run one line in three behind).
// DEFINE_UKERNEL_SIMD_ROWS computes only the first MR rows of an A micro-panel
// packed MRS tall (MR < MRS: kernels for the last, partial row tile, which sum
// every element exactly as the full kernel does).
#define DEFINE_UKERNEL_SIMD(NAME, T, VT, VW, MR, NV, LOAD, LOADU, STOREU,     \
                            BCAST, FMA, ADD, ZERO, STORE_EDGE, PF, TGT)        \
    DEFINE_UKERNEL_SIMD_ROWS(NAME, T, VT, VW, MR, MR, NV, LOAD, LOADU, STOREU, \
                             BCAST, FMA, ADD, ZERO, STORE_EDGE, PF, TGT)
#define DEFINE_UKERNEL_SIMD_ROWS(NAME, T, VT, VW, MR, MRS, NV, LOAD, LOADU,   \
                                 STOREU, BCAST, FMA, ADD, ZERO, STORE_EDGE,    \
                                 PF, TGT)                                      \
    TGT __attribute__((noinline)) static void NAME(                            \
                         ptrdiff_t kc, const T *restrict a,                    \
                         const T *restrict b, T *restrict C, ptrdiff_t ldc,    \
                         int beta, ptrdiff_t mr, ptrdiff_t nr) {               \
        VT acc[MR][NV];                                                        \
        /* C is prefetched BP_PREFETCH_TAIL k steps before the end: early     \
           enough to hide an L3 access, late enough that the A and B streams  \
           have not evicted it again (prefetching at the start measured       \
           slower on Zen 4, where the 12 rows of a 4 KiB-strided C tile share \
           L1 sets with the panels). */                                       \
        ptrdiff_t kTail = kc > BP_PREFETCH_TAIL ? kc - BP_PREFETCH_TAIL : 0;  \
        BP_UNROLL for (int r = 0; r < MR; r++)                         \
            BP_UNROLL for (int v = 0; v < NV; v++) acc[r][v] = ZERO(); \
        /* The drivers run the tile below this one next (ir + MR): fetch its C \
           rows towards L2 now, a whole tile ahead, so that the late prefetch  \
           of that tile finds them near (C, 4 MiB at 1024², lives in L3). */   \
        if (PF && BP_PREFETCH_NEXT_C && MR == MRS && mr == MR)                 \
            BP_UNROLL for (int r = 0; r < MR; r++) {                           \
                BP_PREFETCH_ROW(C + (MR + r) * ldc, NV * VW * sizeof(T),       \
                                _MM_HINT_T1);                                  \
            }                                                                  \
        ptrdiff_t k = 0;                                                       \
        for (int part = 0; part < 2; part++) {                                 \
            ptrdiff_t kEnd = part ? kc : kTail;                                \
            BP_UNROLL2 for (; k < kEnd; k++) {                         \
                VT bv[NV];                                                     \
                if (PF) {                                                      \
                    BP_UNROLL for (int v = 0; v < NV * VW * (int)sizeof(T); v += 64) \
                        _mm_prefetch((const char *)(b + (PF) * NV * VW) + v,   \
                                     _MM_HINT_T0);                             \
                    BP_UNROLL for (int o = 0; o < MRS * (int)sizeof(T); o += 64) \
                        _mm_prefetch((const char *)(a + (PF) * MRS) + o,       \
                                     _MM_HINT_T0);                             \
                }                                                              \
                BP_UNROLL for (int v = 0; v < NV; v++)                 \
                    bv[v] = LOAD(b + v * VW);                                  \
                BP_UNROLL for (int r = 0; r < MR; r++) {               \
                    VT av = BCAST(a + r);                                      \
                    BP_UNROLL for (int v = 0; v < NV; v++)             \
                        acc[r][v] = FMA(av, bv[v], acc[r][v]);                 \
                }                                                              \
                a += MRS;                                                      \
                b += NV * VW;                                                  \
            }                                                                  \
            if (part == 0 && BP_PREFETCH_C)                                    \
                BP_UNROLL for (int r = 0; r < MR; r++) {               \
                    if (r < mr)                                                \
                        BP_PREFETCH_ROW(C + r * ldc, NV * VW * sizeof(T),      \
                                        _MM_HINT_T0);                          \
                }                                                              \
        }                                                                      \
        if (mr == MR && nr == NV * VW) {                                       \
            if (beta) {                                                        \
                BP_UNROLL for (int r = 0; r < MR; r++)                 \
                    BP_UNROLL for (int v = 0; v < NV; v++) {           \
                        T *p = C + r * ldc + v * VW;                           \
                        STOREU(p, ADD(acc[r][v], LOADU(p)));                   \
                    }                                                          \
            } else {                                                           \
                BP_UNROLL for (int r = 0; r < MR; r++)                 \
                    BP_UNROLL for (int v = 0; v < NV; v++)             \
                        STOREU(C + r * ldc + v * VW, acc[r][v]);               \
            }                                                                  \
        } else {                                                               \
            _Alignas(64) T tile[MR * NV * VW];                                 \
            BP_UNROLL for (int r = 0; r < MR; r++)                     \
                BP_UNROLL for (int v = 0; v < NV; v++)                 \
                    STOREU(tile + r * NV * VW + v * VW, acc[r][v]);            \
            STORE_EDGE(tile, C, ldc, beta, mr, nr);                            \
        }                                                                      \
    }

// AVX2 + FMA: 6 × 16 floats / 6 × 8 doubles = 12 ymm accumulators.
#define AVX2 __attribute__((target("avx2,fma")))
#define A2S_MR 6
#define A2S_NR 16
#define A2D_MR 6
#define A2D_NR 8
DEFINE_STORE_EDGE(a2s_store_edge, float, A2S_MR, A2S_NR)
DEFINE_STORE_EDGE(a2d_store_edge, double, A2D_MR, A2D_NR)
DEFINE_PACK_A(a2s_pack_a_generic, float, A2S_MR, AVX2)
DEFINE_PACK_B(a2s_pack_b_generic, float, A2S_NR, AVX2)

// Transposes eight rows of eight floats in registers: afterwards r[j] holds
// element j of every input row (r[j][i] = old r[i][j]).
AVX2 static inline void a2s_transpose8(__m256 r[8]) {
    __m256 t0 = _mm256_unpacklo_ps(r[0], r[1]), t1 = _mm256_unpackhi_ps(r[0], r[1]);
    __m256 t2 = _mm256_unpacklo_ps(r[2], r[3]), t3 = _mm256_unpackhi_ps(r[2], r[3]);
    __m256 t4 = _mm256_unpacklo_ps(r[4], r[5]), t5 = _mm256_unpackhi_ps(r[4], r[5]);
    __m256 t6 = _mm256_unpacklo_ps(r[6], r[7]), t7 = _mm256_unpackhi_ps(r[6], r[7]);
    __m256 u0 = _mm256_shuffle_ps(t0, t2, _MM_SHUFFLE(1, 0, 1, 0));
    __m256 u1 = _mm256_shuffle_ps(t0, t2, _MM_SHUFFLE(3, 2, 3, 2));
    __m256 u2 = _mm256_shuffle_ps(t1, t3, _MM_SHUFFLE(1, 0, 1, 0));
    __m256 u3 = _mm256_shuffle_ps(t1, t3, _MM_SHUFFLE(3, 2, 3, 2));
    __m256 u4 = _mm256_shuffle_ps(t4, t6, _MM_SHUFFLE(1, 0, 1, 0));
    __m256 u5 = _mm256_shuffle_ps(t4, t6, _MM_SHUFFLE(3, 2, 3, 2));
    __m256 u6 = _mm256_shuffle_ps(t5, t7, _MM_SHUFFLE(1, 0, 1, 0));
    __m256 u7 = _mm256_shuffle_ps(t5, t7, _MM_SHUFFLE(3, 2, 3, 2));
    r[0] = _mm256_permute2f128_ps(u0, u4, 0x20);
    r[1] = _mm256_permute2f128_ps(u1, u5, 0x20);
    r[2] = _mm256_permute2f128_ps(u2, u6, 0x20);
    r[3] = _mm256_permute2f128_ps(u3, u7, 0x20);
    r[4] = _mm256_permute2f128_ps(u0, u4, 0x31);
    r[5] = _mm256_permute2f128_ps(u1, u5, 0x31);
    r[6] = _mm256_permute2f128_ps(u2, u6, 0x31);
    r[7] = _mm256_permute2f128_ps(u3, u7, 0x31);
}

// Transposes four rows of four doubles in registers (r[j][i] = old r[i][j]).
AVX2 static inline void a2d_transpose4(__m256d r[4]) {
    __m256d t0 = _mm256_unpacklo_pd(r[0], r[1]), t1 = _mm256_unpackhi_pd(r[0], r[1]);
    __m256d t2 = _mm256_unpacklo_pd(r[2], r[3]), t3 = _mm256_unpackhi_pd(r[2], r[3]);
    r[0] = _mm256_permute2f128_pd(t0, t2, 0x20);
    r[1] = _mm256_permute2f128_pd(t1, t3, 0x20);
    r[2] = _mm256_permute2f128_pd(t0, t2, 0x31);
    r[3] = _mm256_permute2f128_pd(t1, t3, 0x31);
}

// Packs n rows that are contiguous along k (op(A) = A, or op(B) = Bᵀ) into
// ⌈n/W⌉ micro-panels of kc × W, transposing in registers: eight k (floats) or
// four k (doubles) at a time, W rows in groups of 8 (4), the last group of
// 8, 6, 4 or 2 (4 or 2) rows. Rows past n are zero; k past the last full
// group and partial panels go element by element.
//
//     dst[p·kc·W + k·W + r] = src[(p·W + r)·ld + k]
#define DEFINE_PACK_ROWS_PS(NAME, W, TGT)                                      \
    TGT static void NAME(ptrdiff_t n, ptrdiff_t kc, const float *restrict src, \
                         ptrdiff_t ld, float *restrict dst) {                  \
        for (ptrdiff_t i = 0; i < n; i += W, dst += kc * W) {                  \
            const float *s = src + i * ld;                                     \
            ptrdiff_t w = BP_MIN((ptrdiff_t)(W), n - i), k = 0;                \
            if (w == W)                                                        \
                for (; k + 8 <= kc; k += 8) {                                  \
                    BP_UNROLL for (int h = 0; h < W; h += 8) {                 \
                        const int rows = W - h < 8 ? W - h : 8;                \
                        __m256 r[8];                                           \
                        BP_UNROLL for (int q = 0; q < 8; q++)                  \
                            r[q] = q < rows ? _mm256_loadu_ps(s + (h + q) * ld + k) \
                                            : _mm256_setzero_ps();             \
                        a2s_transpose8(r);                                     \
                        BP_UNROLL for (int j = 0; j < 8; j++) {                \
                            float *d = dst + (k + j) * W + h;                  \
                            __m128 lo = _mm256_castps256_ps128(r[j]);          \
                            if (rows == 8) _mm256_storeu_ps(d, r[j]);          \
                            else if (rows >= 4) _mm_storeu_ps(d, lo);          \
                            if (rows == 6)                                     \
                                _mm_storel_pi((__m64 *)(d + 4), _mm256_extractf128_ps(r[j], 1)); \
                            if (rows == 2) _mm_storel_pi((__m64 *)d, lo);      \
                        }                                                      \
                    }                                                          \
                }                                                              \
            for (; k < kc; k++)                                                \
                for (ptrdiff_t r = 0; r < W; r++)                              \
                    dst[k * W + r] = r < w ? s[r * ld + k] : 0;                \
        }                                                                      \
    }

#define DEFINE_PACK_ROWS_PD(NAME, W, TGT)                                      \
    TGT static void NAME(ptrdiff_t n, ptrdiff_t kc, const double *restrict src, \
                         ptrdiff_t ld, double *restrict dst) {                 \
        for (ptrdiff_t i = 0; i < n; i += W, dst += kc * W) {                  \
            const double *s = src + i * ld;                                    \
            ptrdiff_t w = BP_MIN((ptrdiff_t)(W), n - i), k = 0;                \
            if (w == W)                                                        \
                for (; k + 4 <= kc; k += 4) {                                  \
                    BP_UNROLL for (int h = 0; h < W; h += 4) {                 \
                        const int rows = W - h < 4 ? W - h : 4;                \
                        __m256d r[4];                                          \
                        BP_UNROLL for (int q = 0; q < 4; q++)                  \
                            r[q] = q < rows ? _mm256_loadu_pd(s + (h + q) * ld + k) \
                                            : _mm256_setzero_pd();             \
                        a2d_transpose4(r);                                     \
                        BP_UNROLL for (int j = 0; j < 4; j++) {                \
                            double *d = dst + (k + j) * W + h;                 \
                            if (rows == 4) _mm256_storeu_pd(d, r[j]);          \
                            else _mm_storeu_pd(d, _mm256_castpd256_pd128(r[j])); \
                        }                                                      \
                    }                                                          \
                }                                                              \
            for (; k < kc; k++)                                                \
                for (ptrdiff_t r = 0; r < W; r++)                              \
                    dst[k * W + r] = r < w ? s[r * ld + k] : 0;                \
        }                                                                      \
    }

// Pack functions with the DEFINE_PACK_A / DEFINE_PACK_B contracts: the
// layouts whose rows run along k (op(A) = A, op(B) = Bᵀ) through ROWS, the
// others (each k already MR or NR contiguous elements) through GENERIC.
#define DEFINE_PACK_A_T(NAME, T, ROWS, GENERIC, TGT)                           \
    TGT static void NAME(int transA, ptrdiff_t mc, ptrdiff_t kc,               \
                         const T *restrict A, ptrdiff_t lda, T *restrict dst) {\
        if (transA) GENERIC(transA, mc, kc, A, lda, dst);                      \
        else ROWS(mc, kc, A, lda, dst);                                        \
    }
#define DEFINE_PACK_B_T(NAME, T, ROWS, GENERIC, TGT)                           \
    TGT static void NAME(int transB, ptrdiff_t kc, ptrdiff_t nc,               \
                         const T *restrict B, ptrdiff_t ldb, T *restrict dst) {\
        if (transB) ROWS(nc, kc, B, ldb, dst);                                 \
        else GENERIC(transB, kc, nc, B, ldb, dst);                             \
    }

// Same contract as DEFINE_PACK_A. A as stored (x in x·Wᵀ, G in G·W) has
// each micro-panel's six rows contiguous along k, so the pack is a transpose:
// eight k at a time, six rows (plus two zero rows) through an 8 × 8 register
// transpose, instead of six strided scalar loads per k.
//
//     dst[k*6 + r] = A[(i + r)*lda + k]
AVX2 static void a2s_pack_a(int transA, ptrdiff_t mc, ptrdiff_t kc, const float *restrict A,
                            ptrdiff_t lda, float *restrict dst) {
    if (transA) {
        // op(A) = Aᵀ (Gᵀ in Gᵀ·x): each k is six contiguous floats, copied as 4 + 2.
        for (ptrdiff_t i = 0; i < mc; i += A2S_MR, dst += kc * A2S_MR) {
            const float *src = A + i;
            if (mc - i < A2S_MR) {
                a2s_pack_a_generic(1, mc - i, kc, src, lda, dst);
                continue;
            }
            for (ptrdiff_t k = 0; k < kc; k++) {
                const float *s = src + k * lda;
                float *d = dst + k * A2S_MR;
                _mm_storeu_ps(d, _mm_loadu_ps(s));
                _mm_storel_pi((__m64 *)(d + 4), _mm_loadl_pi(_mm_setzero_ps(), (const __m64 *)(s + 4)));
            }
        }
        return;
    }
    for (ptrdiff_t i = 0; i < mc; i += A2S_MR, dst += kc * A2S_MR) {
        const float *src = A + i * lda;
        if (mc - i < A2S_MR) {
            a2s_pack_a_generic(0, mc - i, kc, src, lda, dst);
            continue;
        }
        ptrdiff_t k = 0;
        for (; k + 8 <= kc; k += 8) {
            __m256 r[8];
            for (int q = 0; q < A2S_MR; q++) r[q] = _mm256_loadu_ps(src + q * lda + k);
            r[6] = r[7] = _mm256_setzero_ps();
            a2s_transpose8(r);
            float *d = dst + k * A2S_MR;
            // Eight overlapping 8-wide stores of 6 useful lanes; the last one is
            // split (4 + 2) so nothing past this group is written.
            for (int j = 0; j < 7; j++) _mm256_storeu_ps(d + j * A2S_MR, r[j]);
            _mm_storeu_ps(d + 7 * A2S_MR, _mm256_castps256_ps128(r[7]));
            _mm_storel_pi((__m64 *)(d + 7 * A2S_MR + 4), _mm256_extractf128_ps(r[7], 1));
        }
        for (; k < kc; k++)
            for (int q = 0; q < A2S_MR; q++) dst[k * A2S_MR + q] = src[q * lda + k];
    }
}

// Same contract as DEFINE_PACK_B. op(B) = Bᵀ (W in x·Wᵀ) has each
// micro-panel's sixteen columns stored as rows contiguous along k: two 8 × 8
// register transposes per eight k.
//
//     dst[k*16 + c] = B[(j + c)*ldb + k]
AVX2 static void a2s_pack_b(int transB, ptrdiff_t kc, ptrdiff_t nc, const float *restrict B,
                            ptrdiff_t ldb, float *restrict dst) {
    if (!transB) {
        // op(B) = B (x in Gᵀ·x, W in G·W): each k is sixteen contiguous floats.
        for (ptrdiff_t j = 0; j < nc; j += A2S_NR, dst += kc * A2S_NR) {
            const float *src = B + j;
            if (nc - j < A2S_NR) {
                a2s_pack_b_generic(0, kc, nc - j, src, ldb, dst);
                continue;
            }
            for (ptrdiff_t k = 0; k < kc; k++) {
                _mm256_storeu_ps(dst + k * A2S_NR, _mm256_loadu_ps(src + k * ldb));
                _mm256_storeu_ps(dst + k * A2S_NR + 8, _mm256_loadu_ps(src + k * ldb + 8));
            }
        }
        return;
    }
    for (ptrdiff_t j = 0; j < nc; j += A2S_NR, dst += kc * A2S_NR) {
        const float *src = B + j * ldb;
        if (nc - j < A2S_NR) {
            a2s_pack_b_generic(1, kc, nc - j, src, ldb, dst);
            continue;
        }
        ptrdiff_t k = 0;
        for (; k + 8 <= kc; k += 8) {
            for (int h = 0; h < A2S_NR; h += 8) {
                __m256 r[8];
                for (int q = 0; q < 8; q++) r[q] = _mm256_loadu_ps(src + (h + q) * ldb + k);
                a2s_transpose8(r);
                for (int q = 0; q < 8; q++) _mm256_storeu_ps(dst + (k + q) * A2S_NR + h, r[q]);
            }
        }
        for (; k < kc; k++)
            for (int c = 0; c < A2S_NR; c++) dst[k * A2S_NR + c] = src[c * ldb + k];
    }
}
DEFINE_PACK_A(a2d_pack_a_generic, double, A2D_MR, AVX2)
DEFINE_PACK_B(a2d_pack_b_generic, double, A2D_NR, AVX2)
DEFINE_PACK_ROWS_PD(a2d_pack_rows_a, A2D_MR, AVX2)
DEFINE_PACK_ROWS_PD(a2d_pack_rows_b, A2D_NR, AVX2)
DEFINE_PACK_A_T(a2d_pack_a, double, a2d_pack_rows_a, a2d_pack_a_generic, AVX2)
DEFINE_PACK_B_T(a2d_pack_b, double, a2d_pack_rows_b, a2d_pack_b_generic, AVX2)
DEFINE_UKERNEL_SIMD(a2s_ukernel, float, __m256, 8, A2S_MR, 2, _mm256_load_ps, _mm256_loadu_ps,
                    _mm256_storeu_ps, _mm256_broadcast_ss, _mm256_fmadd_ps, _mm256_add_ps,
                    _mm256_setzero_ps, a2s_store_edge, 0, AVX2)
DEFINE_UKERNEL_SIMD(a2d_ukernel, double, __m256d, 4, A2D_MR, 2, _mm256_load_pd, _mm256_loadu_pd,
                    _mm256_storeu_pd, _mm256_broadcast_sd, _mm256_fmadd_pd, _mm256_add_pd,
                    _mm256_setzero_pd, a2d_store_edge, 0, AVX2)
#ifndef A2S_MC
#define A2S_MC 144
#define A2S_KC 256
#define A2S_NC 2048
#endif
#ifndef A2D_MC
#define A2D_MC 72
#define A2D_KC 256
#define A2D_NC 2048
#endif
DEFINE_DRIVER(a2s_gemm, float, A2S_MR, A2S_NR, A2S_MC, A2S_KC, A2S_NC, a2s_pack_a, a2s_pack_b, a2s_ukernel, AVX2)
DEFINE_DRIVER(a2d_gemm, double, A2D_MR, A2D_NR, A2D_MC, A2D_KC, A2D_NC, a2d_pack_a, a2d_pack_b, a2d_ukernel, AVX2)
DEFINE_DRIVER_SHARED(a2s_gemm_shared, float, A2S_MR, A2S_NR, A2S_MC, A2S_KC, a2s_pack_a, a2s_pack_b, a2s_ukernel, sgemm_small, bp_gemm_epilogue_f32, AVX2)
DEFINE_DRIVER_SHARED(a2d_gemm_shared, double, A2D_MR, A2D_NR, A2D_MC, A2D_KC, a2d_pack_a, a2d_pack_b, a2d_ukernel, dgemm_small, bp_gemm_epilogue_f64, AVX2)
DEFINE_DRIVER_TEAM(a2s_gemm_team, float, A2S_MR, A2S_NR, A2S_MC, a2s_pack_a, a2s_pack_b, a2s_ukernel, AVX2)
DEFINE_DRIVER_TEAM(a2d_gemm_team, double, A2D_MR, A2D_NR, A2D_MC, a2d_pack_a, a2d_pack_b, a2d_ukernel, AVX2)

// AVX-512F: 12 × 32 floats / 12 × 16 doubles = 24 zmm accumulators (enough
// independent chains for two 512-bit FMA pipes). Alone on hot panels the
// kernel runs at the measured FMA peak (Zen 4); in the full product the passes
// over C cost more than L1 misses on B, so KC = 384 (fewer passes; the B
// micro-panel then streams from L2) measured ~5 % faster than 256 at 1024³.
#define AVX512 __attribute__((target("avx512f,fma")))
#define A5S_MR 12
#define A5S_NR 32
#define A5D_MR 12
#define A5D_NR 16
// With KC = 384 neither the B micro-panel (48 KiB) nor the A micro-panel fits
// the 32 KiB L1, so both stream from L2; prefetching them 16 k steps ahead
// measured +2–3 % (float) and +4–6 % (double) at 1024³ on Zen 4. (The AVX2
// kernels, whose KC = 256 B micro-panel fits L1, do not prefetch.)
#ifndef A5_PREFETCH
#define A5_PREFETCH 16
#endif
static inline AVX512 __m512 a5s_bcast(const float *p) { return _mm512_set1_ps(*p); }
static inline AVX512 __m512d a5d_bcast(const double *p) { return _mm512_set1_pd(*p); }
DEFINE_STORE_EDGE(a5s_store_edge, float, A5S_MR, A5S_NR)
DEFINE_STORE_EDGE(a5d_store_edge, double, A5D_MR, A5D_NR)
DEFINE_PACK_A(a5s_pack_a_generic, float, A5S_MR, AVX512)
DEFINE_PACK_B_N(a5s_pack_b_n, float, A5S_NR, AVX512)
DEFINE_PACK_A(a5d_pack_a_generic, double, A5D_MR, AVX512)
DEFINE_PACK_B_N(a5d_pack_b_n, double, A5D_NR, AVX512)
DEFINE_PACK_ROWS_PS(a5s_pack_rows_a, A5S_MR, AVX512)
DEFINE_PACK_ROWS_PS(a5s_pack_rows_b, A5S_NR, AVX512)
DEFINE_PACK_ROWS_PD(a5d_pack_rows_a, A5D_MR, AVX512)
DEFINE_PACK_ROWS_PD(a5d_pack_rows_b, A5D_NR, AVX512)
DEFINE_PACK_A_T(a5s_pack_a, float, a5s_pack_rows_a, a5s_pack_a_generic, AVX512)
DEFINE_PACK_B_T(a5s_pack_b, float, a5s_pack_rows_b, a5s_pack_b_n, AVX512)
DEFINE_PACK_A_T(a5d_pack_a, double, a5d_pack_rows_a, a5d_pack_a_generic, AVX512)
DEFINE_PACK_B_T(a5d_pack_b, double, a5d_pack_rows_b, a5d_pack_b_n, AVX512)
DEFINE_UKERNEL_SIMD(a5s_ukernel, float, __m512, 16, A5S_MR, 2, _mm512_load_ps, _mm512_loadu_ps,
                    _mm512_storeu_ps, a5s_bcast, _mm512_fmadd_ps, _mm512_add_ps,
                    _mm512_setzero_ps, a5s_store_edge, A5_PREFETCH, AVX512)
DEFINE_UKERNEL_SIMD(a5d_ukernel, double, __m512d, 8, A5D_MR, 2, _mm512_load_pd, _mm512_loadu_pd,
                    _mm512_storeu_pd, a5d_bcast, _mm512_fmadd_pd, _mm512_add_pd,
                    _mm512_setzero_pd, a5d_store_edge, A5_PREFETCH, AVX512)
// The last row tile of 1024 rows holds 4 (1024 = 85 · 12 + 4), of batch 64 or 256
// also 4: kernels for 4 and 8 rows of a 12-tall micro-panel compute them at a third
// or two thirds of the cost of a full tile.
DEFINE_UKERNEL_SIMD_ROWS(a5s_ukernel4, float, __m512, 16, 4, A5S_MR, 2, _mm512_load_ps,
                         _mm512_loadu_ps, _mm512_storeu_ps, a5s_bcast, _mm512_fmadd_ps,
                         _mm512_add_ps, _mm512_setzero_ps, a5s_store_edge, A5_PREFETCH, AVX512)
DEFINE_UKERNEL_SIMD_ROWS(a5s_ukernel8, float, __m512, 16, 8, A5S_MR, 2, _mm512_load_ps,
                         _mm512_loadu_ps, _mm512_storeu_ps, a5s_bcast, _mm512_fmadd_ps,
                         _mm512_add_ps, _mm512_setzero_ps, a5s_store_edge, A5_PREFETCH, AVX512)
DEFINE_UKERNEL_SIMD_ROWS(a5d_ukernel4, double, __m512d, 8, 4, A5D_MR, 2, _mm512_load_pd,
                         _mm512_loadu_pd, _mm512_storeu_pd, a5d_bcast, _mm512_fmadd_pd,
                         _mm512_add_pd, _mm512_setzero_pd, a5d_store_edge, A5_PREFETCH, AVX512)
DEFINE_UKERNEL_SIMD_ROWS(a5d_ukernel8, double, __m512d, 8, 8, A5D_MR, 2, _mm512_load_pd,
                         _mm512_loadu_pd, _mm512_storeu_pd, a5d_bcast, _mm512_fmadd_pd,
                         _mm512_add_pd, _mm512_setzero_pd, a5d_store_edge, A5_PREFETCH, AVX512)
// The micro-kernel the drivers call: the full one, or one for the rows a partial tile has.
#define DEFINE_UKERNEL_BY_ROWS(NAME, T, FULL, EIGHT, FOUR, TGT)                \
    TGT static inline void NAME(ptrdiff_t kc, const T *a, const T *b, T *C,    \
                                ptrdiff_t ldc, int beta, ptrdiff_t mr,         \
                                ptrdiff_t nr) {                                \
        if (BP_EDGE_KERNELS && mr <= 4) FOUR(kc, a, b, C, ldc, beta, mr, nr);  \
        else if (BP_EDGE_KERNELS && mr <= 8) EIGHT(kc, a, b, C, ldc, beta, mr, nr); \
        else FULL(kc, a, b, C, ldc, beta, mr, nr);                             \
    }
DEFINE_UKERNEL_BY_ROWS(a5s_ukernel_rows, float, a5s_ukernel, a5s_ukernel8, a5s_ukernel4, AVX512)
DEFINE_UKERNEL_BY_ROWS(a5d_ukernel_rows, double, a5d_ukernel, a5d_ukernel8, a5d_ukernel4, AVX512)
// KC = 400 for floats: K blocks are equal (bp_kc_step), so this changes only K in
// (384, 400] (one block, not two) and (768, 800] (two, not three): the 784 inputs of
// an MNIST layer run as 2 × 392, not 3 × 264, one pass over C fewer. The 256 × 512 × 784
// forward product (op(B) = Bᵀ, one thread) measured +3 % (median of the fastest of 30,
// 10 alternations: 103.8 vs 100.8 GFLOP/s); every other K keeps its blocks.
//
// Cores with an L2 of 2 MiB or more (Intel's Sapphire and Emerald Rapids) take deeper
// float blocks: KC = 512, MC = 96, NC = 1024 (`bp_a5s_sizes`, set once at load from
// the L2 size). 1024³ then runs in 2 K blocks instead of 3, one pass over C (4 MiB, in the
// L3) fewer. On a 2-core Xeon (2 MiB L2, 48 KiB L1) single-thread 1024³ medians rose
// 3–9 % (paired ratios of 10–16 alternations, four runs); on two threads 229 → 236 and
// 224 → 228 GFLOP/s (two runs of 8 alternations), and the 784-512-512-10 step did not
// move beyond its noise (4,672 → 4,598 µs, then 4,437 → 4,504).
// Zen 4 (1 MiB L2), where KC = 400 was measured, keeps it. The bits of a product depend
// only on the K blocks, so one thread and many still agree on either blocking.
#ifndef A5S_MC
typedef struct { ptrdiff_t mc, kc, nc; } bp_block_sizes;
static const bp_block_sizes bp_a5s_small_l2 = {144, 400, 2048}, bp_a5s_large_l2 = {96, 512, 1024};
static bp_block_sizes bp_a5s_sizes = {144, 400, 2048};
static int bp_a5s_automatic_blocking = 1;
__attribute__((constructor)) static void bp_a5s_choose_blocking(void) {
#ifdef _SC_LEVEL2_CACHE_SIZE  /* glibc; elsewhere the L2 size is not asked, and KC stays 400 */
    long l2 = sysconf(_SC_LEVEL2_CACHE_SIZE);
#else
    long l2 = 0;
#endif
    bp_a5s_automatic_blocking = l2 >= (2L << 20) ? 2 : 1;
    bp_a5s_sizes = bp_a5s_automatic_blocking == 2 ? bp_a5s_large_l2 : bp_a5s_small_l2;
}
int bp_gemm_force_float_blocking(int blocking) {
    int previous = bp_a5s_sizes.kc == bp_a5s_large_l2.kc ? 2 : 1;
    if (blocking != 1 && blocking != 2) blocking = bp_a5s_automatic_blocking;
    bp_a5s_sizes = blocking == 2 ? bp_a5s_large_l2 : bp_a5s_small_l2;
    return previous;
}
#define A5S_MC (bp_a5s_sizes.mc)
#define A5S_KC (bp_a5s_sizes.kc)
#define A5S_NC (bp_a5s_sizes.nc)
#endif
#ifndef A5D_MC
#define A5D_MC 96
#define A5D_KC 384
#define A5D_NC 2048
#endif
DEFINE_DRIVER(a5s_gemm, float, A5S_MR, A5S_NR, A5S_MC, A5S_KC, A5S_NC, a5s_pack_a, a5s_pack_b, a5s_ukernel_rows, AVX512)
DEFINE_DRIVER(a5d_gemm, double, A5D_MR, A5D_NR, A5D_MC, A5D_KC, A5D_NC, a5d_pack_a, a5d_pack_b, a5d_ukernel_rows, AVX512)
DEFINE_DRIVER_SHARED(a5s_gemm_shared, float, A5S_MR, A5S_NR, A5S_MC, A5S_KC, a5s_pack_a, a5s_pack_b, a5s_ukernel_rows, sgemm_small, bp_gemm_epilogue_f32, AVX512)
DEFINE_DRIVER_SHARED(a5d_gemm_shared, double, A5D_MR, A5D_NR, A5D_MC, A5D_KC, a5d_pack_a, a5d_pack_b, a5d_ukernel_rows, dgemm_small, bp_gemm_epilogue_f64, AVX512)
DEFINE_DRIVER_TEAM(a5s_gemm_team, float, A5S_MR, A5S_NR, A5S_MC, a5s_pack_a, a5s_pack_b, a5s_ukernel_rows, AVX512)
DEFINE_DRIVER_TEAM(a5d_gemm_team, double, A5D_MR, A5D_NR, A5D_MC, a5d_pack_a, a5d_pack_b, a5d_ukernel_rows, AVX512)

// SIMD dot: four vector accumulators, then a scalar tail.
#define DEFINE_DOT_SIMD(NAME, T, VT, VW, LOADU, FMA, ADD, ZERO, HSUM, TGT)     \
    TGT static inline T NAME(ptrdiff_t n, const T *restrict x,                 \
                             const T *restrict y) {                            \
        VT s0 = ZERO(), s1 = ZERO(), s2 = ZERO(), s3 = ZERO();                 \
        ptrdiff_t i = 0;                                                       \
        for (; i + 4 * VW <= n; i += 4 * VW) {                                 \
            s0 = FMA(LOADU(x + i), LOADU(y + i), s0);                          \
            s1 = FMA(LOADU(x + i + VW), LOADU(y + i + VW), s1);                \
            s2 = FMA(LOADU(x + i + 2 * VW), LOADU(y + i + 2 * VW), s2);        \
            s3 = FMA(LOADU(x + i + 3 * VW), LOADU(y + i + 3 * VW), s3);        \
        }                                                                      \
        for (; i + VW <= n; i += VW) s0 = FMA(LOADU(x + i), LOADU(y + i), s0); \
        T s = HSUM(ADD(ADD(s0, s1), ADD(s2, s3)));                             \
        for (; i < n; i++) s += x[i] * y[i];                                   \
        return s;                                                              \
    }

AVX2 static inline float a2s_hsum(__m256 v) {
    __m128 x = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    x = _mm_add_ps(x, _mm_movehl_ps(x, x));
    x = _mm_add_ss(x, _mm_movehdup_ps(x));
    return _mm_cvtss_f32(x);
}
AVX2 static inline double a2d_hsum(__m256d v) {
    __m128d x = _mm_add_pd(_mm256_castpd256_pd128(v), _mm256_extractf128_pd(v, 1));
    x = _mm_add_sd(x, _mm_unpackhi_pd(x, x));
    return _mm_cvtsd_f64(x);
}
AVX512 static inline float a5s_hsum(__m512 v) { return _mm512_reduce_add_ps(v); }
AVX512 static inline double a5d_hsum(__m512d v) { return _mm512_reduce_add_pd(v); }

DEFINE_DOT_SIMD(a2s_dot, float, __m256, 8, _mm256_loadu_ps, _mm256_fmadd_ps, _mm256_add_ps,
                _mm256_setzero_ps, a2s_hsum, AVX2)
DEFINE_DOT_SIMD(a2d_dot, double, __m256d, 4, _mm256_loadu_pd, _mm256_fmadd_pd, _mm256_add_pd,
                _mm256_setzero_pd, a2d_hsum, AVX2)
DEFINE_DOT_SIMD(a5s_dot, float, __m512, 16, _mm512_loadu_ps, _mm512_fmadd_ps, _mm512_add_ps,
                _mm512_setzero_ps, a5s_hsum, AVX512)
DEFINE_DOT_SIMD(a5d_dot, double, __m512d, 8, _mm512_loadu_pd, _mm512_fmadd_pd, _mm512_add_pd,
                _mm512_setzero_pd, a5d_hsum, AVX512)
DEFINE_AXPY(a2s_axpy, float, AVX2)
DEFINE_AXPY(a2d_axpy, double, AVX2)
DEFINE_AXPY(a5s_axpy, float, AVX512)
DEFINE_AXPY(a5d_axpy, double, AVX512)
DEFINE_GEMV(a2s_gemv, float, a2s_dot, a2s_axpy, AVX2)
DEFINE_GEMV(a2d_gemv, double, a2d_dot, a2d_axpy, AVX2)
DEFINE_GEMV(a5s_gemv, float, a5s_dot, a5s_axpy, AVX512)
DEFINE_GEMV(a5d_gemv, double, a5d_dot, a5d_axpy, AVX512)

#endif  // BP_X86

// MARK: - Run-time dispatch

enum { BP_KERNEL_AUTO = 0, BP_KERNEL_PORTABLE = 1, BP_KERNEL_AVX2 = 2, BP_KERNEL_AVX512 = 3 };

// Test hook only: an atomic request, read on every call. Any value gives
// correct results; it only limits which instruction set is used.
static _Atomic int bp_forced_kernel = BP_KERNEL_AUTO;

static int bp_best_kernel(void) {
#if BP_X86
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("fma")) return BP_KERNEL_AVX512;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return BP_KERNEL_AVX2;
#endif
    return BP_KERNEL_PORTABLE;
}

static int bp_active_kernel(void) {
    int best = bp_best_kernel();
    int forced = atomic_load_explicit(&bp_forced_kernel, memory_order_relaxed);
    return forced != BP_KERNEL_AUTO && forced < best ? forced : best;
}

int bp_gemm_force_kernel(int kernel) {
    if (kernel < BP_KERNEL_AUTO || kernel > BP_KERNEL_AVX512) kernel = BP_KERNEL_AUTO;
    return atomic_exchange(&bp_forced_kernel, kernel);
}

const char *bp_gemm_kernel_name(void) {
    switch (bp_active_kernel()) {
    case BP_KERNEL_AVX512: return "avx512";
    case BP_KERNEL_AVX2: return "avx2";
    default: return "portable";
    }
}

ptrdiff_t bp_gemm_row_block(int isDouble) {
    (void)isDouble;
    switch (bp_active_kernel()) {
#if BP_X86
    case BP_KERNEL_AVX512: return A5S_MR;
    case BP_KERNEL_AVX2: return A2S_MR;
#endif
    default: return P_MR;
    }
}

ptrdiff_t bp_gemm_col_block(int isDouble) {
    (void)isDouble;  // the portable kernel uses 8 for both
    switch (bp_active_kernel()) {
#if BP_X86
    case BP_KERNEL_AVX512: return isDouble ? A5D_NR : A5S_NR;
    case BP_KERNEL_AVX2: return isDouble ? A2D_NR : A2S_NR;
#endif
    default: return P_NR;
    }
}

ptrdiff_t bp_gemm_parallel_threshold(int isDouble) {
    // ~100 µs of one core at the kernel's typical speed (AVX2 ≈ 18 G float
    // multiply-adds/s measured; AVX-512 with two FMA pipes ≈ 4× that).
    ptrdiff_t floatThreshold;
    switch (bp_active_kernel()) {
    case BP_KERNEL_AVX512: floatThreshold = (ptrdiff_t)1 << 23; break;
    case BP_KERNEL_AVX2: floatThreshold = (ptrdiff_t)1 << 21; break;
    default: floatThreshold = (ptrdiff_t)1 << 20; break;
    }
    return isDouble ? floatThreshold / 2 : floatThreshold;
}

// Calls the AVX-512, AVX2 or portable variant of a driver for `kernel`.
#define BP_KERNEL_SWITCH(kernel, K5, K2, PORT, ...)                            \
    switch (kernel) {                                                          \
    case BP_KERNEL_AVX512: K5(__VA_ARGS__); break;                             \
    case BP_KERNEL_AVX2: K2(__VA_ARGS__); break;                               \
    default: PORT(__VA_ARGS__);                                                \
    }

// Below this many multiply-adds the packing overhead outweighs the micro-kernel.
#define BP_SMALL_MNK 512

#define GEMM_ENTRY(T, SMALL, PORT, K2, K5, VPORT, V2, V5)                       \
    if (M <= 0 || N <= 0) return;                                              \
    if (K <= 0) {                                                              \
        if (!accumulate)                                                       \
            for (ptrdiff_t i = 0; i < M; i++)                                  \
                memset(C + i * ldc, 0, (size_t)N * sizeof(T));                 \
        return;                                                                \
    }                                                                          \
    if (M <= BP_SMALL_MNK && N <= BP_SMALL_MNK && K <= BP_SMALL_MNK &&         \
        M * N * K <= BP_SMALL_MNK) { /* (no overflow) */                       \
        SMALL(transA, transB, M, N, K, A, lda, B, ldb, C, ldc, accumulate);    \
        return;                                                                \
    }                                                                          \
    int ok = 0;                                                                \
    int vec = M == 1 || N == 1;                                                \
    switch (bp_active_kernel()) {                                              \
    case BP_KERNEL_AVX512:                                                     \
        ok = (vec ? V5 : K5)(transA, transB, M, N, K, A, lda, B, ldb, C, ldc,  \
                             accumulate);                                      \
        break;                                                                 \
    case BP_KERNEL_AVX2:                                                       \
        ok = (vec ? V2 : K2)(transA, transB, M, N, K, A, lda, B, ldb, C, ldc,  \
                             accumulate);                                      \
        break;                                                                 \
    default:                                                                   \
        ok = (vec ? VPORT : PORT)(transA, transB, M, N, K, A, lda, B, ldb, C,  \
                                  ldc, accumulate);                            \
    }                                                                          \
    if (!ok) /* out of memory for packing buffers: unpacked fallback */        \
        SMALL(transA, transB, M, N, K, A, lda, B, ldb, C, ldc, accumulate);

#if BP_X86
#define A2S a2s_gemm
#define A2D a2d_gemm
#define A5S a5s_gemm
#define A5D a5d_gemm
#define V2S a2s_gemv
#define V2D a2d_gemv
#define V5S a5s_gemv
#define V5D a5d_gemv
#else
#define V2S ps_gemv
#define V2D pd_gemv
#define V5S ps_gemv
#define V5D pd_gemv
#define A2S ps_gemm
#define A2D pd_gemm
#define A5S ps_gemm
#define A5D pd_gemm
#endif

void bp_sgemm(int transA, int transB, ptrdiff_t M, ptrdiff_t N, ptrdiff_t K,
              const float *A, ptrdiff_t lda, const float *B, ptrdiff_t ldb,
              float *C, ptrdiff_t ldc, int accumulate) {
    GEMM_ENTRY(float, sgemm_small, ps_gemm, A2S, A5S, ps_gemv, V2S, V5S)
}

void bp_dgemm(int transA, int transB, ptrdiff_t M, ptrdiff_t N, ptrdiff_t K,
              const double *A, ptrdiff_t lda, const double *B, ptrdiff_t ldb,
              double *C, ptrdiff_t ldc, int accumulate) {
    GEMM_ENTRY(double, dgemm_small, pd_gemm, A2D, A5D, pd_gemv, V2D, V5D)
}

// Shared-driver entry: small, empty or vector-shaped products are done whole by
// the thread that claims piece 0 (the others return at once).
#define GEMM_SHARED_ENTRY(T, ENTRY, EPI, PORT, K2, K5)                          \
    if (chunk < 1) chunk = 1;                                                  \
    if (M <= 1 || N <= 1 || K <= 0 ||                                          \
        (M <= BP_SMALL_MNK && N <= BP_SMALL_MNK && K <= BP_SMALL_MNK && M * N * K <= BP_SMALL_MNK)) { \
        if (__atomic_fetch_add(next, 1, __ATOMIC_RELAXED) == 0) {              \
            ENTRY(transA, transB, M, N, K, A, lda, B, ldb, C, ldc, accumulate); \
            EPI(ep, C, ldc, 0, M, 0, N);                                       \
        }                                                                      \
        return;                                                                \
    }                                                                          \
    BP_KERNEL_SWITCH(bp_active_kernel(), K5, K2, PORT, byRows, chunk, next,    \
                     transA, transB, M, N, K, A, lda, B, ldb, C, ldc,          \
                     accumulate, ep, steal)

#if BP_X86
#define A2SS a2s_gemm_shared
#define A2DS a2d_gemm_shared
#define A5SS a5s_gemm_shared
#define A5DS a5d_gemm_shared
#else
#define A2SS ps_gemm_shared
#define A2DS pd_gemm_shared
#define A5SS ps_gemm_shared
#define A5DS pd_gemm_shared
#endif

void bp_sgemm_shared_epilogue(int byRows, ptrdiff_t chunk, ptrdiff_t *next, int transA, int transB,
                              ptrdiff_t M, ptrdiff_t N, ptrdiff_t K, const float *A, ptrdiff_t lda,
                              const float *B, ptrdiff_t ldb, float *C, ptrdiff_t ldc, int accumulate,
                              const bp_gemm_epilogue *ep, struct bp_gemm_steal *steal) {
    GEMM_SHARED_ENTRY(float, bp_sgemm, bp_gemm_epilogue_f32, ps_gemm_shared, A2SS, A5SS)
}

void bp_dgemm_shared_epilogue(int byRows, ptrdiff_t chunk, ptrdiff_t *next, int transA, int transB,
                              ptrdiff_t M, ptrdiff_t N, ptrdiff_t K, const double *A, ptrdiff_t lda,
                              const double *B, ptrdiff_t ldb, double *C, ptrdiff_t ldc, int accumulate,
                              const bp_gemm_epilogue *ep, struct bp_gemm_steal *steal) {
    GEMM_SHARED_ENTRY(double, bp_dgemm, bp_gemm_epilogue_f64, pd_gemm_shared, A2DS, A5DS)
}

void bp_sgemm_shared(int byRows, ptrdiff_t chunk, ptrdiff_t *next, int transA, int transB,
                     ptrdiff_t M, ptrdiff_t N, ptrdiff_t K, const float *A, ptrdiff_t lda,
                     const float *B, ptrdiff_t ldb, float *C, ptrdiff_t ldc, int accumulate) {
    bp_sgemm_shared_epilogue(byRows, chunk, next, transA, transB, M, N, K, A, lda, B, ldb, C, ldc,
                             accumulate, NULL, NULL);
}

void bp_dgemm_shared(int byRows, ptrdiff_t chunk, ptrdiff_t *next, int transA, int transB,
                     ptrdiff_t M, ptrdiff_t N, ptrdiff_t K, const double *A, ptrdiff_t lda,
                     const double *B, ptrdiff_t ldb, double *C, ptrdiff_t ldc, int accumulate) {
    bp_dgemm_shared_epilogue(byRows, chunk, next, transA, transB, M, N, K, A, lda, B, ldb, C, ldc,
                             accumulate, NULL, NULL);
}

// MARK: - Team entry points

// The blocking of `kernel` for one element type: row tile MR, column tile NR,
// row block MC and K block KC (the constants of its DEFINE_DRIVER).
static void bp_gemm_blocking(int kernel, int isDouble, ptrdiff_t *mr, ptrdiff_t *nr,
                             ptrdiff_t *mc, ptrdiff_t *kc) {
    switch (kernel) {
#if BP_X86
    case BP_KERNEL_AVX512:
        *mr = isDouble ? A5D_MR : A5S_MR; *nr = isDouble ? A5D_NR : A5S_NR;
        *mc = isDouble ? A5D_MC : A5S_MC; *kc = isDouble ? A5D_KC : A5S_KC;
        return;
    case BP_KERNEL_AVX2:
        *mr = isDouble ? A2D_MR : A2S_MR; *nr = isDouble ? A2D_NR : A2S_NR;
        *mc = isDouble ? A2D_MC : A2S_MC; *kc = isDouble ? A2D_KC : A2S_KC;
        return;
#endif
    default:
        *mr = P_MR; *nr = P_NR; *mc = isDouble ? 64 : 128; *kc = 256;
    }
}

// One cached team allocation, reused by the next product (taken and returned
// with atomic exchanges, so concurrent products each get their own). Only
// teams up to BP_TEAM_CACHE_LIMIT bytes are kept (1024² float or double);
// larger ones go back to the system at once.
#define BP_TEAM_CACHE_LIMIT ((size_t)17 << 20)
static bp_team *_Atomic bp_team_cache = NULL;

void *bp_gemm_team_acquire(int isDouble, ptrdiff_t M, ptrdiff_t N, ptrdiff_t K) {
    if (M <= 1 || N <= 1 || K <= 0 || (M <= BP_SMALL_MNK && N <= BP_SMALL_MNK && K <= BP_SMALL_MNK &&
                                       M * N * K <= BP_SMALL_MNK))
        return NULL;  // bp_sgemm's small and vector paths
    int kernel = bp_active_kernel();
    ptrdiff_t mr, nr, mc, kc;
    bp_gemm_blocking(kernel, isDouble, &mr, &nr, &mc, &kc);
    ptrdiff_t Np = (N + nr - 1) / nr * nr;
    if (Np > BP_TEAM_MAX_COLS || K > BP_TEAM_MAX_ELEMENTS / Np) return NULL;
    ptrdiff_t kcStep = bp_kc_step(K, kc);
    ptrdiff_t kBlocks = (K + kcStep - 1) / kcStep;
    size_t head = (sizeof(bp_team) + 63) & ~(size_t)63;
    size_t counters = (size_t)kBlocks * sizeof(bp_team_block);
    size_t bytes = head + counters + (size_t)(K * Np) * (isDouble ? sizeof(double) : sizeof(float));
    bytes = (bytes + 4095) & ~(size_t)4095;
    bp_team *team = atomic_exchange(&bp_team_cache, NULL);
    if (!team || team->capacity < bytes) {
        if (team) bp_pages_free(team, team->capacity);
        bytes = bp_pages_round(bytes);
        team = (bp_team *)bp_pages_alloc(bytes);
        if (!team) return NULL;
        team->capacity = bytes;
    }
    team->kernel = kernel;
    team->isDouble = isDouble;
    team->N = N;
    team->K = K;
    team->kcStep = kcStep;
    team->kBlocks = kBlocks;
    team->Np = Np;
    team->pieces = (N + BP_TEAM_COLS - 1) / BP_TEAM_COLS;
    team->blocks = (bp_team_block *)((char *)team + head);
    team->packB = (char *)team->blocks + counters;
    memset(team->blocks, 0, counters);
    memset(team->steal, 0, sizeof team->steal);
    team->slots = 0;
    return team;
}

ptrdiff_t bp_gemm_team_rows(int isDouble, ptrdiff_t M, ptrdiff_t pieces) {
    ptrdiff_t unit = BP_EDGE_KERNELS && bp_active_kernel() == BP_KERNEL_AVX512 ? 4 : bp_gemm_row_block(isDouble);
    if (pieces < 1) pieces = 1;
    ptrdiff_t units = (M + unit - 1) / unit;
    ptrdiff_t step = (units + pieces - 1) / pieces * unit;
    return step > 0 ? step : 1;
}

void bp_gemm_team_release(void *team) {
    if (!team) return;
    bp_gemm_note_steals(((bp_team *)team)->steal, BP_STEAL_MAX);
    if (((bp_team *)team)->capacity > BP_TEAM_CACHE_LIMIT) {
        bp_pages_free(team, ((bp_team *)team)->capacity);
        return;
    }
    bp_team *old = atomic_exchange(&bp_team_cache, (bp_team *)team);
    if (old) bp_pages_free(old, old->capacity);
}

#define GEMM_TEAM_ENTRY(T, ISD, ENTRY, SMALL, PORT, K2, K5)                     \
    if (rows <= 0) return;                                                     \
    const T *Ai = transA ? A + i0 : A + i0 * lda;                              \
    T *Ci = C + i0 * ldc;                                                      \
    bp_team *t = (bp_team *)team;                                              \
    if (!t || t->isDouble != (ISD) || t->N != N || t->K != K) {                \
        ENTRY(transA, transB, rows, N, K, Ai, lda, B, ldb, Ci, ldc, accumulate); \
        return;                                                                \
    }                                                                          \
    ptrdiff_t mr, nr, mc, kc;                                                  \
    bp_gemm_blocking(t->kernel, ISD, &mr, &nr, &mc, &kc);                      \
    mc = BP_MIN(mc, (rows + mr - 1) / mr * mr);                                \
    bp_buffers *bufs = bp_thread_buffers(                                      \
        (size_t)(mc * BP_MIN(t->kcStep, K)) * sizeof(T) + 64, 64);             \
    if (!bufs) { /* out of memory: the other threads pack op(B) */            \
        SMALL(transA, transB, rows, N, K, Ai, lda, B, ldb, Ci, ldc, accumulate); \
        return;                                                                \
    }                                                                          \
    T *packA = (T *)bufs->a.ptr;                                               \
    BP_KERNEL_SWITCH(t->kernel, K5, K2, PORT, t, i0, rows, transA, transB, N,  \
                     K, A, lda, B, ldb, C, ldc, accumulate, packA)

#if BP_X86
#define A2ST a2s_gemm_team
#define A2DT a2d_gemm_team
#define A5ST a5s_gemm_team
#define A5DT a5d_gemm_team
#else
#define A2ST ps_gemm_team
#define A2DT pd_gemm_team
#define A5ST ps_gemm_team
#define A5DT pd_gemm_team
#endif

void bp_sgemm_team(void *team, ptrdiff_t i0, ptrdiff_t rows, int transA, int transB, ptrdiff_t M,
                   ptrdiff_t N, ptrdiff_t K, const float *A, ptrdiff_t lda, const float *B,
                   ptrdiff_t ldb, float *C, ptrdiff_t ldc, int accumulate) {
    (void)M;
    GEMM_TEAM_ENTRY(float, 0, bp_sgemm, sgemm_small, ps_gemm_team, A2ST, A5ST)
}

void bp_dgemm_team(void *team, ptrdiff_t i0, ptrdiff_t rows, int transA, int transB, ptrdiff_t M,
                   ptrdiff_t N, ptrdiff_t K, const double *A, ptrdiff_t lda, const double *B,
                   ptrdiff_t ldb, double *C, ptrdiff_t ldc, int accumulate) {
    (void)M;
    GEMM_TEAM_ENTRY(double, 1, bp_dgemm, dgemm_small, pd_gemm_team, A2DT, A5DT)
}

void bp_sgemm_reference(int transA, int transB, ptrdiff_t M, ptrdiff_t N, ptrdiff_t K,
                        const float *A, ptrdiff_t lda, const float *B, ptrdiff_t ldb,
                        float *C, ptrdiff_t ldc, int accumulate) {
    GEMM_REF_BODY(float)
}

void bp_dgemm_reference(int transA, int transB, ptrdiff_t M, ptrdiff_t N, ptrdiff_t K,
                        const double *A, ptrdiff_t lda, const double *B, ptrdiff_t ldb,
                        double *C, ptrdiff_t ldc, int accumulate) {
    GEMM_REF_BODY(double)
}

// The K block depth of the active kernel's driver (for skinny.c, which sums like it).
ptrdiff_t bp_gemm_k_block(int isDouble, ptrdiff_t K) {
    ptrdiff_t mr, nr, mc, kc;
    bp_gemm_blocking(bp_active_kernel(), isDouble, &mr, &nr, &mc, &kc);
    return bp_kc_step(K, kc);
}
