// Skinny matrix products (see include/bp_skinny.h): one side of the product at most a
// tile wide (a 10-class output layer, its gradients), computed without packing.
//
// The packed driver (gemm.c) copies op(A) and op(B) into micro-panels and pads them to
// whole MR × NR tiles. When K is tiny (256×10 · 10×512) the packing and the per-tile
// overhead are most of the work; when M is tiny (10×256 · 256×512) it copies the whole
// large operand to use each element once; when N is tiny (256×512 · 512×10) it pads 10
// columns to 32 or transposes a 256 × 512 operand. Here each tile of C reads op(A) in
// place (one broadcast per row and k) and op(B) as rows contiguous along j (as stored
// when op(B) = B; a K × 16 copy of the small operand when op(B) = Bᵀ with N ≤ 16).
//
// Every element is summed exactly as by the packed AVX-512 micro-kernel: in K blocks of
// `bp_gemm_k_block` (the driver's bp_kc_step), each block a chain of fused multiply-adds
// in k order starting from +0, and each block after the first (or every block, when
// accumulating) added to C as acc + C. So the bits are those of `bp_sgemm`.
#include "CBackpropKernels.h"

#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>
#define BP_SKINNY_X86 1
#else
#define BP_SKINNY_X86 0
#endif

#if BP_SKINNY_X86

#define SK_AVX512 __attribute__((target("avx512f,fma")))
#if defined(__clang__)
#define SK_UNROLL _Pragma("unroll")
#else
#define SK_UNROLL _Pragma("GCC unroll 32")
#endif

// The step epilogue: x·d with d = [h > t] (1 or 0), NaN where h is NaN (bp_step_mask_f32).
SK_AVX512 static inline __m512 sk_step(__m512 x, __m512 h, __m512 t) {
    __m512 d = _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(h, t, _CMP_GT_OQ), _mm512_set1_ps(1.0f));
    d = _mm512_mask_mov_ps(d, _mm512_cmp_ps_mask(h, h, _CMP_UNORD_Q), h);
    return _mm512_mul_ps(x, d);
}

// What a tile call does with its k range (a whole K block, or part of one).
typedef struct {
    float *carry;     // the accumulators between calls (MR × NV·16 floats), or NULL
    int carryIn;      // start from *carry (the k range continues a block) rather than +0
    int finish;       // the range ends a K block: write C; otherwise write *carry
    int add;          // finishing: add the accumulators to C (acc + C)
    ptrdiff_t ahead;  // > 0: prefetch op(B) this many floats ahead of each row read
} sk_part;

