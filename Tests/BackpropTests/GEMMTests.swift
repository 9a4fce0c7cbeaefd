import CBackpropKernels
import Foundation
import Testing

@testable import Backprop

/// Element types under test, with the GEMM overload and the tolerance per unit of k.
private protocol GEMMScalar: BinaryFloatingPoint {
    static var tolerancePerK: Double { get }
    static func fromDoubles(_ xs: [Double]) -> [Self]
    static func toDoubles(_ xs: [Self]) -> [Double]
    static func gemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
                     a: UnsafePointer<Self>, lda: Int, b: UnsafePointer<Self>, ldb: Int,
                     c: UnsafeMutablePointer<Self>, ldc: Int, accumulate: Bool, threads: Int, alwaysSplit: Bool,
                     staticSplit: Bool)
}

extension Float: GEMMScalar {
    static var tolerancePerK: Double { 1e-5 }
    static func fromDoubles(_ xs: [Double]) -> [Float] {
        [Float](unsafeUninitializedCapacity: xs.count) { out, count in
            xs.withUnsafeBufferPointer { src in for i in 0..<src.count { out[i] = Float(src[i]) } }
            count = xs.count
        }
    }
    static func toDoubles(_ xs: [Float]) -> [Double] {
        [Double](unsafeUninitializedCapacity: xs.count) { out, count in
            xs.withUnsafeBufferPointer { src in for i in 0..<src.count { out[i] = Double(src[i]) } }
            count = xs.count
        }
    }
    static func gemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
                     a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                     c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool, threads: Int, alwaysSplit: Bool,
                     staticSplit: Bool) {
        GEMM.multiply(transA: transA, transB: transB, m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb,
                      c: c, ldc: ldc, accumulate: accumulate, threads: threads, alwaysSplit: alwaysSplit,
                      staticSplit: staticSplit)
    }
}

extension Double: GEMMScalar {
    static var tolerancePerK: Double { 1e-13 }
    static func fromDoubles(_ xs: [Double]) -> [Double] { xs }
    static func toDoubles(_ xs: [Double]) -> [Double] { xs }
    static func gemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
                     a: UnsafePointer<Double>, lda: Int, b: UnsafePointer<Double>, ldb: Int,
                     c: UnsafeMutablePointer<Double>, ldc: Int, accumulate: Bool, threads: Int, alwaysSplit: Bool,
                     staticSplit: Bool) {
        GEMM.multiply(transA: transA, transB: transB, m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb,
                      c: c, ldc: ldc, accumulate: accumulate, threads: threads, alwaysSplit: alwaysSplit,
                      staticSplit: staticSplit)
    }
}

/// Deterministic uniform values in [-1, 1).
private struct LCG {
    var state: UInt64
    mutating func next() -> Double {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return Double(state >> 11) / Double(1 << 52) - 1
    }
    mutating func int(_ upper: Int) -> Int { Int(next() * 0.5 * Double(upper) + 0.5 * Double(upper)) % upper }
    mutating func array(_ count: Int) -> [Double] {
        var xs = [Double](repeating: 0, count: count)
        xs.withUnsafeMutableBufferPointer { p in for i in 0..<p.count { p[i] = next() } }
        return xs
    }
}

