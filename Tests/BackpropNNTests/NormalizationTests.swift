import Backprop
import Foundation
import Testing
import BackpropTestSupport
@testable import BackpropNN

// Batch and layer normalisation: closed-form values on small inputs, gradients against
// finite differences eagerly (checkTensorGradients) and compiled (central differences
// of the compiled step's loss).

@Suite("Normalisation layers")
struct NormalizationTests {
    typealias T = Tensor<Double>

    static func random(_ shape: [Int], _ rng: inout SeededGenerator) -> T {
        Tensor(shape: shape, scalars: (0..<shape.reduce(1, *)).map { _ in rng.nextNormal() })
    }

    @Test("BatchNorm: batch statistics, PyTorch's running estimates (unbiased variance), evaluation by them")
    func batchNormClosedForm() {
        let norm = BatchNorm<Double>(featureCount: 2)
        let eps = 1e-5
        let x = T(shape: [2, 2], scalars: [1, 2, 3, 6])   // μ = [2, 4], σ² = [1, 4]
        let y = norm(x)
        let expected = [-1 / (1 + eps).squareRoot(), -2 / (4 + eps).squareRoot(), 1 / (1 + eps).squareRoot(), 2 / (4 + eps).squareRoot()]
        #expect(isClose(y.scalars, expected, tolerance: 1e-14))
        // μ̂ = 0.9·0 + 0.1·μ;  σ̂² = 0.9·1 + 0.1·σ²·2/1
        #expect(isClose(norm.runningMean.value.scalars, [0.2, 0.4], tolerance: 1e-14))
        #expect(isClose(norm.runningVariance.value.scalars, [1.1, 1.7], tolerance: 1e-14))
        norm.scale.value = T([2, 3])
        norm.offset.value = T([1, -1])
        norm.setMode(.evaluation)
        let z = norm(x)
        let means = [0.2, 0.4], variances = [1.1, 1.7], gamma = [2.0, 3.0], beta = [1.0, -1.0]
        let expectedEval = (0..<4).map { i in
            let j = i % 2
            return gamma[j] * ([1.0, 2, 3, 6][i] - means[j]) / (variances[j] + eps).squareRoot() + beta[j]
        }
        #expect(isClose(z.scalars, expectedEval, tolerance: 1e-14))
        #expect(isClose(norm.runningMean.value.scalars, [0.2, 0.4], tolerance: 0), "evaluation leaves the estimates alone")
    }

