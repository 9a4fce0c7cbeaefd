import Testing
@testable import Backprop

/// A deliberately wrong custom op: forward x², backward claims 3x.
struct TensorWrongSquare: TensorFunction {
    func forward(_ inputs: [Tensor<Double>]) -> Tensor<Double> { inputs[0] * inputs[0] }
    func backward(inputs: [Tensor<Double>], output: Tensor<Double>, upstream: Tensor<Double>) -> [Tensor<Double>?] {
        [upstream * 3 * inputs[0]]
    }
}

/// |x| with a chosen derivative: sign(x) away from 0, `atZero` at 0; or `everywhere` for
/// every element when set (a wrong rule such as `upstream * 7`).
struct TensorAbsolute: TensorFunction {
    var atZero = 0.0
    var everywhere: Double? = nil
    func forward(_ inputs: [Tensor<Double>]) -> Tensor<Double> { inputs[0].abs() }
    func backward(inputs: [Tensor<Double>], output: Tensor<Double>, upstream: Tensor<Double>) -> [Tensor<Double>?] {
        if let everywhere { return [upstream * everywhere] }
        let slope = inputs[0].scalars.map { $0 > 0 ? 1 : ($0 < 0 ? -1 : atZero) }
        return [upstream * Tensor<Double>(slope)]
    }
}

/// tanh(k·x), a smooth function that is steep for large k, with its derivative scaled by
/// `derivativeFactor` (1 is exact).
struct TensorSteepTanh: TensorFunction {
    var k: Double
    var derivativeFactor = 1.0
    func forward(_ inputs: [Tensor<Double>]) -> Tensor<Double> { (inputs[0] * k).tanh() }
    func backward(inputs: [Tensor<Double>], output: Tensor<Double>, upstream: Tensor<Double>) -> [Tensor<Double>?] {
        [upstream * (1 - output * output) * (k * derivativeFactor)]
    }
}

@Suite("Tensor: gradient checker")
struct TensorCheckerTests {
    @Test func detectsAWrongDerivativeAndNamesTheWorstElement() {
        let x = Tensor<Double>([[1, -2], [0.5, 3]])
        let report = checkTensorGradients(of: { TensorWrongSquare()($0).sum() }, at: [x])
        #expect(!report.passed)
        #expect(report.failures.count == 4)
        let worst = report.worst[0]
        #expect(worst.input == 0 && worst.index == [1, 1], "\(report)")
        #expect(Swift.abs(worst.analytic - 9) < 1e-9 && Swift.abs(worst.numeric - 6) < 1e-6)
        let text = "\(report)"
        #expect(text.contains("FAILED") && text.contains("analytic") && text.contains("[1, 1]") && text.contains("FAIL"))
    }

    @Test func reportsAKinkInsteadOfFailing() {
        let x = Tensor<Double>([0, 1.5, -2])
        let report = checkTensorGradients(of: { $0[0].relu().sum() }, at: [x])
        #expect(report.passed, "\(report)")
        #expect(report.kinks.count == 1 && report.kinks[0].index == [0])
        #expect("\(report)".contains("kink"))
        let absReport = checkTensorGradients(of: { ($0[0] * 3).abs().sum() }, at: [x])
        #expect(absReport.passed)  // |3x| at 0: analytic sign(0)·3 = 0 equals the central difference
        let maxReport = checkTensorGradients(of: { $0[0].max() }, at: [Tensor<Double>([2, 2, 1])])
        // Tied maxima share the gradient evenly (½ each), which is exactly the central difference.
        #expect(maxReport.passed && maxReport.kinks.isEmpty, "\(maxReport)")
        #expect(maxReport.worst.map(\.analytic).sorted() == [0, 0.5, 0.5])
    }

