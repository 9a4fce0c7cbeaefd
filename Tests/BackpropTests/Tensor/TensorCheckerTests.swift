import Testing
@testable import Backprop

/// A deliberately wrong custom op: forward x², backward claims 3x.
struct TensorWrongSquare: TensorFunction {
    func forward(_ inputs: [Tensor<Double>]) -> Tensor<Double> { inputs[0] * inputs[0] }
    func backward(inputs: [Tensor<Double>], output: Tensor<Double>, upstream: Tensor<Double>) -> [Tensor<Double>?] {
        [upstream * 3 * inputs[0]]
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
        #expect("\(m)" == "[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]")
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