// One tile of C: MR rows × NV vectors of 16 columns (columns from nr on masked off),
// over k in [k0, k1):
//
//     acc[r, j] = (carried or +0) + Σ_k a[r·ars + k·aks] · b[k·ldb + j]   (FMAs in k order)
//
// When the range ends a K block, c[r, j] ← acc (+ c), then with h:
// c[r, j] ← c[r, j]·step(h[r·ldh + j]; t) (on the last block: the caller passes h only then).
#define DEFINE_SK_TILE(MR, NV)                                                          \
    SK_AVX512 __attribute__((noinline)) static void sk_tile_##MR##_##NV(                \
        ptrdiff_t k0, ptrdiff_t k1, const float *A, ptrdiff_t ars, ptrdiff_t aks,        \
        const float *B, ptrdiff_t ldb, float *C, ptrdiff_t ldc, sk_part part,            \
        ptrdiff_t nr, const float *H, ptrdiff_t ldh, float t) {                          \
        __mmask16 mask[NV];                                                              \
        SK_UNROLL for (int v = 0; v < NV; v++) {                                         \
            ptrdiff_t left = nr - 16 * v;                                                \
            mask[v] = left >= 16 ? (__mmask16)0xFFFF                                     \
                                 : left <= 0 ? (__mmask16)0 : (__mmask16)((1u << left) - 1); \
        }                                                                                \
        __m512 acc[MR][NV];                                                              \
        SK_UNROLL for (int r = 0; r < MR; r++)                                           \
            SK_UNROLL for (int v = 0; v < NV; v++)                                       \
                acc[r][v] = part.carryIn ? _mm512_load_ps(part.carry + (r * NV + v) * 16) \
                                         : _mm512_setzero_ps();                          \
        const float *a = A + k0 * aks, *b = B + k0 * ldb;                                \
        for (ptrdiff_t k = k0; k < k1; k++, a += aks, b += ldb) {                        \
            __m512 bv[NV];                                                               \
            if (part.ahead)                                                              \
                SK_UNROLL for (int v = 0; v < NV; v++)                                   \
                    _mm_prefetch((const char *)(b + part.ahead + 16 * v), _MM_HINT_T0);  \
            SK_UNROLL for (int v = 0; v < NV; v++)                                       \
                bv[v] = _mm512_maskz_loadu_ps(mask[v], b + 16 * v);                      \
            SK_UNROLL for (int r = 0; r < MR; r++) {                                     \
                __m512 av = _mm512_set1_ps(a[r * ars]);                                  \
                SK_UNROLL for (int v = 0; v < NV; v++)                                   \
                    acc[r][v] = _mm512_fmadd_ps(av, bv[v], acc[r][v]);                   \
            }                                                                            \
        }                                                                                \
        if (!part.finish) {                                                              \
            SK_UNROLL for (int r = 0; r < MR; r++)                                       \
                SK_UNROLL for (int v = 0; v < NV; v++)                                   \
                    _mm512_store_ps(part.carry + (r * NV + v) * 16, acc[r][v]);          \
            return;                                                                      \
        }                                                                                \
        __m512 tv = _mm512_set1_ps(t);                                                   \
        SK_UNROLL for (int r = 0; r < MR; r++)                                           \
            SK_UNROLL for (int v = 0; v < NV; v++) {                                     \
                float *p = C + r * ldc + 16 * v;                                         \
                __m512 x = acc[r][v];                                                    \
                if (part.add) x = _mm512_add_ps(x, _mm512_maskz_loadu_ps(mask[v], p));   \
                if (H) x = sk_step(x, _mm512_maskz_loadu_ps(mask[v], H + r * ldh + 16 * v), tv); \
                _mm512_mask_storeu_ps(p, mask[v], x);                                    \
            }                                                                            \
    }

#define DEFINE_SK_TILES(NV)                                                             \
    DEFINE_SK_TILE(1, NV) DEFINE_SK_TILE(2, NV) DEFINE_SK_TILE(3, NV)                   \
    DEFINE_SK_TILE(4, NV) DEFINE_SK_TILE(5, NV) DEFINE_SK_TILE(6, NV)                   \
    DEFINE_SK_TILE(7, NV) DEFINE_SK_TILE(8, NV) DEFINE_SK_TILE(9, NV)                   \
    DEFINE_SK_TILE(10, NV) DEFINE_SK_TILE(11, NV) DEFINE_SK_TILE(12, NV)
DEFINE_SK_TILES(1)
DEFINE_SK_TILES(2)

typedef void (*sk_tile_fn)(ptrdiff_t, ptrdiff_t, const float *, ptrdiff_t, ptrdiff_t,
                           const float *, ptrdiff_t, float *, ptrdiff_t, sk_part, ptrdiff_t,
                           const float *, ptrdiff_t, float);
#define SK_MR 12
static const sk_tile_fn sk_tiles[2][SK_MR + 1] = {
    {NULL, sk_tile_1_1, sk_tile_2_1, sk_tile_3_1, sk_tile_4_1, sk_tile_5_1, sk_tile_6_1,
     sk_tile_7_1, sk_tile_8_1, sk_tile_9_1, sk_tile_10_1, sk_tile_11_1, sk_tile_12_1},
    {NULL, sk_tile_1_2, sk_tile_2_2, sk_tile_3_2, sk_tile_4_2, sk_tile_5_2, sk_tile_6_2,
     sk_tile_7_2, sk_tile_8_2, sk_tile_9_2, sk_tile_10_2, sk_tile_11_2, sk_tile_12_2},
};

// One product, or one piece of it: rows [i0, i1) and columns [j0, j1) of C.
typedef struct {
    ptrdiff_t M, N, K, kb, ars, aks, ldb, ldc, ldh, step;
    const float *A, *B, *H;
    float *C;
    float t;
    int accumulate, nv, byRows;
} sk_job;