/// Checks one (m, n, k) shape in every transpose combination, with and without
/// accumulate, on 1 and 2 threads, with padded strides. Returns the number of failures.
/// Two threads always split C here (`alwaysSplit`), whatever the size, so the
/// row and column splits are exercised on every shape: through the shared driver
/// (one-tile pieces claimed on the fly) unless `staticSplit`. Through the shared
/// driver every thread count must give the one-thread result bit for bit.
@discardableResult
private func check<T: GEMMScalar>(_: T.Type, m: Int, n: Int, k: Int, seed: UInt64,
                                  threadCounts: [Int]? = nil, staticSplit: Bool = false) -> Int {
    let threadCounts = threadCounts ?? [1, 2]
    var rng = LCG(state: seed &+ UInt64(m * 1_000_003 + n * 1009 + k))
    var failures = 0
    for transA in [false, true] {
        for transB in [false, true] {
            // Stored shapes and padded row strides.
            let (aRows, aCols) = transA ? (k, m) : (m, k)
            let (bRows, bCols) = transB ? (n, k) : (k, n)
            let lda = max(1, aCols + rng.int(4)), ldb = max(1, bCols + rng.int(4)), ldc = max(1, n + rng.int(4))
            // Values are rounded to T first so the Double reference sees exactly the inputs.
            let a = T.fromDoubles(rng.array(max(aRows * lda, 1)))
            let b = T.fromDoubles(rng.array(max(bRows * ldb, 1)))
            let c0 = T.fromDoubles(rng.array(max(m * ldc, 1)))
            let c0d = T.toDoubles(c0)
            var c0nan = c0d  // without accumulate C starts as NaN: the kernel must not read it
            for i in 0..<m { for j in 0..<n { c0nan[i * ldc + j] = .nan } }
            let c0n = T.fromDoubles(c0nan)

            // Naive reference in Double (unsafe pointers: this runs in debug builds).
            let ad = T.toDoubles(a), bd = T.toDoubles(b)
            var ref = [Double](repeating: 0, count: m * n)
            ad.withUnsafeBufferPointer { pa in
                bd.withUnsafeBufferPointer { pb in
                    ref.withUnsafeMutableBufferPointer { pr in
                        let (sai, sap) = transA ? (1, lda) : (lda, 1)  // strides of op(A) along i and p
                        let (sbp, sbj) = transB ? (1, ldb) : (ldb, 1)  // strides of op(B) along p and j
                        for i in 0..<m {
                            for j in 0..<n {
                                var s = 0.0
                                for p in 0..<k { s += pa[i * sai + p * sap] * pb[p * sbp + j * sbj] }
                                pr[i * n + j] = s
                            }
                        }
                    }
                }
            }

            for accumulate in [false, true] {
                var first: [T]?
                for threads in threadCounts {
                    var c = accumulate ? c0 : c0n
                    a.withUnsafeBufferPointer { pa in
                        b.withUnsafeBufferPointer { pb in
                            c.withUnsafeMutableBufferPointer { pc in
                                T.gemm(transA: transA, transB: transB, m: m, n: n, k: k,
                                       a: pa.baseAddress!, lda: lda, b: pb.baseAddress!, ldb: ldb,
                                       c: pc.baseAddress!, ldc: ldc, accumulate: accumulate, threads: threads,
                                       alwaysSplit: true, staticSplit: staticSplit)
                            }
                        }
                    }
                    // (Static pieces are separate calls, and a thin last piece may take the
                    // small or matrix-vector path, so only the shared driver, which takes
                    // m, n ≥ 2, is bit-exact here.)
                    if let first, !staticSplit, m > 1, n > 1 {
                        let same = first.withUnsafeBytes { x in c.withUnsafeBytes { y in x.elementsEqual(y) } }
                        #expect(same, "\(T.self) m=\(m) n=\(n) k=\(k) transA=\(transA) transB=\(transB) accumulate=\(accumulate): \(threads) threads differ from \(threadCounts[0]) (static split: \(staticSplit))")
                        if !same { failures += 1 }
                    } else {
                        first = c
                    }
                    let cd = T.toDoubles(c)
                    var worst = 0.0
                    var paddingTouched = false
                    for i in 0..<m {
                        for j in 0..<ldc {
                            let got = cd[i * ldc + j]
                            if j >= n {
                                if got != c0d[i * ldc + j] { paddingTouched = true }
                                continue
                            }
                            let want = ref[i * n + j] + (accumulate ? c0d[i * ldc + j] : 0)
                            let err = abs(got - want) / max(1, abs(want))
                            worst = got.isNaN ? .infinity : max(worst, err)
                        }
                    }
                    let tolerance = T.tolerancePerK * Double(k + 1)
                    let ok = worst <= tolerance && !paddingTouched
                    #expect(ok, "\(T.self) m=\(m) n=\(n) k=\(k) transA=\(transA) transB=\(transB) accumulate=\(accumulate) threads=\(threads) kernel=\(MatrixMultiplyKernel.name): error \(worst) > \(tolerance), padding touched: \(paddingTouched)")
                    if !ok { failures += 1 }
                }
            }
        }
    }
    return failures
}

