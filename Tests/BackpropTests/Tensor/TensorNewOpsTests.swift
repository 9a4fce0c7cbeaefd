import Testing
import BackpropTestSupport
@testable import Backprop

/// The ops of issue 12 by hand: comparisons, argmax/argmin, cumulative sums, products
/// (with zeros), gathers along any axis and batched broadcast matmul, with values worked
/// out here, and masks and indices recomputed by compiled programs. (The per-op table
/// also checks each against finite differences, a naive reference and the compiled engine.)
@Suite("Tensor: comparisons, argmax, cumulative sums, products, gathers, broadcast matmul")
struct TensorNewOpsTests {
    typealias T = Tensor<Double>

    @Test func comparisonsGiveMasksWithIEEENaN() {
        let a = T([1, 2, .nan, 4]), b = T([2, 2, 1, .nan])
        #expect(a.isLess(than: b).scalars == [1, 0, 0, 0])
        #expect(a.isLessThanOrEqual(to: b).scalars == [1, 1, 0, 0])
        #expect(a.isGreater(than: b).scalars == [0, 0, 0, 0])
        #expect(a.isGreaterThanOrEqual(to: b).scalars == [0, 1, 0, 0])
        #expect(a.isEqual(to: b).scalars == [0, 1, 0, 0])
        #expect(a.isNotEqual(to: b).scalars == [1, 0, 1, 1])
        #expect(T([.nan]).isEqual(to: .nan).scalars == [0])
        #expect(T([.nan]).isNotEqual(to: .nan).scalars == [1])
        // Operators, scalars on either side, broadcasting.
        #expect((a .< 2).scalars == [1, 0, 0, 0])
        #expect((2 .<= a).scalars == [0, 1, 0, 1])
        #expect((a .> b).scalars == [0, 0, 0, 0])
        #expect((a .>= 2).scalars == [0, 1, 0, 1])
        #expect((a .== 4).scalars == [0, 0, 0, 1])
        #expect((a .!= 4).scalars == [1, 1, 1, 0])
        let column = T([[1], [3]]), row = T([0, 2, 4])
        let m = column.isLess(than: row)
        #expect(m.shape == [2, 3] && m.scalars == [0, 1, 1, 0, 0, 1])
        let f = Tensor<Float>([1, 3]) .> 2
        #expect(f.scalars == [0, 1])
    }

    @Test func comparisonsHaveZeroGradientAndAreRecorded() {
        let x = T([-1, 2, 3], requiresGradient: true)
        let mask = x .> 0
        #expect(mask.node?.op?.kind == .isGreater)
        let y = (x * mask).sum()   // relu written with a mask: gradient = mask
        #expect(gradients(of: y, withRespectTo: [x])[0].scalars == [0, 1, 1])
    }

    /// A mask computed from an input is an op of the compiled program: each call
    /// recomputes it (a mask frozen at trace time would keep the signs of the first input).
    @Test func compiledProgramRecomputesMasksFromItsInputs() throws {
        let relu: ([T]) -> T = { x in (x[0] * x[0].isGreater(than: 0) + x[0].isLessThanOrEqual(to: x[1]) * 10).sum() }
        let program = try TensorProgram(valueAndGradientsOf: relu, at: [T([1, -2, 3]), T([0, 0, 0])], withRespectTo: [0, 1])
        for (x, t) in [(T([-1, 2, -3]), T([0, 5, 0])), (T([4, -5, 6]), T([4, 0, 7])), (T([.nan, 1, -1]), T([0, 0, 0]))] {
            let out = program([x, t])
            let params = [x.requiringGradient(), t.requiringGradient()]
            let eager = relu(params)
            let g = gradients(of: eager, withRespectTo: params)
            #expect(out[0].scalar == eager.scalar || (out[0].scalar.isNaN && eager.scalar.isNaN), "\(x)")
            #expect(out[1].scalars == g[0].scalars && out[2].scalars == g[1].scalars, "\(x)")
        }
        // By hand, at x = [−1, 2, −3], t = [0, 5, 0]: Σ relu(x) = 2, [x ≤ t] = [1, 1, 1].
        #expect(program([T([-1, 2, -3]), T([0, 5, 0])])[0].scalar == 32)
        #expect(program([T([-1, 2, -3]), T([0, 5, 0])])[1].scalars == [0, 1, 0])
    }