    @Test("LayerNorm: each row centred and scaled by its own statistics, then γ and β")
    func layerNormClosedForm() {
        let norm = LayerNorm<Double>(featureCount: 2)
        norm.scale.value = T([2, 3])
        norm.offset.value = T([1, -1])
        let eps = 1e-5
        let y = norm(T(shape: [2, 2], scalars: [1, 3, 2, 2]))   // row 1: μ = 2, σ² = 1; row 2: σ² = 0
        let s = 1 / (1 + eps).squareRoot()
        #expect(isClose(y.scalars, [2 * -s + 1, 3 * s - 1, 1, -1], tolerance: 1e-14))
        // Any rank: normalised along the last axis.
        let z = LayerNorm<Double>(featureCount: 4)(T(shape: [2, 1, 4], scalars: [1, 2, 3, 4, -8, 0, 0, 8]))
        let v = 1.25 + eps, w = 32 + eps
        #expect(isClose(z.scalars, [-1.5, -0.5, 0.5, 1.5].map { $0 / v.squareRoot() } + [-8, 0, 0, 8].map { $0 / w.squareRoot() },
                        tolerance: 1e-14))
    }

    /// Σ w ⊙ layer(x) as a function of x, γ and β (the weights w make the sum depend on
    /// the normalised values: Σ of a normalised column alone is constant). The input's
    /// gradient goes through the engine's checker; γ's and β's (parameters are leaves of
    /// their own, so the checker cannot feed them) against central differences of the
    /// loss, each entry nudged in place. Returns the checker's report and the mismatches.
    static func check(_ layer: some Layer<Double>, scale: Parameter<Double>, offset: Parameter<Double>,
                      input: [Int]) -> (report: TensorGradientReport, mismatches: [String]) {
        var rng = SeededGenerator(seed: 21)
        let w = random(input, &rng)
        let x = random(input, &rng)
        scale.value = random(scale.shape, &rng)
        offset.value = random(offset.shape, &rng)
        let report = checkTensorGradients(of: { v in (layer(v[0]) * w).sum() }, at: [x])
        scale.zeroGradients()
        offset.zeroGradients()
        (layer(x) * w).sum().backward()
        var mismatches: [String] = []
        let h = 1e-6
        for (name, p) in [("γ", scale), ("β", offset)] {
            let analytic = p.gradient!.scalars
            for i in analytic.indices {
                func loss(_ delta: Double) -> Double {
                    p.update { v in v[i] += delta }
                    defer { p.update { v in v[i] -= delta } }
                    return withoutGradients { (layer(x) * w).sum() }.scalar
                }
                let numeric = (loss(h) - loss(-h)) / (2 * h)
                if abs(numeric - analytic[i]) > 1e-7 + 1e-6 * abs(numeric) { mismatches.append("\(name)[\(i)]: \(analytic[i]) vs \(numeric)") }
            }
        }
        return (report, mismatches)
    }

    @Test("eager gradients match finite differences", arguments: ["batch training", "batch evaluation", "layer"])
    func eagerGradients(kind: String) {
        let (report, mismatches): (TensorGradientReport, [String])
        switch kind {
        case "layer":
            let norm = LayerNorm<Double>(featureCount: 4)
            (report, mismatches) = Self.check(norm, scale: norm.scale, offset: norm.offset, input: [3, 4])
        default:
            let norm = BatchNorm<Double>(featureCount: 3)
            norm.runningMean.value = T([0.5, -1, 2])
            norm.runningVariance.value = T([0.3, 2, 1.5])
            if kind == "batch evaluation" { norm.setMode(.evaluation) }
            (report, mismatches) = Self.check(norm, scale: norm.scale, offset: norm.offset, input: [5, 3])
        }
        #expect(report.passed, "\(report)")
        #expect(report.checkedCount > 0)
        #expect(mismatches.isEmpty, "\(mismatches)")
    }

    /// A model with the layer between two Linear layers.
    static func model(_ middle: any Layer<Double>) -> Sequential<Double> {
        var rng = SeededGenerator(seed: 13)
        return Sequential<Double>([Linear(inputSize: 3, outputSize: 4, rng: &rng), middle, ActivationLayer(.tanh),
                                   Linear(inputSize: 4, outputSize: 2, rng: &rng)])
    }

    @Test("compiled gradients match finite differences of the compiled loss, and eager gradients",
          arguments: ["batch training", "batch evaluation", "layer"])
    func compiledGradients(kind: String) throws {
        func middle() -> any Layer<Double> {
            if kind == "layer" { return LayerNorm<Double>(featureCount: 4) }
            let norm = BatchNorm<Double>(featureCount: 4)
            norm.runningMean.value = T([0.5, -1, 2, 0])
            norm.runningVariance.value = T([0.3, 2, 1.5, 1])
            if kind == "batch evaluation" { norm.setMode(.evaluation) }
            return norm
        }
        let model = Self.model(middle()), eager = Self.model(middle())
        var rng = SeededGenerator(seed: 17)
        let x = Self.random([5, 3], &rng), y = Self.random([5, 2], &rng)
        let step = CompiledTrainingStep(model: model) { Loss.halfSumOfSquares($0, $1) }
        model.zeroGradients()
        try step(x, y)
        Loss.halfSumOfSquares(eager(x), y).backward()
        #expect(isClose(model.parameters, eager.parameters, gradients: true, tolerance: 1e-11))
        let h = 1e-6
        let gradients = model.namedParameters.map { $0.parameter.gradient!.scalars }
        for ((name, p), analytic) in zip(model.namedParameters, gradients) {
            for i in 0..<p.value.count {
                var values = p.value.scalars
                let original = values[i]
                values[i] = original + h
                p.value = T(shape: p.shape, scalars: values)
                let up = try loss(step, x, y)
                values[i] = original - h
                p.value = T(shape: p.shape, scalars: values)
                let down = try loss(step, x, y)
                values[i] = original
                p.value = T(shape: p.shape, scalars: values)
                let numeric = (up - down) / (2 * h)
                #expect(Swift.abs(numeric - analytic[i]) <= 1e-5 + 1e-3 * Swift.abs(numeric),
                        "\(kind): \(name)[\(i)] compiled \(analytic[i]), finite difference \(numeric)")
            }
        }
    }

    /// The compiled step's loss, with the states put back (a training-mode batch norm
    /// updates its running estimates at every call).
    func loss(_ step: CompiledTrainingStep<Sequential<Double>>, _ x: T, _ y: T) throws -> Double {
        let saved = step.model.states.map(\.value)
        defer { for (s, v) in zip(step.model.states, saved) { s.value = v } }
        return try step(x, y)
    }

    @Test("a model file keeps the running estimates and the dropout key; evaluation after loading is unchanged")
    func saveAndLoadStates() throws {
        func model() -> Sequential<Double> {
            var rng = SeededGenerator(seed: 3)
            return Sequential<Double>([Linear(inputSize: 2, outputSize: 3, rng: &rng), BatchNorm(featureCount: 3),
                                       Dropout(probability: 0.5, seed: 4)])
        }
        let trained = model()
        var rng = SeededGenerator(seed: 5)
        for _ in 0..<3 { _ = trained(Self.random([4, 2], &rng)) }
        let path = temporaryPath("batchnorm.safetensors")
        try trained.save(to: path)
        let loaded = model()
        try loaded.load(from: path)
        for (a, b) in zip(loaded.namedStates, trained.namedStates) {
            #expect(a.name == b.name && a.state.value.scalars == b.state.value.scalars, "\(a.name)")
        }
        let x = Self.random([2, 2], &rng)
        trained.setMode(.evaluation)
        loaded.setMode(.evaluation)
        #expect(loaded(x).scalars == trained(x).scalars)
    }
}
