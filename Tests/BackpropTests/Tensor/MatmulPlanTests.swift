import Testing
@testable import Backprop

/// The matrix-product plan shared by eager `matmul`/`linear` and program kernels: sizes
/// from shapes and transposes, and results (plain loops and GEMM, empty axes, batches)
/// against a naive triple loop, eagerly and compiled.
@Suite struct MatmulPlanTests {
    @Test func planSizesAndRejections() throws {
        let p = try MatmulPlan.make([2, 5, 3], [2, 4, 5], transposingA: true, transposingB: true).get()
        #expect(p == MatmulPlan(transposingA: true, transposingB: true, batch: 2, m: 3, n: 4, k: 5, isBatched: true))
        #expect(p.resultShape == [2, 3, 4])
        #expect(try MatmulPlan.linear(input: [7, 3], weight: [4, 3]).get().resultShape == [7, 4])
        #expect(throws: MatmulShapeError.self) { try MatmulPlan.make([2, 3], [2, 3], transposingA: false, transposingB: false).get() }
        #expect(throws: MatmulShapeError.self) { try MatmulPlan.make([2, 3, 3], [3, 3, 3], transposingA: false, transposingB: false).get() }
        #expect(throws: MatmulShapeError.self) { try MatmulPlan.make([3], [3, 3], transposingA: false, transposingB: false).get() }
    }

    /// op(A)·op(B) by definition.
    static func naive(_ a: Tensor<Double>, _ tA: Bool, _ b: Tensor<Double>, _ tB: Bool, m: Int, n: Int, k: Int, batch: Int) -> [Double] {
        var c = [Double](repeating: 0, count: batch * m * n)
        for item in 0..<batch {
            for i in 0..<m {
                for j in 0..<n {
                    var s = 0.0
                    for p in 0..<k {
                        let x = a.scalars[item * m * k + (tA ? p * m + i : i * k + p)]
                        let y = b.scalars[item * k * n + (tB ? j * k + p : p * n + j)]
                        s += x * y
                    }
                    c[item * m * n + i * n + j] = s
                }
            }
        }
        return c
    }

    /// Small (plain loops) and large (GEMM) products, with an empty axis, every transpose,
    /// batched or not. Integer-valued entries: every order of summation is exact.
    @Test(arguments: [(2, 3, 4, 1), (1, 2, 2, 1), (3, 0, 4, 1), (2, 3, 0, 2), (0, 2, 2, 1), (40, 30, 20, 1), (17, 33, 25, 2)])
    func productsMatchTheNaiveLoop(m: Int, n: Int, k: Int, batch: Int) throws {
        for tA in [false, true] {
            for tB in [false, true] {
                let batched = batch > 1
                let aShape = (batched ? [batch] : []) + (tA ? [k, m] : [m, k])
                let bShape = (batched ? [batch] : []) + (tB ? [n, k] : [k, n])
                let a = Tensor<Double>(shape: aShape, scalars: (0..<(batch * m * k)).map { Double($0 % 7 - 3) })
                let b = Tensor<Double>(shape: bShape, scalars: (0..<(batch * k * n)).map { Double($0 % 5 - 2) })
                let expected = Self.naive(a, tA, b, tB, m: m, n: n, k: k, batch: batch)
                let eager = a.matmul(b, transposingSelf: tA, transposingOther: tB)
                #expect(eager.shape == (batched ? [batch, m, n] : [m, n]) && eager.scalars == expected, "eager \(aShape) \(bShape)")
                let program = try TensorProgram(inputs: [a, b]) { x in
                    [x[0].matmul(x[1], transposingSelf: tA, transposingOther: tB) * 1]
                }
                #expect(program.fallbackCount == 0)
                #expect(program(a, b)[0].scalars == expected, "compiled \(aShape) \(bShape)\n\(program)")
                if !batched && !tA && !tB && n > 0 {
                    // linear: x·Wᵀ + bias, W = op(B)ᵀ stored [n, k].
                    let w = b.permuted([1, 0]), bias = Tensor<Double>((0..<n).map { Double($0) })
                    let withBias = (0..<(m * n)).map { expected[$0] + Double($0 % n) }
                    #expect(a.linear(weight: w, bias: bias).scalars == withBias, "eager linear \(aShape)")
                    let linear = try TensorProgram(inputs: [a, w, bias]) { x in [x[0].linear(weight: x[1], bias: x[2]) * 1] }
                    #expect(linear(a, w, bias)[0].scalars == withBias, "compiled linear \(aShape)\n\(linear)")
                }
            }
        }
    }
}
