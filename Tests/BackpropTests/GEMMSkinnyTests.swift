import CBackpropKernels
import Testing

@testable import Backprop

/// Skinny float products (`bp_sgemm_skinny`: C at most 16 wide, or op(A) of at most 12
/// rows or 16 columns, the 10-class layer and its gradients) run unpacked on the AVX-512
/// unit: the same bits as the packed kernel (`bp_sgemm`), on one thread or split over
/// two, with and without the fused relu′ mask.
struct GEMMSkinnyTests {
    struct Shape: CustomTestStringConvertible, Sendable {
        let m, n, k: Int
        let transA, transB: Bool
        var testDescription: String { "\(m)×\(n)×\(k) tA \(transA) tB \(transB)" }
    }

    /// The MLP's skinny products (256×512×10 NN, 10×512×256 TN, 256×10×512 NT and the
    /// 784-128-10 ones), and edges: rows and columns that are not whole tiles, K over
    /// several K blocks (≥ 385) and streamed passes (M ≤ 12, K > 32), K ≤ 16 and N ≤ 16.
    static let shapes: [Shape] = [
        (256, 512, 10, false, false), (10, 512, 256, true, false), (256, 10, 512, false, true),
        (64, 128, 10, false, false), (10, 128, 64, true, false), (64, 10, 128, false, true),
        (37, 50, 3, false, false), (30, 7, 900, true, true), (13, 33, 16, true, false), (12, 100, 1000, true, false),
        (29, 16, 785, false, true), (100, 2, 5, false, false), (5, 17, 333, false, false), (3, 3, 4096, false, true),
        (25, 9, 70, true, true), (11, 700, 40, false, false), (40, 16, 800, true, false),
    ].map { Shape(m: $0.0, n: $0.1, k: $0.2, transA: $0.3, transB: $0.4) }

    static var isActive: Bool { MatrixMultiplyKernel.name == "avx512" }

    /// Deterministic values in [−1, 1] with a few exact zeros.
    static func values(_ count: Int, seed: UInt64) -> [Float] {
        var state = seed
        return (0..<count).map { _ in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Float(Int64(bitPattern: state >> 11) % 2001 - 1000) / 1000
        }
    }

    @Test func theNetworksSkinnyProductsQualify() {
        guard Self.isActive else { return }
        #expect(bp_sgemm_skinny_applies(0, 0, 256, 512, 10) != 0)
        #expect(bp_sgemm_skinny_applies(1, 0, 10, 512, 256) != 0)
        #expect(bp_sgemm_skinny_applies(0, 1, 256, 10, 512) != 0)
        #expect(bp_sgemm_skinny_applies(0, 1, 256, 512, 784) == 0)   // a big product
        #expect(bp_sgemm_skinny_applies(0, 1, 10, 512, 256) == 0)    // op(B) = Bᵀ, wide
        #expect(bp_sgemm_skinny_applies(0, 0, 256, 1, 512) == 0)     // a matrix-vector product
        #expect(bp_sgemm_skinny_applies(0, 0, 8, 8, 8) == 0)         // bp_sgemm's small path
    }

    @Test(arguments: shapes, [false, true])
    func sameBitsAsThePackedKernel(_ s: Shape, accumulate: Bool) {
        guard Self.isActive else { return }
        let lda = s.transA ? s.m : s.k, ldb = s.transB ? s.k : s.n, ldc = s.n + 3
        let a = Self.values(s.m * s.k, seed: 1), b = Self.values(s.k * s.n, seed: 2)
        let start = Self.values(s.m * ldc, seed: 3)
        var packed = start
        bp_sgemm(s.transA ? 1 : 0, s.transB ? 1 : 0, s.m, s.n, s.k, a, lda, b, ldb, &packed, ldc, accumulate ? 1 : 0)
        for workers in [1, 2] {
            var skinny = start
            let done = bp_sgemm_skinny(workers, s.transA ? 1 : 0, s.transB ? 1 : 0, s.m, s.n, s.k, a, lda, b, ldb,
                                       &skinny, ldc, accumulate ? 1 : 0, nil, 0, 0)
            #expect(done == 1)
            #expect(skinny.map(\.bitPattern) == packed.map(\.bitPattern), "\(workers) workers")
        }
        // Through the entry point the tensor ops use, one thread and two.
        for threads in [1, 2] {
            var viaGEMM = start
            GEMM.multiply(transA: s.transA, transB: s.transB, m: s.m, n: s.n, k: s.k, a: a, lda: lda, b: b, ldb: ldb,
                          c: &viaGEMM, ldc: ldc, accumulate: accumulate, threads: threads)
            #expect(viaGEMM.map(\.bitPattern) == packed.map(\.bitPattern), "GEMM.multiply, \(threads) threads")
        }
    }

    /// The relu′ mask fused into the product's store: bit for bit the product, then
    /// `bp_step_mask_f32` in place (NaN in h gives NaN, h at the threshold or ±0 gives a
    /// signed zero).
    @Test(arguments: [shapes[0], shapes[1], shapes[2], shapes[6], shapes[11], shapes[14]], [Float(0), 0.25])
    func fusedStepMaskEqualsProductThenMask(_ s: Shape, threshold: Float) {
        guard Self.isActive else { return }
        let lda = s.transA ? s.m : s.k, ldb = s.transB ? s.k : s.n
        let a = Self.values(s.m * s.k, seed: 4), b = Self.values(s.k * s.n, seed: 5)
        var h = Self.values(s.m * s.n, seed: 6)
        h[0] = .nan
        h[1] = 0
        h[2] = -0.0
        h[3] = threshold
        var separate = [Float](repeating: 7, count: s.m * s.n)
        bp_sgemm(s.transA ? 1 : 0, s.transB ? 1 : 0, s.m, s.n, s.k, a, lda, b, ldb, &separate, s.n, 0)
        separate.withUnsafeMutableBufferPointer { bp_step_mask_f32($0.baseAddress!, h, threshold, $0.baseAddress!, $0.count) }
        for workers in [1, 2] {
            var fused = [Float](repeating: 7, count: s.m * s.n)
            let done = bp_sgemm_skinny(workers, s.transA ? 1 : 0, s.transB ? 1 : 0, s.m, s.n, s.k, a, lda, b, ldb,
                                       &fused, s.n, 0, h, s.n, threshold)
            #expect(done == 1)
            #expect(fused.map(\.bitPattern) == separate.map(\.bitPattern), "\(workers) workers")
            #expect(fused[0].isNaN && fused[3] == 0)
        }
    }

    /// Under another kernel (or for a shape it does not take) nothing is touched.
    @Test func declinesWithoutTouchingC() {
        var c: [Float] = [1, 2, 3, 4]
        let a: [Float] = [1, 1], b: [Float] = [1, 1]
        #expect(bp_sgemm_skinny(1, 0, 0, 2, 2, 1, a, 1, b, 2, &c, 2, 0, nil, 0, 0) == 0)
        #expect(c == [1, 2, 3, 4])
    }
}
