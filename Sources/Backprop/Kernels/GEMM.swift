import CBackpropKernels
import Dispatch
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// How many threads the compute kernels (matrix multiplication) may use.
///
/// Defaults to the number of online processors. Setting it is safe from any
/// thread at any time (the value is held in an atomic); calls already running
/// keep the count they started with.
///
/// ```swift
/// ComputeThreads.count = 1      // single-threaded kernels
/// ComputeThreads.reset()        // back to one per processor
/// ```
public enum ComputeThreads {
    /// 0 means "not set": use `defaultCount`.
    private static let requested = Atomic<Int>(0)

    /// The number of online processors when first asked (at least 1): the
    /// default thread count.
    public static let defaultCount: Int = {
        #if canImport(Glibc) || canImport(Musl) || canImport(Darwin)
        return max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        #else
        return 1
        #endif
    }()

    /// Threads a kernel may use (≥ 1). Values below 1 are stored as 1.
    public static var count: Int {
        get {
            let n = requested.load(ordering: .relaxed)
            return n > 0 ? n : defaultCount
        }
        set { requested.store(max(1, newValue), ordering: .relaxed) }
    }

    /// Forgets any value set through `count`, returning to `defaultCount`.
    public static func reset() {
        requested.store(0, ordering: .relaxed)
    }
}

/// Whether split matrix products run on the persistent helper threads (`bp_helpers_run`:
/// helpers spin for a moment after each product, so the next product of a training step
/// finds them awake) rather than on `DispatchQueue.concurrentPerform`, which wakes a
/// worker per product. On by default; benchmarks switch it off to compare (the results
/// are the same bits either way).
package enum ComputeHelpers {
    package static let isEnabled = Atomic<Bool>(true)

    /// Whether split products started on the calling thread use the helpers now:
    /// `isEnabled`, and not inside `withoutHelpers` on this thread.
    package static var areActive: Bool { isEnabled.load(ordering: .relaxed) && bp_helpers_off_depth() == 0 }

    /// Runs `body` with the split products it starts on this thread sent to Dispatch
    /// instead of the helpers (for tests that compare the two, without switching the
    /// helpers off for other threads' products, as storing `isEnabled` would).
    package static func withoutHelpers<R>(_ body: () throws -> R) rethrows -> R {
        bp_helpers_off_enter()
        defer { bp_helpers_off_leave() }
        return try body()
    }

    /// How long (µs) the helpers spin after a product before they sleep (`bp_helpers_run`).
    package static var spinMicroseconds: Int {
        get { Int(bp_helpers_spin_microseconds()) }
        set { bp_helpers_set_spin_microseconds(Int64(newValue)) }
    }

    /// Jobs started so far, and the indices of them that helper threads ran.
    package static var statistics: (jobs: Int, helped: Int) {
        var jobs = 0, helped = 0
        bp_helpers_statistics(&jobs, &helped)
        return (jobs, helped)
    }
}

/// Row-major matrix multiplication on raw storage: the single entry point the
/// tensor ops use. `C[m×n] = op(A)[m×k] · op(B)[k×n] (+ C when accumulate)`.
///
/// op(X) is X, or Xᵀ when the matching `trans` flag is set; `lda`, `ldb`, `ldc` are
/// the row strides of A, B and C as stored.
///
/// The C kernel (`bp_sgemm` / `bp_dgemm`, AVX-512, AVX2+FMA or portable, picked
/// at run time) is single-threaded; this type splits C into row blocks (or,
/// when C is wider than tall, column blocks) of whole micro-kernel tiles and runs
/// them on the persistent helper threads (`bp_helpers_run`: the shared driver, and
/// static row pieces as a team; `DispatchQueue.concurrentPerform` for other static
/// pieces, or with `ComputeHelpers.isEnabled` off). Products whose estimated cost
/// (`Plan.cost`) is below `parallelThreshold(isDouble:)` run on the calling thread.
/// Every element of C is computed by the same code in the same order however C is
/// split, so results do not depend on the thread count.
@usableFromInline
enum GEMM {
    /// Below this estimated cost (multiply-adds, see `Plan.cost`) a product runs on
    /// the calling thread with no Dispatch call; above it each thread gets at least
    /// half of it.
    ///
    /// The threshold is about 100 µs of single-core work for the active kernel
    /// (waking a Dispatch worker costs ~20 µs), so it scales with kernel speed:
    /// AVX2 float 2^21 (128³ is split, 96³ is not), AVX-512 float 2^23 (a
    /// 64×784·784×128 layer step, cost 8.6 M with its 12 × 32 tiles, is just
    /// above it), doubles half of that. Measurements: Docs/Performance.md.
    @usableFromInline
    static func parallelThreshold(isDouble: Bool) -> Int {
        bp_gemm_parallel_threshold(isDouble ? 1 : 0)
    }

