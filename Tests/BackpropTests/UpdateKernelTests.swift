import Testing
@testable import Backprop

/// `UpdateKernels.adam` (vectorised C) against the Adam formula written as a plain Swift
/// loop with the same operations: bit for bit, in place and not, with lengths that leave
/// tails after the 8-wide (4-wide for Double) vector body.
@Suite struct UpdateKernelTests {
    static func reference<S: TensorScalar>(
        _ w: [S], _ g: [S], _ m: inout [S], _ v: inout [S], b1: S, b2: S, c1: S, c2: S, alpha: S, eps: S
    ) -> [S] {
        var out = w
        for i in w.indices {
            m[i] = b1 * m[i] + (1 - b1) * g[i]
            v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i]
            let mHat = m[i] / c1, vHat = v[i] / c2
            out[i] = w[i] - alpha * mHat / (vHat.squareRoot() + eps)
        }
        return out
    }

    static func check<S: TensorScalar>(_: S.Type, count: Int, inPlace: Bool, seed: UInt64) -> Bool {
        var rng = SeededGenerator(seed: seed)
        func draw(_ scale: Double) -> [S] { (0..<count).map { _ in S(scale * rng.nextNormal()) } }
        let w = draw(1), g = draw(0.1)
        var m = draw(0.01), v = draw(0.001).map { $0 * $0 }
        var mRef = m, vRef = v
        let (b1, b2, c1, c2, alpha, eps) = (S(0.9), S(0.999), S(0.19), S(0.002998), S(0.003), S(1e-8))
        let expected = reference(w, g, &mRef, &vRef, b1: b1, b2: b2, c1: c1, c2: c2, alpha: alpha, eps: eps)
        var out = inPlace ? w : [S](repeating: .nan, count: count)
        var weights = w
        weights.withUnsafeMutableBufferPointer { wb in
            out.withUnsafeMutableBufferPointer { ob in
                g.withUnsafeBufferPointer { gb in
                    m.withUnsafeMutableBufferPointer { mb in
                        v.withUnsafeMutableBufferPointer { vb in
                            let target = inPlace ? wb.baseAddress! : ob.baseAddress!
                            UpdateKernels.adam(old: UnsafePointer(wb.baseAddress!), new: target, gradient: gb.baseAddress!,
                                               m: mb.baseAddress!, v: vb.baseAddress!, count: count,
                                               beta1: b1, beta2: b2, correction1: c1, correction2: c2,
                                               learningRate: alpha, epsilon: eps)
                        }
                    }
                }
            }
        }
        let result = inPlace ? weights : out
        return result == expected && m == mRef && v == vRef && (inPlace || weights == w)
    }

    @Test(arguments: [1, 3, 7, 8, 9, 17, 100, 1031])
    func adamMatchesThePlainLoopBitForBit(count: Int) {
        for inPlace in [true, false] {
            #expect(Self.check(Float.self, count: count, inPlace: inPlace, seed: UInt64(count)), "Float n=\(count) in place \(inPlace)")
            #expect(Self.check(Double.self, count: count, inPlace: inPlace, seed: UInt64(count) + 1), "Double n=\(count) in place \(inPlace)")
        }
    }
}
