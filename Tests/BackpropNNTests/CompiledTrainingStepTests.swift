import Testing
import BackpropTestSupport
import Foundation
import Backprop
@testable import BackpropNN

/// `CompiledTrainingStep` against eager training (`loss.backward()`) on twin models built
/// from the same seed, and against closed forms.
@Suite("CompiledTrainingStep: against eager training")
struct CompiledTrainingStepTests {
    static func random(_ shape: [Int], _ rng: inout SeededGenerator, scale: Double = 1) -> Tensor<Double> {
        Tensor(shape: shape, scalars: (0..<shape.reduce(1, *)).map { _ in scale * rng.nextNormal() })
    }

    static func oneHot(_ labels: [Int], classes: Int) -> Tensor<Double> {
        Tensor(shape: [labels.count, classes],
               scalars: labels.flatMap { l in (0..<classes).map { $0 == l ? 1.0 : 0.0 } })
    }

    enum LossKind: CaseIterable, Sendable { case halfSSE, mse, crossEntropy }

    static let activations: [Activation] = [.sigmoid, .tanh, .relu]

    @Test(arguments: LossKind.allCases, [0, 1, 2])
    func gradientsEqualEagerBackward(loss kind: LossKind, activation index: Int) throws {
        let activation = Self.activations[index]
        let sizes = [3, 5, 4, 3]
        let compiledModel = MLP<Double>(sizes, activation: activation, seed: 9)
        let eagerModel = MLP<Double>(sizes, activation: activation, seed: 9)
        var rng = SeededGenerator(seed: 77 &+ UInt64(index))
        let labels = [0, 2, 1, 1, 2, 0]
        let lossFunction: @Sendable (Tensor<Double>, Tensor<Double>) -> Tensor<Double> = switch kind {
        case .halfSSE: { Loss.halfSumOfSquares($0, $1) }
        case .mse: { Loss.meanSquaredError($0, $1) }
        case .crossEntropy: { Loss.softmaxCrossEntropy(logits: $0, oneHotTargets: $1) }
        }
        let step = CompiledTrainingStep(model: compiledModel, loss: lossFunction)
        for trial in 0..<3 {
            let x = Self.random([6, 3], &rng)
            let y = kind == .crossEntropy ? Self.oneHot(labels, classes: 3) : Self.random([6, 3], &rng, scale: 0.5)
            compiledModel.zeroGradients()
            eagerModel.zeroGradients()
            let compiledLoss = try step(x, y)
            let eagerLoss = kind == .crossEntropy
                ? Loss.softmaxCrossEntropy(logits: eagerModel(x), labels: labels) : lossFunction(eagerModel(x), y)
            eagerLoss.backward()
            #expect(isClose([compiledLoss], [eagerLoss.scalar], tolerance: 1e-12), "\(kind) \(activation) trial \(trial)")
            for (p, q) in zip(compiledModel.namedParameters, eagerModel.namedParameters) {
                #expect(isClose(p.parameter.gradient?.scalars ?? [], q.parameter.gradient?.scalars ?? [-1], tolerance: 1e-12),
                        "\(kind) \(activation) trial \(trial) \(p.name): \(String(describing: p.parameter.gradient)) vs \(String(describing: q.parameter.gradient))")
            }
            // Move the weights (both models alike): the next call must read the new values.
            for (p, q) in zip(compiledModel.parameters, eagerModel.parameters) {
                let moved = Tensor(shape: p.shape, scalars: p.value.scalars.map { $0 * 0.9 + 0.01 })
                p.value = moved
                q.value = moved
            }
        }
        // One program for one shape.
        #expect(step.programs.count == 1)
    }

    @Test func gradientsAccumulateLikeBackward() throws {
        let model = MLP<Double>([2, 3, 1], activation: .tanh, seed: 4)
        let twin = MLP<Double>([2, 3, 1], activation: .tanh, seed: 4)
        let step = CompiledTrainingStep(model: model) { Loss.halfSumOfSquares($0, $1) }
        let x1 = Tensor<Double>([[0.5, -1], [2, 0.25]]), y1 = Tensor<Double>([[1], [0]])
        let x2 = Tensor<Double>([[1, 1], [-1, 3]]), y2 = Tensor<Double>([[0.5], [0.5]])
        try step(x1, y1)
        try step(x2, y2)
        Loss.halfSumOfSquares(twin(x1), y1).backward()
        Loss.halfSumOfSquares(twin(x2), y2).backward()
        #expect(isClose(model.parameters, twin.parameters, gradients: true, tolerance: 1e-13))
    }

    // MARK: training runs

    static var xorInputs: Tensor<Double> { Tensor<Double>([[0, 0], [0, 1], [1, 0], [1, 1]]) }
    static var xorTargets: Tensor<Double> { Tensor<Double>([[0], [1], [1], [0]]) }

    @Test func xorWithSGDMatchesEagerTraining() throws {
        let compiled = MLP<Double>([2, 4, 1], activation: .tanh, outputActivation: .sigmoid, seed: 3)
        let eager = MLP<Double>([2, 4, 1], activation: .tanh, outputActivation: .sigmoid, seed: 3)
        let sgdC = SGD(parameters: compiled.parameters, learningRate: 0.5, momentum: 0.9)
        let sgdE = SGD(parameters: eager.parameters, learningRate: 0.5, momentum: 0.9)
        let step = CompiledTrainingStep(model: compiled) { Loss.halfSumOfSquares($0, $1) }
        var lossesC: [Double] = [], lossesE: [Double] = []
        for _ in 0..<300 {
            sgdC.zeroGradients()
            lossesC.append(try step(Self.xorInputs, Self.xorTargets))
            sgdC.step()
            sgdE.zeroGradients()
            let loss = Loss.halfSumOfSquares(eager(Self.xorInputs), Self.xorTargets)
            loss.backward()
            sgdE.step()
            lossesE.append(loss.scalar)
        }
        #expect(isClose(compiled.parameters, eager.parameters, gradients: false, tolerance: 1e-10))
        #expect(isClose(lossesC, lossesE, tolerance: 1e-10))
        #expect(lossesC.last! < 0.05 * lossesC.first!, "it learns XOR: \(lossesC.first!) → \(lossesC.last!)")
    }

    @Test func xorWithAdamMatchesEagerTraining() throws {
        let compiled = MLP<Double>([2, 4, 1], activation: .relu, outputActivation: .sigmoid, seed: 5)
        let eager = MLP<Double>([2, 4, 1], activation: .relu, outputActivation: .sigmoid, seed: 5)
        let adamC = Adam(parameters: compiled.parameters, learningRate: 0.05)
        let adamE = Adam(parameters: eager.parameters, learningRate: 0.05)
        let step = CompiledTrainingStep(model: compiled) { Loss.meanSquaredError($0, $1) }
        for _ in 0..<200 {
            adamC.zeroGradients()
            try step(Self.xorInputs, Self.xorTargets)
            adamC.step()
            adamE.zeroGradients()
            Loss.meanSquaredError(eager(Self.xorInputs), Self.xorTargets).backward()
            adamE.step()
        }
        #expect(isClose(compiled.parameters, eager.parameters, gradients: false, tolerance: 1e-10))
    }

    @Test func smallerLastBatchCompilesASecondProgram() throws {
        var rng = SeededGenerator(seed: 31)
        let compiled = MLP<Double>([4, 6, 3], activation: .tanh, seed: 8)
        let eager = MLP<Double>([4, 6, 3], activation: .tanh, seed: 8)
        let sgdC = SGD(parameters: compiled.parameters, learningRate: 0.1)
        let sgdE = SGD(parameters: eager.parameters, learningRate: 0.1)
        let step = CompiledTrainingStep(model: compiled) { Loss.softmaxCrossEntropy(logits: $0, oneHotTargets: $1) }
        let x = Self.random([10, 4], &rng)
        let labels = (0..<10).map { $0 % 3 }
        for _ in 0..<3 {
            for start in stride(from: 0, to: 10, by: 4) {
                let rows = Array(start..<Swift.min(start + 4, 10))
                let xb = x.selectingRows(rows), batchLabels = rows.map { labels[$0] }
                sgdC.zeroGradients()
                let lc = try step(xb, Self.oneHot(batchLabels, classes: 3))
                sgdC.step()
                sgdE.zeroGradients()
                let le = Loss.softmaxCrossEntropy(logits: eager(xb), labels: batchLabels)
                le.backward()
                sgdE.step()
                #expect(isClose([lc], [le.scalar], tolerance: 1e-12), "batch at \(start)")
            }
        }
        #expect(isClose(compiled.parameters, eager.parameters, gradients: false, tolerance: 1e-12))
        #expect(step.programs.count == 2)
        let p4 = try step.program(input: Self.random([4, 4], &rng), target: Self.oneHot([0, 1, 2, 0], classes: 3))
        let p2 = try step.program(input: Self.random([2, 4], &rng), target: Self.oneHot([0, 1], classes: 3))
        #expect(p4 !== p2)
        #expect(p2.inputShapes.suffix(2) == [[2, 4], [2, 3]])
        #expect(p4.outputShapes == [[]] + compiled.parameters.map(\.shape))
    }

    @Test func softmaxCrossEntropyWithOneHotTargetsEqualsLabelsAndClosedForm() {
        var rng = SeededGenerator(seed: 61)
        let labels = [2, 0, 1, 1, 3]
        let m = labels.count, classes = 4
        let z = Self.random([m, classes], &rng, scale: 2)
        let a = Tensor(shape: z.shape, scalars: z.scalars, requiresGradient: true)
        let b = Tensor(shape: z.shape, scalars: z.scalars, requiresGradient: true)
        let oneHot = Loss.softmaxCrossEntropy(logits: a, oneHotTargets: Self.oneHot(labels, classes: classes))
        let byLabel = Loss.softmaxCrossEntropy(logits: b, labels: labels)
        #expect(isClose([oneHot.scalar], [byLabel.scalar], tolerance: 1e-14))
        oneHot.backward()
        byLabel.backward()
        // Closed forms: E = −(1/m) Σ log softmax(zᵢ)[yᵢ],  ∂E/∂z = (softmax(z) − y)/m.
        var expected: [Double] = [], energy = 0.0
        for i in 0..<m {
            let row = Array(z.scalars[(i * classes)..<((i + 1) * classes)])
            let top = row.max()!
            let e = row.map { exp($0 - top) }
            let s = e.reduce(0, +)
            energy -= log(e[labels[i]] / s) / Double(m)
            expected += (0..<classes).map { (e[$0] / s - ($0 == labels[i] ? 1 : 0)) / Double(m) }
        }
        #expect(isClose([oneHot.scalar], [energy], tolerance: 1e-13))
        #expect(isClose(a.gradient!.scalars, expected, tolerance: 1e-13), "\(a.gradient!.scalars) vs \(expected)")
        #expect(isClose(b.gradient!.scalars, expected, tolerance: 1e-13))
    }

    // MARK: untraceable models

    /// A layer whose scale is a parameter it does not list.
    struct HiddenScale: Layer {
        let inner: Linear<Double>
        let scale: Parameter<Double>
        func callAsFunction(_ input: Tensor<Double>) -> Tensor<Double> { inner(input) * scale.value }
        var namedParameters: [(name: String, parameter: Parameter<Double>)] { inner.namedParameters }
    }

    @Test func aParameterNotListedIsAnErrorNamingACapturedParameter() throws {
        var rng = SeededGenerator(seed: 2)
        let layer = HiddenScale(inner: Linear(inputSize: 2, outputSize: 1, rng: &rng), scale: Parameter(Tensor<Double>([3])))
        let step = CompiledTrainingStep(model: layer) { Loss.halfSumOfSquares($0, $1) }
        let x = Tensor<Double>([[1, 2]]), y = Tensor<Double>([[0.5]])
        var message = ""
        do {
            try step(x, y)
            Issue.record("the step should throw")
        } catch let error as TensorProgramError {
            message = error.description
        }
        #expect(message.contains("captured parameter"), "\(message)")
        #expect(message.contains("[1]"), "the shape of the hidden parameter is named: \(message)")
        // The listed parameters are restored: eager training still works on them.
        #expect(layer.inner.weight.value.isLeaf && layer.inner.weight.value.requiresGradient)
        #expect(layer.inner.weight.gradient == nil)
        Loss.halfSumOfSquares(layer(x), y).backward()
        #expect(layer.inner.weight.gradient != nil && layer.scale.gradient != nil)
    }
}