    /// The active kernel's tile (MR × NR) and threshold, asked of the C side once per call.
    @inline(__always)
    static func tiling(isDouble: Bool) -> (rowBlock: Int, colBlock: Int, threshold: Int) {
        let d: Int32 = isDouble ? 1 : 0
        return (bp_gemm_row_block(d), bp_gemm_col_block(d), bp_gemm_parallel_threshold(d))
    }

    /// Row-major GEMM for either element type, through `Scalar._cGEMM` (one
    /// thread) or `Scalar._cSharedGEMM` (several). `threads` overrides
    /// `ComputeThreads.count` for this call; `alwaysSplit` (for tests) splits even
    /// products below the threshold, and `staticSplit` (for tests and benchmarks) uses
    /// fixed pieces, one per thread, instead of the shared driver.
    ///
    /// `epilogue` (a block pass such as bias + relu, `bp_gemm_epilogue`): applied by the
    /// threads of the shared driver to each block of C they finish, while it is in their
    /// cache; the result is true then. Every other path ignores it and returns false, and
    /// the caller applies it to all of C afterwards (the same bits either way).
    @usableFromInline
    @discardableResult
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    static func multiply<Scalar: TensorScalar>(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
        a: UnsafePointer<Scalar>, lda: Int, b: UnsafePointer<Scalar>, ldb: Int,
        c: UnsafeMutablePointer<Scalar>, ldc: Int, accumulate: Bool, threads: Int? = nil,
        alwaysSplit: Bool = false, staticSplit: Bool = false, epilogue: UnsafePointer<bp_gemm_epilogue>? = nil
    ) -> Bool {
        let ta: Int32 = transA ? 1 : 0, tb: Int32 = transB ? 1 : 0, acc: Int32 = accumulate ? 1 : 0
        if !alwaysSplit && !staticSplit,
           multiplySkinny(transA: transA, transB: transB, m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb,
                          c: c, ldc: ldc, accumulate: accumulate, threads: threads) {
            return false
        }
        let t = tiling(isDouble: Scalar.self == Double.self)
        if transposesProduct(m: m, n: n, k: k, rowBlock: t.rowBlock, colBlock: t.colBlock) {
            multiplyTransposed(transA: transA, transB: transB, m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb,
                               c: c, ldc: ldc, accumulate: accumulate, threads: threads, alwaysSplit: alwaysSplit,
                               staticSplit: staticSplit)
            return false
        }
        // Small-product fast path: straight to the kernel, no planning.
        if !alwaysSplit && Plan.cost(m: m, n: n, k: k, rowBlock: t.rowBlock, colBlock: t.colBlock) < Double(t.threshold) {
            Scalar._cGEMM(ta, tb, m, n, k, a, lda, b, ldb, c, ldc, acc)
            return false
        }
        let plan = Plan(m: m, n: n, k: k, threads: threads ?? ComputeThreads.count, rowBlock: t.rowBlock,
                        colBlock: t.colBlock, threshold: t.threshold, alwaysSplit: alwaysSplit,
                        allowShared: !staticSplit)
        guard plan.chunks > 1 else {
            Scalar._cGEMM(ta, tb, m, n, k, a, lda, b, ldb, c, ldc, acc)
            return false
        }
        let (ua, ub, uc) = (UInt(bitPattern: a), UInt(bitPattern: b), UInt(bitPattern: c))
        if plan.shared && ComputeHelpers.areActive {
            let byRows: Int32 = plan.splitRows ? 1 : 0
            if Scalar.self == Float.self {
                bp_sgemm_on_helpers_epilogue(plan.workers, byRows, plan.step, ta, tb, m, n, k,
                              UnsafeRawPointer(a).assumingMemoryBound(to: Float.self), lda,
                              UnsafeRawPointer(b).assumingMemoryBound(to: Float.self), ldb,
                              UnsafeMutableRawPointer(c).assumingMemoryBound(to: Float.self), ldc, acc, epilogue)
            } else {
                bp_dgemm_on_helpers_epilogue(plan.workers, byRows, plan.step, ta, tb, m, n, k,
                              UnsafeRawPointer(a).assumingMemoryBound(to: Double.self), lda,
                              UnsafeRawPointer(b).assumingMemoryBound(to: Double.self), ldb,
                              UnsafeMutableRawPointer(c).assumingMemoryBound(to: Double.self), ldc, acc, epilogue)
            }
            return true
        }
        if plan.shared {
            let next = UnsafeMutablePointer<Int>.allocate(capacity: 1)
            next.initialize(to: 0)
            defer { next.deallocate() }
            let un = UInt(bitPattern: next)
            let byRows: Int32 = plan.splitRows ? 1 : 0, chunk = plan.step
            DispatchQueue.concurrentPerform(iterations: plan.workers) { _ in
                Scalar._cSharedGEMM(byRows, chunk, UnsafeMutablePointer<Int>(bitPattern: un)!, ta, tb, m, n, k,
                                    UnsafePointer<Scalar>(bitPattern: ua)!, lda, UnsafePointer<Scalar>(bitPattern: ub)!, ldb,
                                    UnsafeMutablePointer<Scalar>(bitPattern: uc)!, ldc, acc)
            }
            return false
        }
        // Static row pieces: one team packs op(B) once for all threads when it fits,
        // on the helper threads (awake from the previous product) or through Dispatch.
        if plan.splitRows && ComputeHelpers.areActive {
            let done: Int32
            if Scalar.self == Float.self {
                done = bp_sgemm_team_on_helpers(plan.chunks, ta, tb, m, n, k,
                                                UnsafeRawPointer(a).assumingMemoryBound(to: Float.self), lda,
                                                UnsafeRawPointer(b).assumingMemoryBound(to: Float.self), ldb,
                                                UnsafeMutableRawPointer(c).assumingMemoryBound(to: Float.self), ldc, acc)
            } else {
                done = bp_dgemm_team_on_helpers(plan.chunks, ta, tb, m, n, k,
                                                UnsafeRawPointer(a).assumingMemoryBound(to: Double.self), lda,
                                                UnsafeRawPointer(b).assumingMemoryBound(to: Double.self), ldb,
                                                UnsafeMutableRawPointer(c).assumingMemoryBound(to: Double.self), ldc, acc)
            }
            if done != 0 { return false }
        }
        if plan.splitRows, let team = bp_gemm_team_acquire(Scalar.self == Double.self ? 1 : 0, m, n, k) {
            let ut = UInt(bitPattern: team)
            DispatchQueue.concurrentPerform(iterations: plan.chunks) { i in
                let (lo, hi) = plan.range(i)
                let team = UnsafeMutableRawPointer(bitPattern: ut)
                let (a, b, c) = (UnsafeRawPointer(bitPattern: ua)!, UnsafeRawPointer(bitPattern: ub)!,
                                 UnsafeMutableRawPointer(bitPattern: uc)!)
                if Scalar.self == Double.self {
                    bp_dgemm_team(team, lo, hi - lo, ta, tb, m, n, k, a.assumingMemoryBound(to: Double.self), lda,
                                  b.assumingMemoryBound(to: Double.self), ldb, c.assumingMemoryBound(to: Double.self),
                                  ldc, acc)
                } else {
                    bp_sgemm_team(team, lo, hi - lo, ta, tb, m, n, k, a.assumingMemoryBound(to: Float.self), lda,
                                  b.assumingMemoryBound(to: Float.self), ldb, c.assumingMemoryBound(to: Float.self),
                                  ldc, acc)
                }
            }
            bp_gemm_team_release(team)
            return false
        }
        DispatchQueue.concurrentPerform(iterations: plan.chunks) { i in
            let a = UnsafePointer<Scalar>(bitPattern: ua)!
            let b = UnsafePointer<Scalar>(bitPattern: ub)!
            let c = UnsafeMutablePointer<Scalar>(bitPattern: uc)!
            let (lo, hi) = plan.range(i)
            if plan.splitRows {
                Scalar._cGEMM(ta, tb, hi - lo, n, k, transA ? a + lo : a + lo * lda, lda, b, ldb, c + lo * ldc, ldc, acc)
            } else {
                Scalar._cGEMM(ta, tb, m, hi - lo, k, a, lda, transB ? b + lo * ldb : b + lo, ldb, c + lo, ldc, acc)
            }
        }
        return false
    }

