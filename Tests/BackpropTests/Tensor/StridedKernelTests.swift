import Testing
@testable import Backprop

/// The strided loops (broadcast binary ops of the general plan, reductions over axes that
/// are not adjacent) and the image-patch kernels, against naive references on random shapes.
@Suite struct StridedKernelTests {
    /// A random shape of rank 1–5 with extents 1–4.
    static func randomShape(_ rng: inout SeededGenerator) -> [Int] {
        (0..<Int.random(in: 1...5, using: &rng)).map { _ in Int.random(in: 1...4, using: &rng) }
    }

    /// Sum, max and min over random subsets of axes equal a loop over multi-indices, adding
    /// in the input's order (so the sums are bit-identical, not only close, except a sum
    /// into one element, which the C kernel adds in interleaved partial sums).
    @Test func reductionsOverAnyAxesMatchTheReference() {
        var rng = SeededGenerator(seed: 31)
        for _ in 0..<200 {
            let shape = Self.randomShape(&rng)
            let axes = shape.indices.filter { _ in Bool.random(using: &rng) }
            guard !axes.isEmpty else { continue }
            let x = Tensor<Double>(shape: shape, scalars: (0..<shape.reduce(1, *)).map { _ in Double.random(in: -1...1, using: &rng) })
            var kept = shape
            for a in axes { kept[a] = 1 }
            let outStrides = contiguousStrides(kept)
            var sum = [Double](repeating: 0, count: kept.reduce(1, *))
            var maximum = [Double](repeating: -.infinity, count: sum.count), minimum = [Double](repeating: .infinity, count: sum.count)
            for i in 0..<x.count {
                let index = BroadcastPlanTests.multiIndex(i, shape)
                let j = shape.indices.reduce(0) { $0 + (axes.contains($1) ? 0 : index[$1] * outStrides[$1]) }
                sum[j] += x.scalars[i]
                maximum[j] = Swift.max(maximum[j], x.scalars[i])
                minimum[j] = Swift.min(minimum[j], x.scalars[i])
            }
            // Sums into one element run the C kernel's interleaved partial sums: equal to rounding.
            let summed = x.sum(alongAxes: axes, keepingDimensions: true).scalars
            if sum.count == 1 {
                #expect(Swift.abs(summed[0] - sum[0]) <= 1e-12 * Swift.max(1, Swift.abs(sum[0])), "sum \(shape) over \(axes)")
            } else {
                #expect(summed == sum, "sum \(shape) over \(axes)")
            }
            #expect(x.max(alongAxes: axes, keepingDimensions: true).scalars == maximum, "max \(shape) over \(axes)")
            #expect(x.min(alongAxes: axes, keepingDimensions: true).scalars == minimum, "min \(shape) over \(axes)")
        }
    }

    /// Binary ops whose operands are broadcast along interleaved axes (the general plan),
    /// with long runs along the last axis: each of the inner loops (both contiguous, one
    /// repeated, constant strides) against the naive reference.
    @Test func stridedBinaryOpsMatchTheReference() throws {
        var rng = SeededGenerator(seed: 32)
        for _ in 0..<200 {
            let full = Self.randomShape(&rng).map { $0 == 4 ? 9 : $0 }
            let a = full.map { Bool.random(using: &rng) ? 1 : $0 }, b = full.map { Bool.random(using: &rng) ? 1 : $0 }
            let out = try broadcastShape(a, b).get()
            let x = Tensor<Double>(shape: a, scalars: (0..<a.reduce(1, *)).map { Double($0 * 5 + 1) })
            let y = Tensor<Double>(shape: b, scalars: (0..<b.reduce(1, *)).map { Double($0 * 3 + 2) / 8 })
            let n = out.reduce(1, *)
            let expected = (0..<n).map {
                x.scalars[BroadcastPlanTests.naiveOffset($0, operand: a, result: out)]
                    / y.scalars[BroadcastPlanTests.naiveOffset($0, operand: b, result: out)]
            }
            #expect((x / y).scalars == expected, "\(a) / \(b)")
        }
    }

