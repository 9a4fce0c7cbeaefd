import CBackpropKernels
import Dispatch
import Foundation
import Testing

/// The team driver (`bp_sgemm_team` / `bp_dgemm_team`): threads that split C by
/// rows and pack op(B) once between them must give one `bp_sgemm` call's result
/// bit for bit, whether the threads run at once or one after another (a thread
/// may finish before another starts: it then packs every piece itself).
@Suite(.serialized)
struct GEMMTeamTests {
    /// Shapes with several K blocks (AVX-512 KC = 384–512, AVX2 and portable 256), partial
    /// tiles and packing pieces (128 columns), a last row range shorter than a tile and
    /// an empty one (40 rows in three parts: 24, 16, 0).
    static let shapes: [(m: Int, n: Int, k: Int)] = [
        (40, 150, 801), (97, 130, 390), (26, 2048, 70), (50, 129, 513), (200, 64, 64),
    ]

    /// Row ranges of `m` cut into `parts` pieces at multiples of 12 (the AVX-512 row
    /// tile; any cut is allowed, this one mimics the planner).
    static func ranges(m: Int, parts: Int) -> [(Int, Int)] {
        let step = ((m + parts - 1) / parts + 11) / 12 * 12
        return (0..<parts).map { (min(m, $0 * step), min(m, ($0 + 1) * step)) }
    }

    /// Deterministic values in [−0.5, 0.5), one per call.
    static func values(seed: UInt64) -> () -> Double {
        var state = seed
        return {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Double(state >> 11) / Double(1 << 52) - 0.5
        }
    }

    @Test(arguments: [false, true])
    func teamMatchesOneCallBitForBit(isDouble: Bool) {
        let next = Self.values(seed: isDouble ? 11 : 7)
        for s in Self.shapes {
            for (transA, transB) in [(false, false), (false, true), (true, false), (true, true)] {
                let lda = (transA ? s.m : s.k) + 3, ldb = (transB ? s.k : s.n) + 1, ldc = s.n + 2
                let a = (0..<((transA ? s.k : s.m) * lda)).map { _ in next() }
                let b = (0..<((transB ? s.n : s.k) * ldb)).map { _ in next() }
                let c0 = (0..<(s.m * ldc)).map { _ in next() }
                for accumulate in [false, true] {
                    let one = product(isDouble: isDouble, s, transA, transB, a, lda, b, ldb, c0, ldc, accumulate,
                                      parts: nil, concurrent: false)
                    for parts in [2, 3] {
                        for concurrent in [false, true] {
                            let team = product(isDouble: isDouble, s, transA, transB, a, lda, b, ldb, c0, ldc,
                                               accumulate, parts: parts, concurrent: concurrent)
                            let same = team == one  // (not inside #expect: it would print both arrays)
                            #expect(same, "\(isDouble ? "Double" : "Float") \(s) transA=\(transA) transB=\(transB) accumulate=\(accumulate) parts=\(parts) concurrent=\(concurrent)")
                        }
                    }
                }
            }
        }
    }

    /// One product through `bp_?gemm` (parts nil) or a team of `parts` row ranges, run
    /// one after another on this thread or at once on Dispatch workers; C as Doubles.
    func product(isDouble: Bool, _ s: (m: Int, n: Int, k: Int), _ transA: Bool, _ transB: Bool,
                 _ a: [Double], _ lda: Int, _ b: [Double], _ ldb: Int, _ c0: [Double], _ ldc: Int,
                 _ accumulate: Bool, parts: Int?, concurrent: Bool) -> [Double] {
        let flags: (Int32, Int32, Int32) = (transA ? 1 : 0, transB ? 1 : 0, accumulate ? 1 : 0)
        let strides = (lda, ldb, ldc)
        if isDouble {
            return product(s, flags, strides, a, b, c0, parts: parts, concurrent: concurrent, isDouble: true,
                           one: bp_dgemm, team: bp_dgemm_team)
        }
        return product(s, flags, strides, a.map(Float.init), b.map(Float.init), c0.map(Float.init), parts: parts,
                       concurrent: concurrent, isDouble: false, one: bp_sgemm, team: bp_sgemm_team).map(Double.init)
    }