    /// A skinny float product (a side of at most 16, or op(A) of at most 12 rows: the
    /// 10-class layer and its gradients) through the unpacked AVX-512 tiles of
    /// `bp_sgemm_skinny`, split over the helper threads when it is worth it; then, with
    /// `stepMask` h, C ← C ⊙ step(h; threshold) in the same pass (the fused relu′ of
    /// `matmul+step`). Returns false, touching nothing, when the shape or the element type
    /// does not qualify (`bp_sgemm_skinny_applies`) or the AVX-512 kernel is not active.
    /// Each element is summed exactly as by the packed kernel (in its K blocks, one fused
    /// multiply-add per k, in k order), so the bits are those of the other paths, with one
    /// thread or several.
    ///
    /// ```
    /// C = op(A)·op(B)   (⊙ step(h; t))
    /// ```
    @usableFromInline @inline(__always)
    static func multiplySkinny<Scalar: TensorScalar>(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
        a: UnsafePointer<Scalar>, lda: Int, b: UnsafePointer<Scalar>, ldb: Int,
        c: UnsafeMutablePointer<Scalar>, ldc: Int, accumulate: Bool, threads: Int?,
        stepMask: UnsafePointer<Scalar>? = nil, threshold: Scalar = 0
    ) -> Bool {
        guard Scalar.self == Float.self else { return false }
        let ta: Int32 = transA ? 1 : 0, tb: Int32 = transB ? 1 : 0
        guard bp_sgemm_skinny_applies(ta, tb, m, n, k) != 0 else { return false }
        let workers = ComputeHelpers.areActive ? (threads ?? ComputeThreads.count) : 1
        let h = stepMask.map { UnsafeRawPointer($0).assumingMemoryBound(to: Float.self) }
        return bp_sgemm_skinny(workers, ta, tb, m, n, k, UnsafeRawPointer(a).assumingMemoryBound(to: Float.self), lda,
                               UnsafeRawPointer(b).assumingMemoryBound(to: Float.self), ldb,
                               UnsafeMutableRawPointer(c).assumingMemoryBound(to: Float.self), ldc,
                               accumulate ? 1 : 0, h, ldc, unsafeBitCast(threshold, to: Float.self)) != 0
    }