    /// `unfolded` reads x̂[n, c, s·i + u, s·j + v] (zero in the padding), and `folded` is its
    /// adjoint: ⟨unfold(x), r⟩ = ⟨x, fold(r)⟩ for random x and r.
    @Test(arguments: [(3, 1, 1), (3, 2, 0), (2, 2, 0), (3, 3, 2), (1, 1, 0), (4, 3, 1)])
    func unfoldReadsThePatchesAndFoldIsItsAdjoint(_ setting: (kernel: Int, stride: Int, padding: Int)) {
        let (k, s, p) = setting
        var rng = SeededGenerator(seed: 33)
        let shape = [2, 3, 7, 6]
        let x = Tensor<Double>(shape: shape, scalars: (0..<shape.reduce(1, *)).map { _ in Double.random(in: -1...1, using: &rng) })
        let rows = x.unfolded(kernelSize: k, stride: s, padding: p)
        let (h, w) = ((7 + 2 * p - k) / s + 1, (6 + 2 * p - k) / s + 1)
        #expect(rows.shape == [2, h, w, 3 * k * k])
        var expected: [Double] = []
        for n in 0..<2 { for i in 0..<h { for j in 0..<w { for c in 0..<3 { for u in 0..<k { for v in 0..<k {
            let (r, q) = (s * i + u - p, s * j + v - p)
            expected.append(r < 0 || r >= 7 || q < 0 || q >= 6 ? 0 : x.scalars[((n * 3 + c) * 7 + r) * 6 + q])
        } } } } } }
        #expect(rows.scalars == expected)
        let r = Tensor<Double>(shape: rows.shape, scalars: (0..<rows.count).map { _ in Double.random(in: -1...1, using: &rng) })
        let folded = r.folded(imageShape: shape, kernelSize: k, stride: s, padding: p)
        let left = zip(rows.scalars, r.scalars).reduce(0) { $0 + $1.0 * $1.1 }
        let right = zip(x.scalars, folded.scalars).reduce(0) { $0 + $1.0 * $1.1 }
        #expect(Swift.abs(left - right) <= 1e-12 * Swift.max(1, Swift.abs(left)))
    }

    /// 2 × 2 windows at stride 2 (the pooling fast path), Float, odd height: unfold is the
    /// naive copy, and fold puts each row element back at its one image position (zero
    /// where no window reaches), exactly.
    @Test func poolingWindowsUnfoldAndFoldExactly() {
        let shape = [2, 3, 5, 4]
        let x = Tensor<Float>(shape: shape, scalars: (0..<shape.reduce(1, *)).map { Float($0) * 0.25 - 7 })
        let rows = x.unfolded(kernelSize: 2, stride: 2, padding: 0)
        #expect(rows.shape == [2, 2, 2, 12])
        var expected: [Float] = [], back = [Float](repeating: 0, count: x.count)
        for n in 0..<2 { for i in 0..<2 { for j in 0..<2 { for c in 0..<3 { for u in 0..<2 { for v in 0..<2 {
            let at = ((n * 3 + c) * 5 + 2 * i + u) * 4 + 2 * j + v
            expected.append(x.scalars[at])
            back[at] = x.scalars[at]
        } } } } } }
        #expect(rows.scalars == expected)
        #expect(rows.folded(imageShape: shape, kernelSize: 2, stride: 2, padding: 0).scalars == back)
    }

    /// The three loops of `patches.c` (2 × 2 pooling windows, small images through a padded
    /// scratch, and the general loops for images too large for it: 3 × 42 × 40 padded
    /// floats is more than 16 KiB): unfold against a naive copy, exactly, and fold against
    /// a naive sum of the same terms in Double.
    @Test(arguments: [[1, 3, 40, 38], [2, 2, 6, 5]], [(3, 1, 1), (3, 2, 1), (2, 2, 0), (5, 2, 2)])
    func everyPatchLoopMatchesANaiveOne(shape: [Int], _ setting: (kernel: Int, stride: Int, padding: Int)) {
        let (k, s, p) = setting
        let (c, h, w) = (shape[1], shape[2], shape[3])
        let (oh, ow) = ((h + 2 * p - k) / s + 1, (w + 2 * p - k) / s + 1)
        var rng = SeededGenerator(seed: 34)
        let x = Tensor<Float>(shape: shape, scalars: (0..<shape.reduce(1, *)).map { _ in Float(rng.nextNormal()) })
        let rows = x.unfolded(kernelSize: k, stride: s, padding: p)
        let r = Tensor<Float>(shape: rows.shape, scalars: (0..<rows.count).map { _ in Float(rng.nextNormal()) })
        var expected: [Float] = [], folded = [Double](repeating: 0, count: x.count)
        var at = 0
        for n in 0..<shape[0] { for i in 0..<oh { for j in 0..<ow { for ch in 0..<c { for u in 0..<k { for v in 0..<k {
            let (y, q) = (s * i + u - p, s * j + v - p)
            let inside = y >= 0 && y < h && q >= 0 && q < w
            let index = ((n * c + ch) * h + y) * w + q
            expected.append(inside ? x.scalars[index] : 0)
            if inside { folded[index] += Double(r.scalars[at]) }
            at += 1
        } } } } } }
        #expect(rows.scalars == expected, "unfold \(shape) \(setting)")
        let got = r.folded(imageShape: shape, kernelSize: k, stride: s, padding: p).scalars
        let close = zip(got, folded).allSatisfy { Swift.abs(Double($0) - $1) <= 1e-5 * Swift.max(1, Swift.abs($1)) }
        #expect(close, "fold \(shape) \(setting)")
    }
}
