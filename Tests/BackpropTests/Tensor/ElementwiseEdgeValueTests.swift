import CBackpropKernels
import Testing

@testable import Backprop

/// Edge values where the two engines and PyTorch used to disagree: relu of NaN, the
/// step at its threshold, and the softmax family on rows holding ±∞.
@Suite struct ElementwiseEdgeValueTests {
    /// Lengths that reach the AVX2 main loop and its masked tail (and the portable loop).
    static let lengths = [1, 7, 8, 13, 33]

    /// `x` of length n with NaN at a few places and ordinary values elsewhere.
    static func withNaNs<T: TensorScalar>(_ n: Int, _: T.Type) -> [T] {
        var xs: [T] = []
        for i in 0..<n {
            let v = T(i)
            xs.append(i % 3 == 0 ? T.nan : (i % 2 == 0 ? v : -v))
        }
        return xs
    }

    @Test(arguments: lengths) func reluKeepsNaNInValueAndDerivativeDouble(n: Int) { checkRelu(n, Double.self) }
    @Test(arguments: lengths) func reluKeepsNaNInValueAndDerivativeFloat(n: Int) { checkRelu(n, Float.self) }

    func checkRelu<T: TensorScalar>(_ n: Int, _: T.Type) {
        let xs = Self.withNaNs(n, T.self)
        for kernel: Int32 in [1, 2, 0] {  // portable C loop, AVX2, the automatic choice (AVX-512 where available)
            let previous = bp_elementwise_force_kernel(kernel)
            defer { _ = bp_elementwise_force_kernel(previous) }
            // Eager forward and first-order backward (the C backward loop).
            let x = Tensor<T>(xs, requiresGradient: true)
            let y = x.relu()
            y.sum().backward()
            for i in 0..<n {
                let v = xs[i]
                #expect(v.isNaN ? y.scalars[i].isNaN : y.scalars[i] == Swift.max(v, 0), "relu(\(v)) = \(y.scalars[i])")
                let g = x.gradient!.scalars[i]
                #expect(v.isNaN ? g.isNaN : g == (v > 0 ? 1 : 0), "relu′(\(v)) gave \(g) (kernel \(kernel))")
            }
        }
        // Recorded backward (the composed rule g·step(x)) and the compiled program.
        let x = Tensor<T>(xs, requiresGradient: true)
        let g = gradients(of: x.relu().sum(), withRespectTo: [x], createGraph: true)[0]
        let program = try! TensorProgram<T>(valueAndGradientsOf: { x in x[0].relu().sum() }, at: [Tensor<T>(xs)],
                                            withRespectTo: [0])
        let compiled = program(Tensor<T>(xs))
        let forward = try! TensorProgram<T>(inputs: [Tensor<T>(xs)]) { x in [x[0].relu()] }(Tensor<T>(xs))[0]
        for i in 0..<n where xs[i].isNaN {
            #expect(g.scalars[i].isNaN, "recorded relu′(NaN) = \(g.scalars[i])")
            #expect(compiled[1].scalars[i].isNaN, "compiled relu′(NaN) = \(compiled[1].scalars[i])")
            #expect(forward.scalars[i].isNaN, "compiled relu(NaN) = \(forward.scalars[i])")
        }
        #expect(compiled[0].scalar.isNaN)
    }

    @Test func stepIsStrictlyAboveTheThresholdInBothEngines() {
        // The lecture's threshold unit: Th(a) = 1 if a > 0, else 0.
        for (x, t, expected) in [(0.5, 0.5, 0.0), (0.0, 0.0, 0.0), (-0.0, 0.0, 0.0), (0.5000001, 0.5, 1.0), (0.4, 0.5, 0.0)] {
            #expect(Value(x).step(threshold: t).value == expected, "Value.step(\(x), t: \(t))")
            #expect(Tensor<Double>([x]).step(threshold: t).scalars == [expected], "Tensor.step(\(x), t: \(t))")
            #expect(Tensor<Float>([Float(x)]).step(threshold: Float(t)).scalars == [Float(expected)])
        }
        #expect(Value(.nan).step().value.isNaN)
        #expect(Tensor<Double>([.nan, 1]).step().scalars[0].isNaN, "step(NaN) stays NaN")
    }