    /// Whether a product with a narrow C (fewer columns than the micro-kernel's tile is
    /// wide: a 10-class output layer) runs as Cᵀ = op(B)ᵀ·op(A)ᵀ, where the narrow side
    /// pads only to the tile's height (MR, 12 on AVX-512) instead of its width (NR, 32):
    /// when that estimated cost (`Plan.cost`) is under ¾ of the direct one. Both ways run
    /// the same packed micro-kernel, which sums every element's products in k order with
    /// one fused multiply-add each (a·b and b·a round alike), so the bits are the same.
    ///
    /// ```
    /// C = op(A)·op(B) = (op(B)ᵀ·op(A)ᵀ)ᵀ      when n < NR, 2 ≤ n < m
    /// ```
    @usableFromInline @inline(__always)
    static func transposesProduct(m: Int, n: Int, k: Int, rowBlock: Int, colBlock: Int) -> Bool {
        // (n ≥ 2: a one-column product takes the matrix-vector path, which sums differently;
        // m·n·k ≤ 512 takes the unpacked small path both ways.)
        guard n >= 2, n < colBlock, m > n, k > 0, m &* n &* k > 512 else { return false }
        let direct = Plan.cost(m: m, n: n, k: k, rowBlock: rowBlock, colBlock: colBlock)
        let transposed = Plan.cost(m: n, n: m, k: k, rowBlock: rowBlock, colBlock: colBlock)
        return transposed < 0.75 * direct
    }