/// Shapes: empty, unit, primes and other non-multiples of the tiles (6×16,
/// 12×32, 4×8), more than one MC / KC / NC block, taller than wide (split by
/// rows) and wider than tall (split by columns), and matrix-vector products
/// (m = 1 or n = 1).
private let shapes: [(m: Int, n: Int, k: Int)] = [
    (0, 5, 3), (5, 0, 3), (4, 5, 0), (0, 0, 0), (1, 1, 1), (2, 2, 2), (3, 1, 7),
    (1, 17, 33), (17, 1, 33), (17, 33, 1), (17, 33, 65), (33, 65, 17), (65, 17, 33),
    (6, 16, 64), (12, 32, 64), (7, 15, 100), (13, 33, 129), (129, 20, 11),
    (150, 20, 270), (7, 2100, 3), (129, 64, 100), (40, 129, 100), (3, 700, 50),
    // Several K blocks for every kernel (AVX-512 KC = 384–512: 801 → 2 or 3 blocks).
    (37, 70, 801), (13, 45, 390),
    // Matrix-vector products (their own path).
    (1, 129, 65), (129, 1, 65), (1, 1, 700), (1, 300, 70), (300, 1, 70),
]

/// Fewer, smaller shapes for the forced (non-default) kernels.
private let forcedShapes: [(m: Int, n: Int, k: Int)] = [
    (1, 1, 1), (17, 33, 65), (6, 16, 64), (13, 33, 129), (150, 20, 270), (7, 2100, 3), (66, 65, 64), (1, 77, 90), (90, 1, 77),
    (37, 70, 801),
]

/// The GEMM calls of one training step of 784-128-10 (batch 64) and
/// 784-512-512-10 (batch 256), as `backprop-bench matmul --shapes mlp` times them:
/// forward x·Wᵀ (NT), ∂W = Gᵀ·x (TN), ∂x = G·W (NN).
private let mlpShapes: [(m: Int, n: Int, k: Int, transA: Bool, transB: Bool)] = [
    (64, 128, 784, false, true), (64, 10, 128, false, true), (10, 128, 64, true, false),
    (64, 128, 10, false, false), (128, 784, 64, true, false),
    (256, 512, 784, false, true), (256, 512, 512, false, true), (256, 10, 512, false, true),
    (10, 512, 256, true, false), (256, 512, 10, false, false), (512, 512, 256, true, false),
    (256, 512, 512, false, false), (512, 784, 256, true, false),
]

/// The suite is serialized: its products are large and each already uses both cores.
@Suite(.serialized)
struct GEMMTests {
    @Test func floatMatchesNaiveProduct() {
        for (i, s) in shapes.enumerated() { check(Float.self, m: s.m, n: s.n, k: s.k, seed: UInt64(i)) }
    }

    @Test func doubleMatchesNaiveProduct() {
        for (i, s) in shapes.enumerated() { check(Double.self, m: s.m, n: s.n, k: s.k, seed: UInt64(100 + i)) }
    }

