import CBackpropKernels
import Testing

/// Partial row tiles: the AVX-512 drivers compute a last row tile of up to 4 or 8 rows
/// with kernels that compute only those rows. Every element must get the bits it gets
/// inside a full tile: rows 0 ..< m of an m-row product equal the same rows of a
/// 24-row product whose first m rows of op(A) are the same (there, every row sits in a
/// full 12-row tile).
struct GEMMEdgeTileTests {
    @Test(arguments: [false, true])
    func partialRowTilesMatchFullTiles(isDouble: Bool) {
        let (n, k, full) = (45, 801, 24)  // 801: three K blocks; 45: a partial column tile
        var state: UInt64 = isDouble ? 5 : 3
        func next() -> Double {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Double(state >> 11) / Double(1 << 52) - 0.5
        }
        for (transA, transB) in [(false, false), (false, true), (true, false), (true, true)] {
            // op(A) is full × k; A as stored is k × full when transposed.
            let aFull = (0..<(full * k)).map { _ in next() }, b = (0..<(k * n)).map { _ in next() }
            let c0 = (0..<(full * n)).map { _ in next() }
            let ldb = transB ? k : n
            for accumulate in [false, true] {
                let reference = product(isDouble, transA, transB, m: full, n, k, aFull, lda: transA ? full : k,
                                        b, ldb: ldb, c0, accumulate)
                for m in [2, 3, 4, 5, 8, 11, 13, 16, 17, 20, 23] {  // (m = 1 is a matrix-vector product)
                    // The first m rows of op(A): rows of A, or the first m columns of Aᵀ as stored
                    // (same buffer, lda = full).
                    let a = transA ? aFull : Array(aFull[0..<(m * k)])
                    let c = product(isDouble, transA, transB, m: m, n, k, a, lda: transA ? full : k, b, ldb: ldb,
                                    Array(c0[0..<(m * n)]), accumulate)
                    let same = c == Array(reference[0..<(m * n)])
                    #expect(same, "\(isDouble ? "Double" : "Float") m=\(m) transA=\(transA) transB=\(transB) accumulate=\(accumulate)")
                }
            }
        }
    }

    /// One `bp_sgemm` or `bp_dgemm` call (values rounded to Float for the first), C as Doubles.
    private func product(_ isDouble: Bool, _ transA: Bool, _ transB: Bool, m: Int, _ n: Int, _ k: Int,
                         _ a: [Double], lda: Int, _ b: [Double], ldb: Int, _ c0: [Double],
                         _ accumulate: Bool) -> [Double] {
        let (ta, tb, acc): (Int32, Int32, Int32) = (transA ? 1 : 0, transB ? 1 : 0, accumulate ? 1 : 0)
        if isDouble {
            var c = accumulate ? c0 : [Double](repeating: .nan, count: m * n)
            bp_dgemm(ta, tb, m, n, k, a, lda, b, ldb, &c, n, acc)
            return c
        }
        let (af, bf) = (a.map(Float.init), b.map(Float.init))
        var c = accumulate ? c0.map(Float.init) : [Float](repeating: .nan, count: m * n)
        bp_sgemm(ta, tb, m, n, k, af, lda, bf, ldb, &c, n, acc)
        return c.map(Double.init)
    }
}
