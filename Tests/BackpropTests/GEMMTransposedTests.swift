import CBackpropKernels
import Testing

@testable import Backprop

/// Products with a narrow C (a 10-class output layer) run as Cᵀ = op(B)ᵀ·op(A)ᵀ
/// (`GEMM.transposesProduct`): the same bits as the C kernel run directly, within
/// rounding of the naive product.
struct GEMMTransposedTests {
    struct Shape: CustomTestStringConvertible, Sendable {
        let m, n, k: Int
        let transA, transB, accumulate: Bool
        var testDescription: String { "\(m)×\(n)×\(k) tA \(transA) tB \(transB) acc \(accumulate)" }
    }

    static let shapes: [Shape] = [
        (64, 10, 128), (256, 10, 512), (100, 3, 50), (37, 15, 200), (300, 2, 64), (13, 7, 700),
    ].flatMap { m, n, k in
        [(false, false), (false, true), (true, false), (true, true)].flatMap { tA, tB in
            [false, true].map { Shape(m: m, n: n, k: k, transA: tA, transB: tB, accumulate: $0) }
        }
    }

    /// The 784-128-10 and 784-512-512-10 output layers transpose; wide, square or one-column
    /// products do not.
    @Test func narrowProductsTranspose() {
        #expect(GEMM.transposesProduct(m: 64, n: 10, k: 128, rowBlock: 12, colBlock: 32))
        #expect(GEMM.transposesProduct(m: 256, n: 10, k: 512, rowBlock: 12, colBlock: 32))
        #expect(GEMM.transposesProduct(m: 256, n: 4, k: 512, rowBlock: 6, colBlock: 16))
        #expect(!GEMM.transposesProduct(m: 64, n: 128, k: 784, rowBlock: 12, colBlock: 32))
        #expect(!GEMM.transposesProduct(m: 10, n: 128, k: 64, rowBlock: 12, colBlock: 32))
        #expect(!GEMM.transposesProduct(m: 256, n: 1, k: 512, rowBlock: 12, colBlock: 32))
        #expect(!GEMM.transposesProduct(m: 32, n: 30, k: 512, rowBlock: 12, colBlock: 32))
    }

    @Test(arguments: shapes)
    func sameBitsAsTheKernelRunDirectly(_ s: Shape) {
        var state: UInt64 = UInt64(s.m * 1000 + s.n * 10 + s.k)
        func next() -> Float {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Float(Int64(bitPattern: state >> 11) % 2001 - 1000) / 1000
        }
        let lda = s.transA ? s.m : s.k, ldb = s.transB ? s.k : s.n, ldc = s.n + 3
        let a = (0..<(s.m * s.k)).map { _ in next() }, b = (0..<(s.k * s.n)).map { _ in next() }
        let start = (0..<(s.m * ldc)).map { _ in next() }
        var direct = start, viaGEMM = start, reference = start
        bp_sgemm(s.transA ? 1 : 0, s.transB ? 1 : 0, s.m, s.n, s.k, a, lda, b, ldb, &direct, ldc, s.accumulate ? 1 : 0)
        bp_sgemm_reference(s.transA ? 1 : 0, s.transB ? 1 : 0, s.m, s.n, s.k, a, lda, b, ldb, &reference, ldc,
                           s.accumulate ? 1 : 0)
        for threads in [1, 2] {
            viaGEMM = start
            GEMM.multiply(transA: s.transA, transB: s.transB, m: s.m, n: s.n, k: s.k, a: a, lda: lda, b: b, ldb: ldb,
                          c: &viaGEMM, ldc: ldc, accumulate: s.accumulate, threads: threads, alwaysSplit: threads > 1)
            #expect(viaGEMM == direct, "\(threads) threads")
        }
        var worst: Float = 0
        for i in 0..<reference.count { worst = max(worst, abs(viaGEMM[i] - reference[i]) / max(1, abs(reference[i]))) }
        #expect(worst <= 1e-5 * Float(s.k + 1))
        // Padding columns of C (between n and ldc) are left alone.
        for i in 0..<s.m { for j in s.n..<ldc { #expect(viaGEMM[i * ldc + j] == start[i * ldc + j]) } }
    }
}