    @Test func derivativesAtTheKinksFollowTheStepConvention() {
        // relu′(0) = 0, |x|′(0) = 0, clamp′ = 0 at both bounds, leakyRelu′(0) = α.
        let x = Tensor<Double>([0, -0.0, 1, -1], requiresGradient: true)
        x.relu().sum().backward()
        #expect(x.gradient!.scalars == [0, 0, 1, 0])
        let a = Tensor<Double>([0, 1, -1], requiresGradient: true)
        a.abs().sum().backward()
        #expect(a.gradient!.scalars == [0, 1, -1])
        let c = Tensor<Double>([-1, 0, 1, 2], requiresGradient: true)
        c.clamped(lower: -1, upper: 1).sum().backward()
        #expect(c.gradient!.scalars == [0, 1, 0, 0])
        // The recorded rules (composed from step) give the same.
        let r = Tensor<Double>([0, 1, -1, 0.5], requiresGradient: true)
        let gr = gradients(of: r.relu().sum() + r.abs().sum() + r.clamped(lower: -1, upper: 0.5).sum(),
                           withRespectTo: [r], createGraph: true)[0]
        let expected: [Double] = [1, 2, -1, 2]  // relu′ + |x|′ + clamp′ at 0, 1, −1, 0.5
        #expect(gr.scalars == expected)
    }

    /// Softmax, log-softmax and log-sum-exp of a row holding +∞, along the contiguous
    /// last axis and along axis 0 (the strided loop).
    @Test(arguments: [false, true]) func softmaxFamilyWithPlusInfinity(strided: Bool) {
        let row: [Double] = [0, .infinity, 0]
        let x = strided ? Tensor<Double>(shape: [3, 1], scalars: row) : Tensor<Double>(row)
        let axis = strided ? 0 : 0
        let s = x.softmax(alongAxis: axis).scalars
        #expect(s.allSatisfy { $0.isNaN }, "softmax [0, ∞, 0] = \(s) (PyTorch: all NaN)")
        let l = x.logSoftmax(alongAxis: axis).scalars
        #expect(l.allSatisfy { $0.isNaN }, "logSoftmax [0, ∞, 0] = \(l) (PyTorch: all NaN)")
        #expect(x.logSumExp(alongAxis: axis).scalars == [.infinity], "log Σ eˣ with an ∞ entry is ∞ (PyTorch too)")
        // −∞ entries are ordinary: e^−∞ = 0.
        let y = strided ? Tensor<Double>(shape: [2, 1], scalars: [-.infinity, 0]) : Tensor<Double>([-.infinity, 0])
        #expect(y.softmax(alongAxis: 0).scalars == [0, 1])
        #expect(y.logSoftmax(alongAxis: 0).scalars == [-.infinity, 0])
        #expect(y.logSumExp(alongAxis: 0).scalars == [0])
        // Float rows take the same path.
        #expect(Tensor<Float>([0, .infinity]).softmax(alongAxis: 0).scalars.allSatisfy { $0.isNaN })
    }

    @Test func softmaxFamilyWithPlusInfinityInAProgram() throws {
        let x = Tensor<Double>(shape: [2, 3], scalars: [0, .infinity, 0, 1, 2, 3])
        let program = try TensorProgram<Double>(inputs: [x]) { x in [x[0].softmax(alongAxis: 1), x[0].logSumExp(alongAxis: 1)] }
        let out = program(x)
        #expect(out[0].scalars[0..<3].allSatisfy { $0.isNaN }, "\(out[0].scalars)")
        #expect(out[0].scalars[3..<6].allSatisfy { !$0.isNaN })
        #expect(out[1].scalars[0] == .infinity)
    }
}