    /// max and min over an axis are NaN wherever a NaN is reduced, wherever it stands (the
    /// last axis: rows; a middle axis: columns of [outer, count, inner]), eager and
    /// compiled, and otherwise the largest or smallest element.
    @Test func maxAndMinOverAnAxisPropagateNaN() throws {
        let x = T(shape: [2, 2, 4], scalars: [1, 3, .nan, 0, 2, -4, 5, 1, .nan, 1, 2, 3, 4, 5, 6, .nan])
        func check(_ r: T, _ expected: [Double], _ what: String) {
            let same = zip(r.scalars, expected).allSatisfy { $0.isNaN ? $1.isNaN : $0 == $1 }
            #expect(r.scalars.count == expected.count && same, "\(what): \(r.scalars)")
        }
        let n = Double.nan
        let rowMax: [Double] = [n, 5, n, n], rowMin: [Double] = [n, -4, n, n]
        let middleMax: [Double] = [2, 3, n, 1, n, 5, 6, n], middleMin: [Double] = [1, -4, n, 0, n, 1, 2, n]
        check(x.max(alongAxes: [2]), rowMax, "max over the last axis")
        check(x.min(alongAxes: [2]), rowMin, "min over the last axis")
        check(x.max(alongAxes: [1]), middleMax, "max over the middle axis")
        check(x.min(alongAxes: [1]), middleMin, "min over the middle axis")
        let program = try TensorProgram<Double>(inputs: [x]) { (v: [T]) -> [T] in
            [v[0].max(alongAxes: [2]), v[0].min(alongAxes: [2]), v[0].max(alongAxes: [1]), v[0].min(alongAxes: [1])]
        }
        let out = program([x])
        check(out[0], rowMax, "compiled max over the last axis")
        check(out[1], rowMin, "compiled min over the last axis")
        check(out[2], middleMax, "compiled max over the middle axis")
        check(out[3], middleMin, "compiled min over the middle axis")
    }

    @Test func argmaxAndArgminTakeTheFirstOfTiesAndTheNaN() {
        let x = T([[1, 3, 3, 0], [2, .nan, 5, .nan], [-1, -1, -2, -2]])
        #expect(x.argmax(alongAxis: 1).scalars == [1, 1, 0])
        #expect(x.argmin(alongAxis: 1).scalars == [3, 1, 2])
        #expect(x.argmax(alongAxis: 0).scalars == [1, 1, 1, 1])   // the NaNs of columns 1 and 3
        let kept = x.argmax(alongAxis: -1, keepingDimensions: true)
        #expect(kept.shape == [3, 1])
        let cube: T = [[[1, 9], [7, 2]]]
        #expect(cube.argmin(alongAxis: 1).scalars == [0, 1])
        let p = T([1, 5, 2], requiresGradient: true)
        #expect(gradients(of: (p * p.argmax(alongAxis: 0)).sum(), withRespectTo: [p])[0].scalars == [1, 1, 1])
    }

    /// argmax feeding a gather inside a compiled program: the indices are recomputed at
    /// each call (as is the gradient, which goes to the selected elements).
    @Test func compiledProgramRecomputesArgmaxIndices() throws {
        let pick: ([T]) -> T = { x in
            let best = x[0].argmax(alongAxis: 1, keepingDimensions: true)        // [2, 1]
            return (x[0].gathered(atIndices: best.reshaped(to: [2]), alongAxis: 1) * T([[1, 0], [0, 1]])).sum()
        }
        let program = try TensorProgram(valueAndGradientsOf: pick, at: [T([[1, 5, 2], [7, 0, 1]])], withRespectTo: [0])
        let x = T([[9, 5, 2], [0, 1, 8]])
        let out = program([x])
        #expect(out[0].scalar == 9 + 8)
        #expect(out[1].scalars == [1, 0, 0, 0, 0, 1])
    }