    /// Runs in a child process: forcing a kernel is process-wide, and other suites compare
    /// products bit for bit (fused against plain programs, one thread against two) while
    /// this suite runs; a lesser kernel rounds differently.
    @Test func forcedKernelsMatchNaiveProduct() async {
        await #expect(processExitsWith: .success) {
            let best = MatrixMultiplyKernel.name
            var failures = 0
            for (kernel, expected) in [(Int32(1), "portable"), (2, "avx2")] {
                if kernel == 2 && best == "portable" { continue }  // CPU without AVX2: nothing to force
                bp_gemm_force_kernel(kernel)
                if MatrixMultiplyKernel.name != expected { failures += 1 }
                for (i, s) in forcedShapes.enumerated() {
                    failures += check(Float.self, m: s.m, n: s.n, k: s.k, seed: UInt64(200 + i))
                    failures += check(Double.self, m: s.m, n: s.n, k: s.k, seed: UInt64(300 + i))
                }
            }
            exit(failures == 0 ? 0 : 1)
        }
    }

    /// Both AVX-512 float blockings (KC 400 for cores with an L2 under 2 MiB, KC 512 for
    /// 2 MiB), whichever this CPU chose: shapes past every MC, KC and NC boundary of
    /// either, against the naive product, one thread against two bit for bit, and the
    /// static (team) split. In a child process: the blocking is process-wide, and it sets
    /// the K blocks, so the bits, of every float product other suites compare meanwhile.
    @Test func bothFloatBlockingsMatchNaiveProduct() async {
        guard MatrixMultiplyKernel.name == "avx512" else { return }  // the blocking of another kernel
        await #expect(processExitsWith: .success) {
            var failures = 0
            let blockShapes = [(37, 70, 801), (150, 20, 1030), (97, 1100, 65), (200, 64, 513), (13, 2100, 9)]
            for (blocking, kBlock) in [(Int32(1), 344), (2, 512)] {
                bp_gemm_force_float_blocking(blocking)
                if bp_gemm_k_block(0, 1024) != kBlock { failures += 1 }  // the hook took effect
                for (i, s) in blockShapes.enumerated() {
                    failures += check(Float.self, m: s.0, n: s.1, k: s.2, seed: UInt64(600 + i))
                    failures += check(Float.self, m: s.0, n: s.1, k: s.2, seed: UInt64(700 + i), staticSplit: true)
                }
            }
            exit(failures == 0 ? 0 : 1)
        }
    }

    @Test func staticSplitMatchesNaiveProduct() {
        for (i, s) in shapes.enumerated() {
            check(Float.self, m: s.m, n: s.n, k: s.k, seed: UInt64(400 + i), staticSplit: true)
            check(Double.self, m: s.m, n: s.n, k: s.k, seed: UInt64(500 + i), staticSplit: true)
        }
    }

    /// The training-step shapes, exactly as the layers call them (dense strides), on
    /// one thread, two threads as planned, two threads through the shared driver with
    /// one-tile pieces, and two static pieces: all bit-identical to one thread and
    /// within rounding of the naive reference.
    @Test func mlpShapesMatchReferenceOnEveryThreadCount() {
        var rng = LCG(state: 77)
        for s in mlpShapes {
            let lda = s.transA ? s.m : s.k, ldb = s.transB ? s.k : s.n
            let a = Float.fromDoubles(rng.array(s.m * s.k)), b = Float.fromDoubles(rng.array(s.k * s.n))
            var ref = [Float](repeating: 0, count: s.m * s.n)
            bp_sgemm_reference(s.transA ? 1 : 0, s.transB ? 1 : 0, s.m, s.n, s.k, a, lda, b, ldb, &ref, s.n, 0)
            func run(threads: Int, alwaysSplit: Bool, staticSplit: Bool) -> [Float] {
                var c = [Float](repeating: .nan, count: s.m * s.n)
                a.withUnsafeBufferPointer { pa in
                    b.withUnsafeBufferPointer { pb in
                        c.withUnsafeMutableBufferPointer { pc in
                            _ = GEMM.multiply(transA: s.transA, transB: s.transB, m: s.m, n: s.n, k: s.k,
                                              a: pa.baseAddress!, lda: lda, b: pb.baseAddress!, ldb: ldb,
                                              c: pc.baseAddress!, ldc: s.n, accumulate: false, threads: threads,
                                              alwaysSplit: alwaysSplit, staticSplit: staticSplit)
                        }
                    }
                }
                return c
            }
            let one = run(threads: 1, alwaysSplit: false, staticSplit: false)
            var worst = 0.0
            for i in 0..<one.count {
                let want = Double(ref[i])
                worst = one[i].isNaN ? .infinity : max(worst, abs(Double(one[i]) - want) / max(1, abs(want)))
            }
            #expect(worst <= 1e-5 * Double(s.k + 1), "\(s): error \(worst)")
            // Static pieces of these shapes are all packed products, so they are bit-exact too.
            for (alwaysSplit, staticSplit) in [(false, false), (true, false), (false, true), (true, true)] {
                let two = run(threads: 2, alwaysSplit: alwaysSplit, staticSplit: staticSplit)
                #expect(two == one, "\(s): 2 threads (alwaysSplit \(alwaysSplit), static \(staticSplit)) differ from 1")
            }
        }
    }

    @Test func sharedPlanForTrainingShapes() {
        let t = 1 << 21
        // 64×784 · 784×128 (forward, 784-128-10): column pieces of whole 16-wide tiles, shared driver.
        let f = GEMM.Plan(m: 64, n: 128, k: 784, threads: 2, rowBlock: 6, colBlock: 16, threshold: t, allowShared: true)
        #expect(f.shared && !f.splitRows && f.step % 16 == 0 && f.chunks >= 2 && f.workers == 2)
        #expect(f.range(f.chunks - 1).1 == 128)
        // Without the shared driver: two static pieces of 64 columns.
        let g = GEMM.Plan(m: 64, n: 128, k: 784, threads: 2, rowBlock: 6, colBlock: 16, threshold: t)
        #expect(!g.shared && g.chunks == 2 && g.workers == 2 && g.step == 64)
        // 128×64 · 64×784 (∂W): 784 columns split at multiples of 16, not 32 (400 + 384).
        let w = GEMM.Plan(m: 128, n: 784, k: 64, threads: 2, rowBlock: 6, colBlock: 16, threshold: t)
        #expect(w.chunks == 2 && !w.splitRows && w.step == 400)
        // The 10-wide output layer of batch 256 is split (cost counts the padded tile),
        // the batch-64 one is not.
        let o = GEMM.Plan(m: 256, n: 10, k: 512, threads: 2, rowBlock: 6, colBlock: 16, threshold: t, allowShared: true)
        #expect(o.chunks >= 2 && o.splitRows && o.step % 6 == 0)
        #expect(GEMM.Plan(m: 64, n: 10, k: 128, threads: 2, rowBlock: 6, colBlock: 16, threshold: t, allowShared: true).chunks == 1)
        // The shared operand must fit: 1024×1024 packs 1 M elements, so static pieces.
        let big = GEMM.Plan(m: 1024, n: 1024, k: 1024, threads: 2, rowBlock: 6, colBlock: 16, threshold: t, allowShared: true)
        #expect(!big.shared && big.chunks == 2)
        // Every training-step product fits (the largest shared operand: 256×784 for 784-512-512-10).
        for s in mlpShapes where s.m * s.n * s.k > 1_000_000 {
            let p = GEMM.Plan(m: s.m, n: s.n, k: s.k, threads: 2, rowBlock: 6, colBlock: 16, threshold: t, allowShared: true)
            #expect(p.shared && p.workers == 2 && p.chunks >= 2, "\(s)")
        }
        // The cost model: padded tiles, packing and the pass over C.
        #expect(GEMM.Plan.cost(m: 6, n: 16, k: 1, rowBlock: 6, colBlock: 16) == 96 + 8 * 22 + 16 * 96)
    }

    /// The 784-512-512-10 and 784-128-10 step products with the AVX-512 tiling (12 × 32,
    /// threshold 2²³): shared pieces of at least 256 columns or 36 rows (thinner pieces
    /// stream the whole packed shared operand too often), cut so that two threads
    /// finish together.
    @Test func sharedPiecesAreWideEnoughToReuseThePackedOperand() {
        func plan(_ m: Int, _ n: Int, _ k: Int) -> GEMM.Plan {
            GEMM.Plan(m: m, n: n, k: k, threads: 2, rowBlock: 12, colBlock: 32, threshold: 1 << 23, allowShared: true)
        }
        // Forward L1, forward L2 and ∂x L2 (256 rows, 512 columns): 2 pieces of 256 columns.
        for (m, n, k) in [(256, 512, 784), (256, 512, 512)] {
            let p = plan(m, n, k)
            #expect(p.shared && !p.splitRows && p.step == 256 && p.chunks == 2, "\(m)×\(n)×\(k)")
        }
        // ∂W L1 (784 columns, 25 tiles): 384 + 384 + 16 columns (4 pieces of 7 tiles would
        // leave one thread 14 tiles and the other 11).
        let w1 = plan(512, 784, 256)
        #expect(w1.shared && !w1.splitRows && w1.step == 384 && w1.chunks == 3)
        // ∂W L2 (512 × 512, 43 row tiles): 15 pieces of 36 rows (22 tiles for the busier thread).
        let w2 = plan(512, 512, 256)
        #expect(w2.shared && w2.splitRows && w2.step == 36 && w2.chunks == 15 && w2.range(14).1 == 512)
        // 784-128-10 (shared operands 72×784 and 132×64 stay in L2): thin pieces, which
        // balance these short products better; forward 4 × 32 columns, ∂W L1 4 × 192 + 16.
        let f = plan(64, 128, 784)
        #expect(f.shared && !f.splitRows && f.step == 32 && f.chunks == 4)
        let w = plan(128, 784, 64)
        #expect(w.shared && !w.splitRows && w.step == 192 && w.chunks == 5)
        // Tests may still ask for one-tile pieces.
        let t = GEMM.Plan(m: 256, n: 512, k: 784, threads: 2, rowBlock: 12, colBlock: 32, threshold: 1 << 23,
                          alwaysSplit: true, allowShared: true)
        #expect(t.shared && t.step == 32)
    }

    /// The busiest thread's tiles when pieces are handed out in turn (closed form
    /// against a direct count).
    @Test func makespanCountsTheBusiestThread() {
        for tiles in 1...40 {
            for t in 1...tiles {
                for threads in 1...4 {
                    var loads = [Int](repeating: 0, count: threads)
                    var start = 0, piece = 0
                    while start < tiles {
                        loads[piece % threads] += min(t, tiles - start)
                        start += t
                        piece += 1
                    }
                    #expect(GEMM.Plan.makespan(tiles: tiles, perPiece: t, threads: threads) == loads.max()!,
                            "tiles \(tiles), per piece \(t), threads \(threads)")
                }
            }
        }
    }

    @Test func kernelNameIsKnown() {
        #expect(["avx512", "avx2", "portable"].contains(MatrixMultiplyKernel.name))
        // Faster kernels need more work before threads pay off; doubles run at half speed.
        #expect(GEMM.parallelThreshold(isDouble: true) < GEMM.parallelThreshold(isDouble: false))
        #expect(GEMM.parallelThreshold(isDouble: true) > 0)
    }

    @Test func threadPlanSplitsEvenlyOnTileBoundaries() {
        // Tiny products stay on the calling thread.
        #expect(GEMM.Plan(m: 2, n: 2, k: 2, threads: 2, rowBlock: 6, threshold: 1 << 21).chunks == 1)
        #expect(GEMM.Plan(m: 1024, n: 1024, k: 1024, threads: 1, rowBlock: 6, threshold: 1 << 21).chunks == 1)
        // Large: one row block per thread, multiples of the tile height, covering all rows.
        let p = GEMM.Plan(m: 1000, n: 1000, k: 1024, threads: 2, rowBlock: 6, threshold: 1 << 21)
        #expect(p.chunks == 2 && p.splitRows && p.step % 6 == 0)
        #expect(p.range(0).0 == 0 && p.range(p.chunks - 1).1 == 1000)
        // Wider than tall: split columns, in multiples of 32.
        let q = GEMM.Plan(m: 4, n: 4096, k: 1024, threads: 2, rowBlock: 6, threshold: 1 << 21)
        #expect(q.chunks == 2 && !q.splitRows && q.step % 32 == 0 && q.range(1).1 == 4096)
        let r = GEMM.Plan(m: 64, n: 128, k: 784, threads: 2, rowBlock: 6, threshold: 1 << 21)
        #expect(r.chunks == 2 && !r.splitRows)
    }

    @Test func computeThreadsCountIsSettable() {
        #expect(ComputeThreads.count >= 1)
        ComputeThreads.count = 3
        #expect(ComputeThreads.count == 3)
        ComputeThreads.count = 0
        #expect(ComputeThreads.count == 1)
        ComputeThreads.reset()
        #expect(ComputeThreads.count == ComputeThreads.defaultCount)
    }
}