    /// The product in element type T through `one` (a `bp_?gemm`) or a team's `team`
    /// (a `bp_?gemm_team`); flags are transA, transB, accumulate; strides lda, ldb, ldc.
    func product<T: BinaryFloatingPoint & SendableMetatype>(
        _ s: (m: Int, n: Int, k: Int), _ flags: (Int32, Int32, Int32), _ strides: (Int, Int, Int),
        _ a: [T], _ b: [T], _ c0: [T], parts: Int?, concurrent: Bool, isDouble: Bool,
        one: @escaping @Sendable (Int32, Int32, Int, Int, Int, UnsafePointer<T>?, Int, UnsafePointer<T>?, Int,
                                  UnsafeMutablePointer<T>?, Int, Int32) -> Void,
        team: @escaping @Sendable (UnsafeMutableRawPointer?, Int, Int, Int32, Int32, Int, Int, Int,
                                   UnsafePointer<T>?, Int, UnsafePointer<T>?, Int, UnsafeMutablePointer<T>?, Int,
                                   Int32) -> Void
    ) -> [T] {
        let (ta, tb, acc) = flags, (lda, ldb, ldc) = strides
        var c = c0
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                c.withUnsafeMutableBufferPointer { pc in
                    let (ua, ub, uc) = (UInt(bitPattern: pa.baseAddress), UInt(bitPattern: pb.baseAddress),
                                        UInt(bitPattern: pc.baseAddress))
                    run(s, parts: parts, concurrent: concurrent, isDouble: isDouble) { t, lo, rows in
                        let (a, b, c) = (UnsafePointer<T>(bitPattern: ua), UnsafePointer<T>(bitPattern: ub),
                                         UnsafeMutablePointer<T>(bitPattern: uc))
                        if let t {
                            team(t, lo, rows, ta, tb, s.m, s.n, s.k, a, lda, b, ldb, c, ldc, acc)
                        } else {
                            one(ta, tb, s.m, s.n, s.k, a, lda, b, ldb, c, ldc, acc)
                        }
                    }
                }
            }
        }
        return c
    }

    /// Calls `body(nil, 0, m)` once (parts nil), or acquires a team (it must qualify)
    /// and calls `body(team, lo, rows)` per row range.
    func run(_ s: (m: Int, n: Int, k: Int), parts: Int?, concurrent: Bool, isDouble: Bool,
             _ body: @escaping @Sendable (UnsafeMutableRawPointer?, Int, Int) -> Void) {
        guard let parts else { return body(nil, 0, s.m) }
        let team = bp_gemm_team_acquire(isDouble ? 1 : 0, s.m, s.n, s.k)
        #expect(team != nil, "\(s): no team")
        let ranges = Self.ranges(m: s.m, parts: parts)
        let ut = UInt(bitPattern: team)
        if concurrent {
            // One thread of its own per range (not Dispatch, which may run the ranges one
            // after another on a busy machine, and then no thread could steal from another).
            let group = DispatchGroup()
            for i in ranges.indices {
                group.enter()
                let thread = Thread {
                    body(UnsafeMutableRawPointer(bitPattern: ut), ranges[i].0, ranges[i].1 - ranges[i].0)
                    group.leave()
                }
                thread.start()
            }
            group.wait()
        } else {
            // The last range first: it packs every piece before the others start.
            for (lo, hi) in ranges.reversed() { body(team, lo, hi - lo) }
        }
        bp_gemm_team_release(team)
    }

    /// Tail stealing in the team's last K block: the owner of the first range to get there
    /// is slowed (a test hook), so another thread takes the far half of its open rows.
    /// The result is still one call's bits, and rows were stolen.
    @Test(arguments: [false, true])
    func stolenRowsMatchOneCallBitForBit(isDouble: Bool) {
        let next = Self.values(seed: isDouble ? 5 : 3)
        bp_gemm_add_steal_delay(20_000)
        defer { bp_gemm_add_steal_delay(-20_000) }
        // This thread's count (its teams are released here), so other suites' products
        // cannot stand in for this one's steals. (Up to five rounds: with other suites
        // busy, Dispatch may run the parts one after another, and then nothing is left
        // to steal.)
        let before = bp_gemm_thread_steal_count()
        for _ in 0..<5 where bp_gemm_thread_steal_count() == before {
            for s in [(m: 97, n: 130, k: 390), (m: 200, n: 64, k: 64), (m: 150, n: 300, k: 801)] {
                let lda = s.k + 3, ldb = s.n + 1, ldc = s.n + 2
                let a = (0..<(s.m * lda)).map { _ in next() }, b = (0..<(s.k * ldb)).map { _ in next() }
                let c0 = (0..<(s.m * ldc)).map { _ in next() }
                for accumulate in [false, true] {
                    let one = product(isDouble: isDouble, s, false, false, a, lda, b, ldb, c0, ldc, accumulate,
                                      parts: nil, concurrent: false)
                    for parts in [2, 3] {
                        let team = product(isDouble: isDouble, s, false, false, a, lda, b, ldb, c0, ldc, accumulate,
                                           parts: parts, concurrent: true)
                        let same = team == one
                        #expect(same, "\(isDouble ? "Double" : "Float") \(s) accumulate=\(accumulate) parts=\(parts)")
                    }
                }
            }
        }
        #expect(bp_gemm_thread_steal_count() > before, "no rows were stolen")
    }

    @Test func teamOnlyForProductsItHolds() {
        // Too wide (N′ > 2048), too deep (K · N′ > 2²²), vector-shaped or tiny: no team.
        for (m, n, k) in [(64, 2100, 64), (64, 1024, 4097), (1, 512, 512), (512, 1, 512), (4, 4, 4)] {
            let team = bp_gemm_team_acquire(0, m, n, k)
            #expect(team == nil, "\(m)×\(n)×\(k)")
            bp_gemm_team_release(team)
        }
        let team = bp_gemm_team_acquire(1, 1024, 1024, 1024)
        #expect(team != nil)
        bp_gemm_team_release(team)
    }
}