    /// C = (op(B)ᵀ·op(A)ᵀ)ᵀ through a temporary n × m buffer (holding Cᵀ first when
    /// accumulating, so that every element adds its K blocks to C in the same order).
    @usableFromInline
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    static func multiplyTransposed<Scalar: TensorScalar>(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
        a: UnsafePointer<Scalar>, lda: Int, b: UnsafePointer<Scalar>, ldb: Int,
        c: UnsafeMutablePointer<Scalar>, ldc: Int, accumulate: Bool, threads: Int?,
        alwaysSplit: Bool, staticSplit: Bool
    ) {
        withUnsafeTemporaryAllocation(of: Scalar.self, capacity: m * n) { buffer in
            let t = buffer.baseAddress!
            if accumulate {
                for i in 0..<m { for j in 0..<n { t[j &* m &+ i] = c[i &* ldc &+ j] } }
            }
            // op(B)ᵀ is B as stored when op(B) = Bᵀ, and Bᵀ otherwise (likewise A).
            multiply(transA: !transB, transB: !transA, m: n, n: m, k: k, a: b, lda: ldb, b: a, ldb: lda,
                     c: t, ldc: m, accumulate: accumulate, threads: threads, alwaysSplit: alwaysSplit,
                     staticSplit: staticSplit)
            for i in 0..<m { for j in 0..<n { c[i &* ldc &+ j] = t[j &* m &+ i] } }
        }
    }

    /// How one product is split over threads: `chunks` contiguous ranges of
    /// C's rows (or columns), each a multiple of the kernel's tile size except
    /// the last.
    ///
    /// Two ways to run the pieces:
    /// * **shared** (the default when the shared operand fits `sharedLimit`
    ///   elements): `workers` threads call `bp_sgemm_shared`, each packs the operand
    ///   every piece needs (op(A) for column pieces, op(B) for row pieces) once and
    ///   then claims pieces from an atomic counter, so a thread that starts late on
    ///   a busy core takes fewer pieces instead of holding everyone up. Pieces are
    ///   1 to 8 per thread, each worth `threshold / 4`, and at least `minimumPieceColumns`
    ///   columns or `minimumPieceRows` rows wide when the shared operand does not stay in
    ///   L2 (`cachedSharedLimit`), cut so that equal threads finish together (`makespan`).
    /// * **static**: one piece per thread. Row pieces run as one team
    ///   (`bp_sgemm_team`, on the helper threads) that packs op(B) once for all
    ///   threads when it fits (at most 2048 columns and 2²² elements packed, as for
    ///   1024³), cut by `bp_gemm_team_rows` rather than `step`; otherwise each piece
    ///   is an independent `bp_sgemm` call.
    ///
    /// Either way each element of C is computed exactly as by one thread.
    @usableFromInline
    struct Plan: Sendable {
        /// Number of pieces (1 = run on the calling thread).
        var chunks: Int
        /// True: pieces are row ranges of C; false: column ranges.
        var splitRows: Bool
        /// Rows or columns per piece (a multiple of the tile size).
        var step: Int
        /// Total rows (splitRows) or columns being split.
        var extent: Int
        /// True: run through the shared driver (pieces claimed on the fly).
        var shared = false
        /// Threads to start (shared: at most `threads`; static: `chunks`).
        var workers = 1

        /// Most elements of the operand each thread packs whole in the shared driver:
        /// 2¹⁸ (1 MiB of floats per thread), so both threads' copies stay in the L3
        /// cache next to A, B and C. Every training-step product qualifies (the largest
        /// shared operand, 256×784 for 784-512-512-10, has 202 K); a square 1024³
        /// product (1 M) keeps the static split, where the shared driver measured 8 %
        /// slower on one core.
        static let sharedLimit = 1 << 18

        /// Most elements of a shared operand that stay in a core's L2 cache from one piece
        /// to the next (2¹⁶: 256 KiB of floats; Zen 4 has 1 MiB). Pieces of products
        /// whose shared operand is larger must be at least `minimumPieceColumns` or
        /// `minimumPieceRows` wide; smaller ones may be thin, which balances the short
        /// products of a small network better (784-128-10: 64×784 and 132×64 shared).
        static let cachedSharedLimit = 1 << 16