    @Test func cumulativeSumByHandAndItsGradientIsTheReverseSum() {
        let x = T([[1, 2, 3], [4, 5, 6]], requiresGradient: true)
        #expect(x.cumulativeSum(alongAxis: 1).scalars == [1, 3, 6, 4, 9, 15])
        #expect(x.cumulativeSum(alongAxis: 0).scalars == [1, 2, 3, 5, 7, 9])
        #expect(x.cumulativeSum(alongAxis: -1, reverse: true).scalars == [6, 5, 3, 15, 11, 6])
        let w = T([[1, 10, 100], [2, 20, 200]])
        // ∂/∂x[k] Σ w ⊙ cumsum(x) = Σ_{i ≥ k} w[i]
        #expect(gradients(of: (x.cumulativeSum(alongAxis: 1) * w).sum(), withRespectTo: [x])[0].scalars
                == [111, 110, 100, 222, 220, 200])
    }

    @Test func productByHandIncludingZeros() {
        let x = T([[2, 3, 4], [5, 0, 6], [0, 7, 0]], requiresGradient: true)
        let p = x.product(alongAxes: [1])
        #expect(p.scalars == [24, 0, 0])
        #expect(x.product().scalar == 0 && T([[2, 3], [4, 5]]).product().scalar == 120)
        #expect(T([[2, 3], [4, 5]]).product(alongAxes: [0], keepingDimensions: true).scalars == [8, 15])
        let g = gradients(of: p.sum(), withRespectTo: [x])[0]
        // No zero: products of the others; one zero: the others' product at the zero, 0
        // elsewhere; two zeros: 0 everywhere. Never NaN.
        #expect(g.scalars == [12, 8, 6, 0, 30, 0, 0, 0, 0])
        let single = T([3], requiresGradient: true)
        #expect(gradients(of: single.product(), withRespectTo: [single])[0].scalars == [1])
    }

    /// Second derivatives at zeros, where a rule that divides by x gives NaN, against
    /// central differences of the gradient.
    @Test(arguments: [[2.0, 0, 3, -1], [0, 5, 0, 2], [0, 0, 0, 1.5], [1.5, -2, 0.5, 3]])
    func productSecondDerivativesAtZeros(values: [Double]) {
        let x = T(shape: [4], scalars: values)
        let first = checkTensorGradients(of: { $0[0].product() }, at: [x])
        #expect(first.passed, "\(first)")
        let second = checkSecondOrderTensorGradients(of: { $0[0].product() }, at: [x])
        #expect(second.passed, "\(second)")
    }

    @Test func cumulativeProductByHandIncludingZeros() {
        let x = T([[2, 0, 3, 4], [1, 2, 3, 4], [0, 5, 0, 2]], requiresGradient: true)
        let y = x.cumulativeProduct(alongAxis: 1)
        #expect(y.scalars == [2, 0, 0, 0, 1, 2, 6, 24, 0, 0, 0, 0])
        #expect(x.cumulativeProduct(alongAxis: 0).scalars == [2, 0, 3, 4, 2, 0, 9, 16, 0, 0, 0, 32])
        // ∂Σy/∂x[k] = Σ_{i ≥ k} Π_{j ≤ i, j ≠ k} x[j]. Row 1: x̄₀ = 1 + 0 + …, x̄₁ = 2 + 2·3 + 2·3·4,
        // the rest 0. Row 3: only the first zero gets anything: 1 (the empty product at i = 0) + 5.
        let g = gradients(of: y.sum(), withRespectTo: [x])[0]
        #expect(g.scalars == [1, 32, 0, 0, 33, 16, 10, 6, 6, 0, 0, 0])
    }

    @Test(arguments: [[2.0, 0, 3, -1], [0, 5, 0, 2], [0, 0, 0, 1.5], [1.5, -2, 0.5, 0]])
    func cumulativeProductFirstDerivativesAtZeros(values: [Double]) {
        let report = checkTensorGradients(of: { $0[0].cumulativeProduct(alongAxis: 0) }, at: [T(shape: [4], scalars: values)])
        #expect(report.passed, "\(report)")
    }

    @Test func gatherAlongAnyAxisAndItsScatterAddGradient() {
        let x = T([[1, 2, 3], [4, 5, 6]], requiresGradient: true)
        let columns = x.gathered(atIndices: [2, 0, 2], alongAxis: 1)
        #expect(columns.shape == [2, 3] && columns.scalars == [3, 1, 3, 6, 4, 6])
        let rows = x.gathered(atIndices: T([[1, 1], [0, 1]]), alongAxis: 0)   // an index matrix
        #expect(rows.shape == [2, 2, 3] && rows.scalars == [4, 5, 6, 4, 5, 6, 1, 2, 3, 4, 5, 6])
        #expect(x.gathered(atIndices: T(1), alongAxis: -1).scalars == [2, 5])   // a scalar index drops the axis
        // Repeated indices add their gradients.
        #expect(gradients(of: columns.sum(), withRespectTo: [x])[0].scalars == [1, 0, 2, 1, 0, 2])
        #expect(gradients(of: rows.sum(), withRespectTo: [x])[0].scalars == [1, 1, 1, 3, 3, 3])
        let s = T([[1, 2], [3, 4]]).scatterAdded(atIndices: T([2, 2]), alongAxis: 1, extent: 3)
        #expect(s.shape == [2, 3] && s.scalars == [0, 0, 3, 0, 0, 7])
    }

    @Test func broadcastMatmulMatchesPerItemProducts() {
        var rng = SeededGenerator(seed: 12)
        let a = T.randomNormal(shape: [2, 1, 3, 4], using: &rng), b = T.randomNormal(shape: [1, 3, 4, 2], using: &rng)
        let c = a.matmul(b)
        #expect(c.shape == [2, 3, 3, 2])
        for i in 0..<2 {
            for j in 0..<3 {
                let item = a.sliced([i..<(i + 1), 0..<1]).reshaped(to: [3, 4])
                    .matmul(b.sliced([0..<1, j..<(j + 1)]).reshaped(to: [4, 2]))
                #expect(isClose(c.sliced([i..<(i + 1), j..<(j + 1)]).reshaped(to: [3, 2]), item))
            }
        }
        // [b, m, k] × [k, n] (folded into one product) and [m, k] × [b, k, n], transposed too.
        let x = T.randomNormal(shape: [5, 3, 4], using: &rng), w = T.randomNormal(shape: [4, 2], using: &rng)
        let folded = x.matmul(w)
        #expect(folded.shape == [5, 3, 2])
        #expect(isClose(folded.sliced([4..<5]).reshaped(to: [3, 2]), x.sliced([4..<5]).reshaped(to: [3, 4]).matmul(w)))
        #expect(isClose(x.matmul(w.transposed(), transposingOther: true), folded))
        #expect(isClose(x.transposed().matmul(w, transposingSelf: true), folded))
        let left = w.transposed().matmul(x.transposed())
        #expect(left.shape == [5, 2, 3] && isClose(left, folded.transposed()))
    }

    @Test(arguments: [([2, 1, 3, 4], [1, 3, 4, 2]), ([3, 2, 4], [4, 2]), ([2, 3], [4, 3, 2]), ([2, 2, 3], [1, 3, 2])])
    func broadcastMatmulGradientsSumOverBroadcastAxes(shapes: ([Int], [Int])) {
        var rng = SeededGenerator(seed: 3)
        let a = T.randomNormal(shape: shapes.0, using: &rng), b = T.randomNormal(shape: shapes.1, using: &rng)
        let report = checkTensorGradients(of: { $0[0].matmul($0[1]) }, at: [a, b])
        #expect(report.passed, "\(report)")
        // The gradient of a shared operand is the sum over the batch: with Ḡ = 1,
        // ∂Σ(A·B)/∂B[p, q] = Σ_{batch, i} A[…, i, p].
        if shapes.1.count == 2 {
            let p = b.requiringGradient()
            let g = gradients(of: a.matmul(p).sum(), withRespectTo: [p])[0]
            let columnSums = a.sum(alongAxes: Array(0..<(a.rank - 1)))   // Σ_{batch, i} A[…, i, p]
            #expect(isClose(g, columnSums.reshaped(to: [-1, 1]).broadcasted(to: b.shape)))
        }
    }
}
