import Testing
import Foundation
import Backprop
@testable import BackpropNN

/// Global-norm clipping against a hand computation, and in both engines of `train`.
@Suite("Gradient clipping")
struct GradientClippingTests {
    @Test("clipGradientNorm: N = 13 for gradients (3, 4) and (12), scaled by 1.3/(13 + 10⁻⁶)")
    func byHand() {
        let a = Parameter(Tensor<Double>([0, 0])), b = Parameter(Tensor<Double>([0])), c = Parameter(Tensor<Double>([5]))
        a.value.accumulateGradient(Tensor([3, 4]))
        b.value.accumulateGradient(Tensor([12]))
        let sgd = SGD(parameters: [a, b, c], learningRate: 1)   // c has no gradient: skipped
        let norm = sgd.clipGradientNorm(maxNorm: 1.3)
        #expect(norm == 13)
        let k = 1.3 / (13 + 1e-6)
        #expect(a.gradient!.scalars == [3 * k, 4 * k] && b.gradient!.scalars == [12 * k] && c.gradient == nil)
        // Within bounds: untouched.
        #expect(clipGradientNorm([a, b], maxNorm: 2) == (9 * k * k + 16 * k * k + 144 * k * k).squareRoot())
        #expect(a.gradient!.scalars == [3 * k, 4 * k])
    }

    /// 20 epochs of batch-2 SGD on XOR with clipping at 0.05 (every step clips), in `engine`.
    static func clippedRun(_ engine: TrainingEngine, maxNorm: Double?) -> (losses: [Double], parameters: [[Double]]) {
        let model = MLP<Double>([2, 4, 2], activation: .tanh, seed: 4)
        let sgd = SGD(parameters: model.parameters, learningRate: 0.5)
        let history = train(model, on: Datasets.xor(), objective: .softmaxCrossEntropy, optimizer: sgd,
                            options: TrainingOptions(epochs: 20, batchSize: 2, seed: 1, progress: .silent, engine: engine,
                                                     maxGradientNorm: maxNorm))
        #expect(history.engine == engine)
        return (history.losses, model.parameters.map(\.value.scalars))
    }

    @Test("TrainingOptions.maxGradientNorm: eager and compiled agree, and equal a hand-written clipped loop")
    func inTrain() {
        let eager = Self.clippedRun(.eager, maxNorm: 0.05), compiled = Self.clippedRun(.compiled, maxNorm: 0.05)
        #expect(zip(eager.losses, compiled.losses).allSatisfy { Swift.abs($0 - $1) <= 1e-12 })
        #expect(zip(eager.parameters.joined(), compiled.parameters.joined()).allSatisfy { Swift.abs($0 - $1) <= 1e-12 })
        // Each step moves the parameters by at most α·maxNorm in norm: a hand-written loop.
        let model = MLP<Double>([2, 4, 2], activation: .tanh, seed: 4)
        let data = Datasets.xor()
        var rng = SeededGenerator(seed: 1)
        for _ in 0..<20 {
            let order = shuffledIndices(4, using: &rng)
            for start in stride(from: 0, to: 4, by: 2) {
                let rows = Array(order[start..<start + 2])
                model.zeroGradients()
                Objective.softmaxCrossEntropy.loss(model(data.featureTensor(rows: rows, as: Double.self)), data, rows: rows).backward()
                let gs = model.parameters.map { $0.gradient!.scalars }
                let n = gs.joined().reduce(0) { $0 + $1 * $1 }.squareRoot()
                let k = Swift.min(1, 0.05 / (n + 1e-6))
                for (p, g) in zip(model.parameters, gs) {
                    p.value = Tensor(shape: p.shape, scalars: zip(p.value.scalars, g).map { $0 - 0.5 * (k * $1) })
                }
            }
        }
        let reference = model.parameters.map(\.value.scalars)
        #expect(zip(reference.joined(), eager.parameters.joined()).allSatisfy { Swift.abs($0 - $1) <= 1e-12 })
        // Clipping changed the run.
        let free = Self.clippedRun(.eager, maxNorm: nil)
        #expect(zip(free.parameters.joined(), eager.parameters.joined()).contains { Swift.abs($0 - $1) > 1e-3 })
    }
}
