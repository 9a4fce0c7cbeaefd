import CBackpropKernels
import Testing

@testable import Backprop

/// The vectorised middle-axis sum (`bp_sum_middle_f32/f64`, behind a bias gradient
/// Σᵢ δᵢ): each output adds its terms one at a time in order, bit for bit the plain loop.
struct SumMiddleKernelTests {
    @Test(arguments: [(1, 256, 512), (3, 37, 131), (2, 1, 17), (5, 9, 1)])
    func sameBitsAsTheSequentialLoop(_ shape: (Int, Int, Int)) {
        let (outer, count, inner) = shape
        var state: UInt64 = 12345
        let x: [Float] = (0..<(outer * count * inner)).map { i in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return i % 97 == 0 ? -0.0 : Float(Int64(bitPattern: state >> 11) % 200_001 - 100_000) / 7_777
        }
        var want = [Float](repeating: 0, count: outer * inner)
        for o in 0..<outer { for k in 0..<count { for i in 0..<inner { want[o * inner + i] += x[(o * count + k) * inner + i] } } }
        var got = [Float](repeating: 0, count: outer * inner)
        bp_sum_middle_f32(x, outer, count, inner, &got)
        #expect(got.map(\.bitPattern) == want.map(\.bitPattern))
        let xd = x.map(Double.init)
        var wantD = [Double](repeating: 0, count: outer * inner), gotD = wantD
        for o in 0..<outer { for k in 0..<count { for i in 0..<inner { wantD[o * inner + i] += xd[(o * count + k) * inner + i] } } }
        bp_sum_middle_f64(xd, outer, count, inner, &gotD)
        #expect(gotD.map(\.bitPattern) == wantD.map(\.bitPattern))
    }
}