// Rows [i0, i1) × columns [j0, j1): tiles of up to SK_MR rows by NV·16 columns, each
// over all of K (the tile's operands stay in cache: K is small, or op(B) is a K × 16 copy).
static void sk_tiles_whole(const sk_job *j, ptrdiff_t i0, ptrdiff_t i1, ptrdiff_t j0, ptrdiff_t j1) {
    ptrdiff_t width = 16 * j->nv;
    for (ptrdiff_t i = i0; i < i1; i += SK_MR) {
        ptrdiff_t mr = i1 - i < SK_MR ? i1 - i : SK_MR;
        sk_tile_fn tile = sk_tiles[j->nv - 1][mr];
        for (ptrdiff_t c = j0; c < j1; c += width)
            for (ptrdiff_t b0 = 0; b0 < j->K; b0 += j->kb) {
                ptrdiff_t b1 = j->K - b0 > j->kb ? b0 + j->kb : j->K;
                sk_part part = {NULL, 0, 1, b0 > 0 || j->accumulate, 0};
                tile(b0, b1, j->A + i * j->ars, j->ars, j->aks, j->B + c, j->ldb,
                     j->C + i * j->ldc + c, j->ldc, part, j1 - c,
                     j->H && b1 == j->K ? j->H + i * j->ldh + c : NULL, j->ldh, j->t);
            }
    }
}

// Rows rows of op(B) streamed per pass of `sk_tiles_streamed`.
#define SK_STREAM_ROWS 32

// M ≤ SK_MR (one row of tiles), columns [j0, j1): each K block in passes of
// SK_STREAM_ROWS rows of op(B) over every column tile, the accumulators carried between
// passes, so op(B) (a large B: 256 × 512 in Gᵀ·h) is read row after row, in order,
// instead of one 128-byte column strip of all rows per tile.
static void sk_tiles_streamed(const sk_job *j, ptrdiff_t j0, ptrdiff_t j1) {
    ptrdiff_t width = 16 * j->nv, tiles = (j1 - j0 + width - 1) / width;
    ptrdiff_t slot = (ptrdiff_t)SK_MR * width;
    float stackCarry[16 * SK_MR * 32] __attribute__((aligned(64)));
    float *carry = tiles <= 16 ? stackCarry
                              : (float *)aligned_alloc(64, (size_t)(tiles * slot) * sizeof(float));
    if (!carry) {   // out of memory: whole tiles (the same sums, column strips)
        sk_tiles_whole(j, 0, j->M, j0, j1);
        return;
    }
    sk_tile_fn tile = sk_tiles[j->nv - 1][j->M];
    for (ptrdiff_t b0 = 0; b0 < j->K; b0 += j->kb) {
        ptrdiff_t b1 = j->K - b0 > j->kb ? b0 + j->kb : j->K;
        for (ptrdiff_t p0 = b0; p0 < b1; p0 += SK_STREAM_ROWS) {
            ptrdiff_t p1 = b1 - p0 > SK_STREAM_ROWS ? p0 + SK_STREAM_ROWS : b1;
            for (ptrdiff_t q = 0; q < tiles; q++) {
                ptrdiff_t c = j0 + q * width;
                // (Each row read prefetches the same strip of the next pass's rows,
                // so a pass finds op(B) in cache even when it comes from memory.)
                sk_part part = {carry + q * slot, p0 > b0, p1 == b1, b0 > 0 || j->accumulate,
                                p1 < j->K ? SK_STREAM_ROWS * j->ldb : 0};
                tile(p0, p1, j->A, j->ars, j->aks, j->B + c, j->ldb, j->C + c, j->ldc, part,
                     j1 - c, j->H && b1 == j->K ? j->H + c : NULL, j->ldh, j->t);
            }
        }
    }
    if (carry != stackCarry) free(carry);
}

// Rows [i0, i1) and columns [j0, j1) of C, by whichever loop suits the shape.
static void sk_block(const sk_job *j, ptrdiff_t i0, ptrdiff_t i1, ptrdiff_t j0, ptrdiff_t j1) {
    if (j->M <= SK_MR && j->K > SK_STREAM_ROWS) sk_tiles_streamed(j, j0, j1);
    else sk_tiles_whole(j, i0, i1, j0, j1);
}

#endif  // BP_SKINNY_X86