    @Test func aWrongDerivativeAtAKinkFails() {
        // |x| whose backward is upstream·7: at 0 the one-sided slopes are −1 and 1.
        let zero = Tensor<Double>([0])
        let bad = checkTensorGradients(of: TensorAbsolute(everywhere: 7), at: [zero])
        #expect(!bad.passed && bad.failures.count == 1 && bad.kinks.isEmpty, "\(bad)")
        #expect(bad.failures.first?.index == [0] && bad.failures.first?.analytic == 7)
        #expect("\(bad)".contains("analytic value 7.0 is outside the slopes -1.0 (left) and 1.0 (right): expected a value between them"),
                "\(bad)")
        #expect(!checkTensorGradients(of: TensorAbsolute(everywhere: 7), at: [zero], options: .init(fast: true)).passed)
        // The sign rule, and any subgradient in [−1, 1] at 0, pass; the ones that differ from
        // the central difference 0 are listed as kinks.
        let x = Tensor<Double>([0, 1.5, -2])
        for s in [-1.0, -0.5, 0, 0.3, 1] {
            let good = checkTensorGradients(of: TensorAbsolute(atZero: s), at: [x])
            #expect(good.passed && good.failures.isEmpty, "subgradient \(s):\n\(good)")
            #expect(good.kinks.map(\.index) == (s == 0 ? [] : [[0]]), "subgradient \(s):\n\(good)")
        }
        // Just outside [−1, 1] (beyond the tolerance atol + rtol·1) fails.
        #expect(!checkTensorGradients(of: TensorAbsolute(atZero: 1.01), at: [x]).passed)
    }

    /// Ops at their kinks (and a point away from them), with the engine's own rules.
    static func atKinks(_ name: String) -> (f: ([Tensor<Double>]) -> Tensor<Double>, x: [Double]) {
        switch name {
        case "relu": ({ $0[0].relu().sum() }, [0, 0.7])
        case "abs": ({ $0[0].abs().sum() }, [0, -0.7])
        case "leakyRelu": ({ $0[0].leakyRelu(alpha: 0.1).sum() }, [0, 0.7])
        case "clamped": ({ $0[0].clamped(lower: -1, upper: 1).sum() }, [-1, 1, 0.5])
        case "max tie": ({ $0[0].max() }, [2, 2, 1])
        default: ({ ($0[0] - 0.25).relu().sum() }, [0.25, 0.5])
        }
    }

    @Test(arguments: ["relu", "abs", "leakyRelu", "clamped", "max tie", "relu of a shift"])
    func correctRulesPassAtTheirKinks(_ name: String) {
        let (f, x) = Self.atKinks(name)
        let report = checkTensorGradients(of: f, at: [Tensor<Double>(x)])
        #expect(report.passed && report.failures.isEmpty, "\(name):\n\(report)")
        #expect(report.kinks.allSatisfy { $0.note.contains("kink") }, "\(name):\n\(report)")
    }

    @Test(arguments: [1e4, 1e5, 1e6])
    func aSteepSmoothFunctionIsNotAKink(k: Double) {
        // tanh(k·x) at k·x = ±0.3: at ε = 1e-6 the one-sided slopes differ by ε·|f″|, more than
        // the tolerance, yet the function is smooth; a derivative 0.19 % off must fail
        // (torch.autograd.gradcheck fails it too).
        let x = Tensor<Double>([0.3 / k, -0.3 / k])
        let exact = checkTensorGradients(of: TensorSteepTanh(k: k), at: [x])
        #expect(exact.passed && exact.kinks.isEmpty, "\(exact)")
        #expect(exact.worst.allSatisfy { !$0.isKink && !$0.note.contains("kink") && $0.note.contains("steep") }, "\(exact)")
        let off = checkTensorGradients(of: TensorSteepTanh(k: k, derivativeFactor: 1.0019), at: [x])
        #expect(!off.passed && off.failures.count == 2 && off.kinks.isEmpty, "\(off)")
        #expect(off.failures.allSatisfy { !$0.isKink && !$0.note.contains("kink") && $0.note.contains("steep") }, "\(off)")
    }

    @Test func fastModePassesAndFallsBackToFullReportOnFailure() {
        var rng = SeededGenerator(seed: 8)
        let a = Tensor<Double>.randomNormal(shape: [3, 4], using: &rng)
        let b = Tensor<Double>.randomNormal(shape: [4, 2], using: &rng)
        let good = checkTensorGradients(of: { $0[0].matmul($0[1]).tanh() }, at: [a, b], options: .init(fast: true))
        #expect(good.passed && good.usedFastMode, "\(good)")
        let bad = checkTensorGradients(of: TensorWrongSquare(), at: [a], options: .init(fast: true))
        #expect(!bad.passed && !bad.usedFastMode)
        #expect(bad.checkedCount == 12)
        #expect(bad.warnings.contains { $0.contains("fast check failed") })
    }

    @Test func floatCheckWarnsAndUsesFloatTolerances() {
        let x = Tensor<Float>([0.3, -0.7, 1.1])
        let report = checkTensorGradients(of: { ($0[0] * $0[0]).sin().sum() }, at: [x])
        #expect(report.passed, "\(report)")
        #expect(report.epsilon == 1e-3 && report.absoluteTolerance == 2e-3)
        #expect(report.warnings.contains { $0.contains("Float") })
    }

    @Test func determinismAndSecondOrderChecks() {
        var rng = SeededGenerator(seed: 9)
        let x = Tensor<Double>.randomNormal(shape: [2, 3], using: &rng)
        let w = Tensor<Double>.randomNormal(shape: [3, 3], using: &rng)
        let f: ([Tensor<Double>]) -> Tensor<Double> = { ($0[0].matmul($0[1]).sigmoid() * $0[0].sum()).logSumExp(alongAxis: 1) }
        let first = checkTensorGradients(of: f, at: [x, w])
        #expect(first.passed && first.isDeterministic == true, "\(first)")
        let second = checkSecondOrderTensorGradients(of: f, at: [x, w])
        #expect(second.passed, "\(second)")
        // A wrong second derivative is caught: the custom op's backward uses a constant
        // (detached) input, so its gradient has no second-order term.
        struct DetachedCube: TensorFunction {
            func forward(_ inputs: [Tensor<Double>]) -> Tensor<Double> { inputs[0] * inputs[0] * inputs[0] }
            func backward(inputs: [Tensor<Double>], output: Tensor<Double>, upstream: Tensor<Double>) -> [Tensor<Double>?] {
                [upstream * 3 * (inputs[0] * inputs[0]).detached()]
            }
        }
        #expect(checkTensorGradients(of: DetachedCube(), at: [x]).passed)
        #expect(!checkSecondOrderTensorGradients(of: { DetachedCube()($0) }, at: [x]).passed)
    }
}