        /// Fewest columns in a column piece of the shared driver (rounded up to whole
        /// tiles): each piece streams all of the packed op(A) through the cache once per
        /// K block, so a piece must be wide enough to reuse it. Measured on the
        /// 784-512-512-10 step's products (AVX-512, 2 threads, Docs/Performance.md):
        /// 32-column pieces ran 6–18 % slower than 256-column ones, 128-column ones
        /// 0–9 %.
        static let minimumPieceColumns = 256

        /// Fewest rows in a row piece of the shared driver (rounded up to whole tiles):
        /// each piece streams all of the packed op(B) once per K block. 12-row pieces ran
        /// up to 13 % slower than 24- or 36-row ones.
        static let minimumPieceRows = 36

        /// Splits C's rows in multiples of `rowBlock` (MR) or its columns in multiples
        /// of `colBlock` (NR), into at most `threads` pieces of nearly equal tile counts,
        /// each worth at least `threshold / 2` of `cost`; with `allowShared`, into
        /// smaller pieces for the shared driver when its packed operand fits.
        @usableFromInline
        init(m: Int, n: Int, k: Int, threads: Int, rowBlock: Int, colBlock: Int = 32, threshold: Int,
             alwaysSplit: Bool = false, allowShared: Bool = false) {
            chunks = 1
            splitRows = true
            step = max(m, 1)
            extent = m
            let rb = max(1, rowBlock), cb = max(1, colBlock)
            let work = Plan.cost(m: m, n: n, k: k, rowBlock: rb, colBlock: cb)
            guard threads > 1, m > 0, n > 0, alwaysSplit || work >= Double(threshold) else { return }
            let perThread = Double(max(1, threshold / 2))
            let wanted = alwaysSplit ? threads : min(threads, max(1, Int(min(work / perThread, 1e9))))
            // Each thread packs its own slice of one operand and all of the other:
            // a row split repacks op(B) (k×n) per thread, a column split repacks
            // op(A) (m×k). Split the larger dimension of C so the smaller operand
            // is the one repacked, as long as it yields enough whole tiles.
            let rowTiles = (m + rb - 1) / rb
            let colTiles = (n + cb - 1) / cb
            let byRows: Bool
            if n > m {
                byRows = colTiles < wanted && rowTiles > colTiles
            } else {
                byRows = rowTiles >= wanted || rowTiles >= colTiles
            }
            let tiles = byRows ? rowTiles : colTiles, unit = byRows ? rb : cb
            splitRows = byRows
            extent = byRows ? m : n
            let parts = min(wanted, tiles)
            step = (tiles + parts - 1) / parts * unit
            chunks = (extent + step - 1) / step
            workers = chunks
            // Shared driver, when the operand every thread packs whole is small enough:
            // 1 to 8 pieces per thread, each worth at least a quarter of the threshold
            // and, when the shared operand is too large to stay in L2 between pieces,
            // at least `minimumPieceRows` rows or `minimumPieceColumns` columns wide;
            // of those, the cut that finishes first on equal threads (`makespan`), the
            // one with more pieces on a tie (a thread held up on a busy core then
            // leaves less undone). Tests (`alwaysSplit`) get one-tile pieces.
            let sharedElements = byRows ? k * (colTiles * cb) : (rowTiles * rb) * k
            guard allowShared, chunks > 1, m > 1, n > 1, k > 0, sharedElements <= Plan.sharedLimit else { return }
            var tilesPerPiece = 1
            if !alwaysSplit {
                let tileWork = max(1, work / Double(tiles))
                let wide = sharedElements <= Plan.cachedSharedLimit ? 1
                    : byRows ? (Plan.minimumPieceRows + rb - 1) / rb : (Plan.minimumPieceColumns + cb - 1) / cb
                let share = (tiles + threads - 1) / threads
                let least = min(share, max(wide, Int(min((Double(threshold) / 4 / tileWork).rounded(.up), 1e9))))
                var best = Int.max
                func consider(_ t: Int) {
                    guard t >= least && t <= share else { return }
                    let span = Plan.makespan(tiles: tiles, perPiece: t, threads: threads)
                    if span < best || (span == best && t < tilesPerPiece) { (best, tilesPerPiece) = (span, t) }
                }
                for t in least...min(share, least + 15) { consider(t) }
                for perThread in 1...8 { consider((tiles + threads * perThread - 1) / (threads * perThread)) }
            }
            let pieces = (tiles + tilesPerPiece - 1) / tilesPerPiece
            guard pieces > 1 else { return }
            shared = true
            step = tilesPerPiece * unit
            chunks = (extent + step - 1) / step
            workers = min(threads, chunks)
        }