int bp_sgemm_skinny_applies(int transA, int transB, ptrdiff_t M, ptrdiff_t N, ptrdiff_t K) {
#if BP_SKINNY_X86
    (void)transA;
    if (M < 2 || N < 2 || K < 1) return 0;   // vector and empty products: bp_sgemm's own paths
    if (M <= 512 && N <= 512 && K <= 512 && M * N * K <= 512) return 0;   // bp_sgemm's small path
    if (strcmp(bp_gemm_kernel_name(), "avx512") != 0) return 0;
    if (N <= 16) return !transB || K <= BP_SKINNY_MAX_PACKED_K;
    return !transB && (K <= 16 || M <= SK_MR);
#else
    (void)transA; (void)transB; (void)M; (void)N; (void)K;
    return 0;
#endif
}

#if BP_SKINNY_X86
// One piece of a split product: `step` rows (byRows) or columns of C.
static void sk_piece(void *context, ptrdiff_t index) {
    const sk_job *j = (const sk_job *)context;
    ptrdiff_t lo = index * j->step, extent = j->byRows ? j->M : j->N;
    ptrdiff_t hi = extent - lo < j->step ? extent : lo + j->step;
    if (j->byRows) sk_block(j, lo, hi, 0, j->N);
    else sk_block(j, 0, j->M, lo, hi);
}

// Runs the product on the calling thread, or over up to `workers` threads in pieces of
// whole tiles: rows when there are more row tiles than column tiles, several pieces per
// thread (so a helper that starts late takes fewer); columns otherwise, one piece per
// thread (each streams its columns of op(B) row after row).
static void sk_run(ptrdiff_t workers, sk_job *job) {
    ptrdiff_t M = job->M, N = job->N, width = 16 * job->nv;
    if (workers <= 1 || M * N * job->K < BP_SKINNY_SPLIT_WORK) {
        sk_block(job, 0, M, 0, N);
        return;
    }
    ptrdiff_t rowTiles = (M + SK_MR - 1) / SK_MR, colTiles = (N + width - 1) / width;
    job->byRows = rowTiles >= colTiles;
    ptrdiff_t tiles = job->byRows ? rowTiles : colTiles, unit = job->byRows ? SK_MR : width;
    ptrdiff_t per = job->byRows ? 4 * workers : workers;
    ptrdiff_t pieces = tiles < per ? tiles : per;
    job->step = (tiles + pieces - 1) / pieces * unit;
    ptrdiff_t extent = job->byRows ? M : N;
    bp_helpers_run((extent + job->step - 1) / job->step, sk_piece, job);
}
#endif

int bp_sgemm_skinny(ptrdiff_t workers, int transA, int transB, ptrdiff_t M, ptrdiff_t N, ptrdiff_t K,
                    const float *A, ptrdiff_t lda, const float *B, ptrdiff_t ldb,
                    float *C, ptrdiff_t ldc, int accumulate, const float *H, ptrdiff_t ldh,
                    float threshold) {
    if (!bp_sgemm_skinny_applies(transA, transB, M, N, K)) return 0;
#if BP_SKINNY_X86
    sk_job job = {.M = M, .N = N, .K = K, .kb = bp_gemm_k_block(0, K), .ars = transA ? 1 : lda,
                  .aks = transA ? lda : 1, .ldb = ldb, .ldc = ldc, .ldh = ldh, .A = A, .B = B,
                  .H = H, .C = C, .t = threshold, .accumulate = accumulate,
                  .nv = N <= 16 ? 1 : 2};
    if (!transB) {
        sk_run(workers, &job);
        return 1;
    }
    // op(B) = Bᵀ with N ≤ 16: its K × N values copied as K rows of 16 (zeros past N).
    float stackCopy[64 * 16] __attribute__((aligned(64)));
    float *copy = K <= 64 ? stackCopy : (float *)aligned_alloc(64, (size_t)K * 16 * sizeof(float));
    if (!copy) return 0;
    for (ptrdiff_t k = 0; k < K; k++) {
        float *d = copy + k * 16;
        for (ptrdiff_t j = 0; j < 16; j++) d[j] = j < N ? B[j * ldb + k] : 0.0f;
    }
    job.B = copy;
    job.ldb = 16;
    sk_run(workers, &job);
    if (copy != stackCopy) free(copy);
    return 1;
#else
    (void)workers; (void)A; (void)lda; (void)B; (void)ldb; (void)C; (void)ldc; (void)accumulate;
    (void)H; (void)ldh; (void)threshold;
    return 0;
#endif
}