@Suite("Tensor: creation")
struct TensorCreationTests {
    @Test func literalsAndFactories() {
        let m: Tensor<Double> = [[1, 2, 3], [4, 5, 6]]
        #expect(m.shape == [2, 3] && m.scalars == [1, 2, 3, 4, 5, 6] && m[1, 0] == 4)
        let cube: Tensor<Float> = [[[1], [2]], [[3], [4]]]
        #expect(cube.shape == [2, 2, 1])
        #expect(Tensor<Double>(2.5).shape == [] && Tensor<Double>(2.5).scalar == 2.5)
        #expect(Tensor<Double>.identity(3).scalars == [1, 0, 0, 0, 1, 0, 0, 0, 1])
        #expect(Tensor<Double>.full(shape: [2, 2], value: 7).scalars == [7, 7, 7, 7])
        #expect(Tensor<Double>.zeros(shape: [0, 3]).count == 0)
        #expect(Tensor<Double>.ones(shape: [2], requiresGradient: true).requiresGradient)
        #expect("\(m)" == "Tensor<Double>([2, 3]) [[1.0, 2.0, 3.0],\n                        [4.0, 5.0, 6.0]]")
    }

    @Test func portableLogAndCosineMatchTheCLibrary() {
        var rng = SeededGenerator(seed: 77)
        for _ in 0..<10_000 {
            let u = 1 - rng.nextUnitInterval(), t = rng.nextUnitInterval()
            let l = SeededGenerator.portableLog(u), lRef = Double._log(u)
            #expect(Swift.abs(l - lRef) <= 4 * lRef.ulp + 1e-300, "log(\(u))")
            let c = SeededGenerator.portableCosineOfTurns(t), cRef = Double._cos(2 * Double.pi * t)
            #expect(Swift.abs(c - cRef) <= 1e-15, "cos(2π·\(t))")
        }
        #expect(SeededGenerator.portableLog(1) == 0)
        #expect(SeededGenerator.portableCosineOfTurns(0) == 1)
    }

    @Test func seededRandomIsReproducibleAndPlausible() {
        var a = SeededGenerator(seed: 42), b = SeededGenerator(seed: 42)
        let x = Tensor<Double>.randomNormal(shape: [10_000], using: &a)
        let y = Tensor<Double>.randomNormal(shape: [10_000], using: &b)
        #expect(x.scalars == y.scalars)
        // The published SplitMix64 reference: the first output for seed 0.
        var c = SeededGenerator(seed: 0)
        #expect(c.next() == 0xE220_A839_7B1D_CDAF)
        let mean = x.mean().scalar
        let variance = ((x - mean) * (x - mean)).mean().scalar
        #expect(Swift.abs(mean) < 0.05 && Swift.abs(variance - 1) < 0.05)
        let u = Tensor<Float>.randomUniform(shape: [1000], lower: -2, upper: 3, using: &a)
        #expect(u.scalars.allSatisfy { $0 >= -2 && $0 < 3 })
    }
}