        /// Tiles the busiest of `threads` equally fast threads computes when `tiles` are
        /// cut into pieces of `perPiece` tiles (the last one shorter) handed out in
        /// turn: with P pieces, q = P / threads, e = P mod threads and r tiles in the
        /// last piece,
        ///
        /// ```
        /// makespan = q·t        e = 0   (one thread: all the tiles)
        ///            q·t + r    e = 1   (the thread with one piece more has the short one)
        ///            (q + 1)·t  e ≥ 2
        /// ```
        @usableFromInline
        static func makespan(tiles: Int, perPiece t: Int, threads: Int) -> Int {
            let t = max(1, t), threads = max(1, threads)
            guard threads > 1 else { return tiles }
            let pieces = (tiles + t - 1) / t, last = tiles - (pieces - 1) * t
            let (q, e) = pieces.quotientAndRemainder(dividingBy: threads)
            switch e {
            case 0: return q * t
            case 1: return q * t + last
            default: return (q + 1) * t
            }
        }

        /// Estimated cost of one product in multiply-adds: the micro-kernel runs whole
        /// MR × NR tiles (edge tiles are padded), each operand is packed once per
        /// micro-panel row or column, and every tile of C is read or written once.
        ///
        /// ```
        /// cost = m′·n′·k + 8·k·(m′ + n′) + 16·m′·n′      m′ = ⌈m/MR⌉·MR,  n′ = ⌈n/NR⌉·NR
        /// ```
        ///
        /// So skinny products whose padding or packing dominates (256×10·10×512, a
        /// 10-wide output layer) count for what they cost, not just for m·n·k.
        @usableFromInline @inline(__always)
        static func cost(m: Int, n: Int, k: Int, rowBlock: Int, colBlock: Int) -> Double {
            let rb = Double(max(1, rowBlock)), cb = Double(max(1, colBlock))
            let mp = (Double(max(m, 0)) / rb).rounded(.up) * rb
            let np = (Double(max(n, 0)) / cb).rounded(.up) * cb
            let kk = Double(max(k, 0))
            return mp * np * kk + 8 * kk * (mp + np) + 16 * mp * np
        }

        /// The half-open range of rows or columns of piece `i`.
        @usableFromInline
        func range(_ i: Int) -> (Int, Int) {
            let lo = i * step
            return (lo, min(extent, lo + step))
        }
    }
}

/// The matrix-multiply kernel on raw row-major buffers (the same code path `Tensor`
/// matmul uses). Its name is public; `multiply` is for the package's benchmarks.
///
/// `C[m×n] = op(A)[m×k] · op(B)[k×n] (+ C when accumulate)`, where op(X) is
/// X or Xᵀ; `lda`, `ldb`, `ldc` are row strides as stored. Multithreaded per
/// `ComputeThreads.count` unless `threads` is given.
public enum MatrixMultiplyKernel {
    /// Name of the kernel the running CPU uses: "avx512", "avx2" or "portable".
    public static var name: String { String(cString: bp_gemm_kernel_name()) }

    /// A `Float` or `Double` product; see the type's documentation.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    package static func multiply<Scalar: TensorScalar>(
        transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int,
        a: UnsafePointer<Scalar>, lda: Int, b: UnsafePointer<Scalar>, ldb: Int,
        c: UnsafeMutablePointer<Scalar>, ldc: Int, accumulate: Bool = false, threads: Int? = nil
    ) {
        GEMM.multiply(transA: transA, transB: transB, m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb,
                      c: c, ldc: ldc, accumulate: accumulate, threads: threads)
    }
}
