import Backprop
import Foundation
import Testing
@testable import BackpropNN

// A compiled step equals the eager step on models with custom ops and state, or refuses
// with a clear error; it never replays a value frozen at the trace.

/// softplus with its forward and backward computed from the values (`scalars`): the kind
/// of rule written around a C routine.
struct ValueSoftplus: TensorFunction {
    func forward(_ inputs: [Tensor<Double>]) -> Tensor<Double> {
        Tensor(shape: inputs[0].shape, scalars: inputs[0].scalars.map { Foundation.log(1 + Foundation.exp($0)) })
    }
    func backward(inputs: [Tensor<Double>], output: Tensor<Double>, upstream: Tensor<Double>) -> [Tensor<Double>?] {
        let x = inputs[0].scalars, g = upstream.scalars
        return [Tensor(shape: inputs[0].shape, scalars: zip(x, g).map { $1 / (1 + Foundation.exp(-$0)) })]
    }
}

struct ValueSoftplusLayer: Layer {
    func callAsFunction(_ input: Tensor<Double>) -> Tensor<Double> { ValueSoftplus()(input) }
    var namedParameters: [(name: String, parameter: Parameter<Double>)] { [] }
}

/// Divides by the largest activation, read with `scalars`: not traceable.
struct MaxNormalizing: Layer {
    func callAsFunction(_ input: Tensor<Double>) -> Tensor<Double> { input / Tensor(input.scalars.map(Swift.abs).max()! + 1) }
    var namedParameters: [(name: String, parameter: Parameter<Double>)] { [] }
}

/// Subtracts a running mean of its inputs, updated at every forward pass (state).
final class RunningMeanCentering: Layer {
    let mean: LayerState<Double>
    init(width: Int) { mean = LayerState(Tensor<Double>.zeros(shape: [1, width])) }
    func callAsFunction(_ input: Tensor<Double>) -> Tensor<Double> {
        mean.value = mean.value * Tensor(0.8) + input.mean(alongAxes: [0], keepingDimensions: true) * Tensor(0.2)
        return input - mean.value
    }
    var namedParameters: [(name: String, parameter: Parameter<Double>)] { [] }
    var namedStates: [(name: String, state: LayerState<Double>)] { [("mean", mean)] }
}

/// Dropout drawing its mask inside the forward pass: not traceable.
final class DrawingDropout: Layer {
    var rng = SeededGenerator(seed: 3)
    func callAsFunction(_ input: Tensor<Double>) -> Tensor<Double> {
        let u = Tensor<Double>.randomUniform(shape: input.shape, using: &rng)
        return input * u.step(threshold: 0.3) * Tensor(1 / 0.7)
    }
    var namedParameters: [(name: String, parameter: Parameter<Double>)] { [] }
}

/// Dropout whose mask is a state, drawn outside the step: traceable.
final class MaskDropout: Layer {
    let mask: LayerState<Double>
    init(shape: [Int]) { mask = LayerState(Tensor<Double>.zeros(shape: shape)) }
    func callAsFunction(_ input: Tensor<Double>) -> Tensor<Double> { input * mask.value }
    var namedParameters: [(name: String, parameter: Parameter<Double>)] { [] }
    var namedStates: [(name: String, state: LayerState<Double>)] { [("mask", mask)] }
    func redraw(_ rng: inout SeededGenerator) {
        mask.value = Tensor<Double>.randomUniform(shape: mask.shape, using: &rng).step(threshold: 0.3) * Tensor(1 / 0.7)
    }
}

final class Box<T>: @unchecked Sendable {
    var value: T
    init(_ value: T) { self.value = value }
}

@Suite("Compiled steps: tracing")
struct CompiledTracingTests {
    static func net(_ middle: any Layer<Double>, seed: UInt64, sizes: (Int, Int, Int) = (2, 4, 2)) -> Sequential<Double> {
        var rng = SeededGenerator(seed: seed)
        return Sequential<Double>([Linear(inputSize: sizes.0, outputSize: sizes.1, rng: &rng), middle,
                                   Linear(inputSize: sizes.1, outputSize: sizes.2, rng: &rng)])
    }

    static func close(_ a: [Double], _ b: [Double], _ tolerance: Double = 1e-10) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { Swift.abs($0 - $1) <= tolerance * Swift.max(1, Swift.abs($1)) }
    }

    static func random(_ shape: [Int], _ rng: inout SeededGenerator) -> Tensor<Double> {
        Tensor(shape: shape, scalars: (0..<shape.reduce(1, *)).map { _ in rng.nextNormal() })
    }

    @Test func customOpReadingValuesTrainsCompiledLikeEager() {
        var histories: [TrainingHistory] = []
        for engine in [TrainingEngine.eager, .compiled] {
            let model = Self.net(ValueSoftplusLayer(), seed: 4)
            let sgd = SGD(parameters: model.parameters, learningRate: 0.5)
            histories.append(train(model, on: Datasets.xor(), objective: .softmaxCrossEntropy, optimizer: sgd,
                                   options: TrainingOptions(epochs: 300, progress: .silent, engine: engine)))
        }
        #expect(histories[1].engine == .compiled && histories[1].engineFallback == nil)
        #expect(Self.close(histories[1].losses, histories[0].losses, 1e-9),
                "compiled final loss \(histories[1].finalLoss) vs eager \(histories[0].finalLoss)")
    }

    @Test func lossReadingATracedValueThrows() {
        let model = Self.net(ActivationLayer<Double>(.tanh), seed: 5)
        let step = CompiledTrainingStep(model: model) { p, t in Loss.halfSumOfSquares(p, t) * Tensor(1 / (1 + p.sum().scalar * p.sum().scalar)) }
        var rng = SeededGenerator(seed: 1)
        do {
            try step(Self.random([3, 2], &rng), Self.random([3, 2], &rng))
            Issue.record("no error")
        } catch {
            #expect("\(error)".contains("`scalar`"), "\(error)")
        }
    }

    @Test func modelReadingValuesFallsBackToEagerTrainingAndSaysSo() {
        var histories: [TrainingHistory] = []
        for engine in [TrainingEngine.eager, .compiled] {
            let model = Self.net(MaxNormalizing(), seed: 6)
            let sgd = SGD(parameters: model.parameters, learningRate: 0.5)
            histories.append(train(model, on: Datasets.xor(), objective: .softmaxCrossEntropy, optimizer: sgd,
                                   options: TrainingOptions(epochs: 50, progress: .silent, engine: engine)))
        }
        #expect(histories[1].engine == .eager)
        #expect(histories[1].engineFallback?.contains("`scalars`") == true, "\(histories[1].engineFallback ?? "no fallback")")
        #expect(histories[1].losses == histories[0].losses)
    }

    @Test func aCaptureThatChangesBetweenCallsIsAnError() throws {
        var rng = SeededGenerator(seed: 2)
        let x = Self.random([4, 2], &rng), y = Tensor<Double>(shape: [4, 2], scalars: [1, 0, 0, 1, 1, 0, 0, 1])
        // A temperature in a box the loss captures (a captured `var` does not compile).
        let temperature = Box(1.0)
        let step = CompiledTrainingStep(model: Self.net(ActivationLayer<Double>(.tanh), seed: 7)) {
            Loss.softmaxCrossEntropy(logits: $0 / Tensor(temperature.value), oneHotTargets: $1)
        }
        try step(x, y)
        temperature.value = 10
        #expect(throws: TensorProgramError.self) { try step(x, y) }
        // Labels captured instead of passed as the target.
        let labels = Box([0, 1, 0, 1])
        let byLabels = CompiledTrainingStep(model: Self.net(ActivationLayer<Double>(.tanh), seed: 7)) { logits, _ in
            Loss.softmaxCrossEntropy(logits: logits, labels: labels.value)
        }
        try byLabels(x, y)
        labels.value = [1, 1, 0, 0]
        do {
            try byLabels(x, y)
            Issue.record("no error")
        } catch {
            #expect("\(error)".contains("second call"), "\(error)")
        }
    }

    /// The second-call comparison: equal bytes, or equal values where the bytes differ
    /// (±0, NaNs with different payloads); any other difference, or a different count,
    /// is a mismatch, at the first element, the last, and in the middle.
    @Test(arguments: [1, 7, 4096])
    func secondCallComparisonMatchesValuesNotBytes(count: Int) {
        typealias Step = CompiledTrainingStep<Sequential<Double>>
        let base = (0..<count).map { Double($0) * 0.25 - 3 }
        #expect(Step.sameResults(base, base))
        #expect(Step.sameResults([], []))
        var signed = base
        signed[count / 2] = 0
        var negated = signed
        negated[count / 2] = -0.0
        #expect(Step.sameResults(signed, negated))
        var nanA = base, nanB = base
        nanA[count - 1] = .nan
        nanB[count - 1] = Double(nan: 7, signaling: false)
        #expect(nanA[count - 1].bitPattern != nanB[count - 1].bitPattern)
        #expect(Step.sameResults(nanA, nanB))
        #expect(!Step.sameResults(base, nanB))
        for i in Set([0, count / 2, count - 1]) {
            var changed = base
            changed[i] = changed[i].nextUp
            #expect(!Step.sameResults(base, changed), "element \(i) of \(count)")
            #expect(!Step.sameResults(changed, base), "element \(i) of \(count)")
        }
        #expect(!Step.sameResults(base, Array(base.dropLast())))
    }

    @Test func anUnchangedCaptureIsCheckedOnceAndMatchesEager() throws {
        let temperature = Box(2.0)
        let compiledModel = Self.net(ActivationLayer<Double>(.tanh), seed: 8), eagerModel = Self.net(ActivationLayer<Double>(.tanh), seed: 8)
        let step = CompiledTrainingStep(model: compiledModel) {
            Loss.softmaxCrossEntropy(logits: $0 / Tensor(temperature.value), oneHotTargets: $1)
        }
        let a = SGD(parameters: compiledModel.parameters, learningRate: 0.3), b = SGD(parameters: eagerModel.parameters, learningRate: 0.3)
        var rng = SeededGenerator(seed: 3)
        let y = Tensor<Double>(shape: [4, 2], scalars: [1, 0, 0, 1, 1, 0, 0, 1])
        for _ in 0..<4 {
            let x = Self.random([4, 2], &rng)
            let compiled = try step(x, y, updating: a)
            b.zeroGradients()
            let e = Loss.softmaxCrossEntropy(logits: eagerModel(x) / Tensor(temperature.value), oneHotTargets: y)
            e.backward()
            b.step()
            #expect(Self.close([compiled], [e.scalar], 1e-12))
        }
        for (p, q) in zip(compiledModel.parameters, eagerModel.parameters) { #expect(Self.close(p.value.scalars, q.value.scalars, 1e-12)) }
    }

    @Test func runningStatisticsUpdateCompiledLikeEager() throws {
        let compiledLayer = RunningMeanCentering(width: 4), eagerLayer = RunningMeanCentering(width: 4)
        let compiledModel = Self.net(compiledLayer, seed: 9, sizes: (3, 4, 2)), eagerModel = Self.net(eagerLayer, seed: 9, sizes: (3, 4, 2))
        #expect(compiledModel.namedStates.map(\.name) == ["1.mean"])
        let step = CompiledTrainingStep(model: compiledModel) { Loss.halfSumOfSquares($0, $1) }
        let a = SGD(parameters: compiledModel.parameters, learningRate: 0.1), b = SGD(parameters: eagerModel.parameters, learningRate: 0.1)
        var rng = SeededGenerator(seed: 4)
        for trial in 0..<5 {
            let x = Self.random([5, 3], &rng), y = Self.random([5, 2], &rng)
            let compiled = try step(x, y, updating: a)
            b.zeroGradients()
            let e = Loss.halfSumOfSquares(eagerModel(x), y)
            e.backward()
            b.step()
            #expect(Self.close([compiled], [e.scalar], 1e-12), "trial \(trial)")
            #expect(Self.close(compiledLayer.mean.value.scalars, eagerLayer.mean.value.scalars, 1e-12), "trial \(trial)")
            #expect(!compiledLayer.mean.value.requiresGradient)
        }
        for (p, q) in zip(compiledModel.parameters, eagerModel.parameters) { #expect(Self.close(p.value.scalars, q.value.scalars, 1e-12)) }
    }

    @Test func randomNumbersDrawnInTheForwardPassAreRefused() {
        var rng = SeededGenerator(seed: 5)
        let step = CompiledTrainingStep(model: Self.net(DrawingDropout(), seed: 10)) { Loss.halfSumOfSquares($0, $1) }
        do {
            try step(Self.random([3, 2], &rng), Self.random([3, 2], &rng))
            Issue.record("no error")
        } catch {
            #expect("\(error)".contains("random numbers"), "\(error)")
        }
        let model = Self.net(DrawingDropout(), seed: 10)
        let sgd = SGD(parameters: model.parameters, learningRate: 0.5)
        let history = train(model, on: Datasets.xor(), objective: .softmaxCrossEntropy, optimizer: sgd,
                            options: TrainingOptions(epochs: 3, progress: .silent))
        #expect(history.engine == .eager && history.engineFallback?.contains("random") == true)
    }

    @Test func aMaskDrawnOutsideTheStepAsStateMatchesEager() throws {
        let compiledLayer = MaskDropout(shape: [4, 4]), eagerLayer = MaskDropout(shape: [4, 4])
        let compiledModel = Self.net(compiledLayer, seed: 11), eagerModel = Self.net(eagerLayer, seed: 11)
        let step = CompiledTrainingStep(model: compiledModel) { Loss.halfSumOfSquares($0, $1) }
        let a = SGD(parameters: compiledModel.parameters, learningRate: 0.2), b = SGD(parameters: eagerModel.parameters, learningRate: 0.2)
        var rng = SeededGenerator(seed: 6), maskA = SeededGenerator(seed: 7), maskB = SeededGenerator(seed: 7)
        for trial in 0..<5 {
            let x = Self.random([4, 2], &rng), y = Self.random([4, 2], &rng)
            compiledLayer.redraw(&maskA)
            eagerLayer.redraw(&maskB)
            let compiled = try step(x, y, updating: a)
            b.zeroGradients()
            let e = Loss.halfSumOfSquares(eagerModel(x), y)
            e.backward()
            b.step()
            #expect(Self.close([compiled], [e.scalar], 1e-12), "trial \(trial)")
        }
        for (p, q) in zip(compiledModel.parameters, eagerModel.parameters) { #expect(Self.close(p.value.scalars, q.value.scalars, 1e-12)) }
    }
}

/// Keeps its last activation in a property of its own (not a LayerState).
final class CachingTanh: Layer {
    var last: Tensor<Double>?
    func callAsFunction(_ input: Tensor<Double>) -> Tensor<Double> {
        let y = input.tanh()
        last = y
        return y
    }
    var namedParameters: [(name: String, parameter: Parameter<Double>)] { [] }
}

extension CompiledTracingTests {
    @Test func aTracedValueKeptByALayerIsPoisonedNotStale() throws {
        let layer = CachingTanh()
        let model = Self.net(layer, seed: 12)
        let step = CompiledTrainingStep(model: model) { Loss.halfSumOfSquares($0, $1) }
        var rng = SeededGenerator(seed: 8)
        try step(Self.random([3, 2], &rng), Self.random([3, 2], &rng))
        // The value kept during the trace reads NaN afterwards, not the trace's numbers.
        #expect(layer.last?.scalars.allSatisfy(\.isNaN) == true)
        // The model itself is untouched: an eager forward pass is finite and refreshes it.
        let y = model(Self.random([3, 2], &rng))
        #expect(y.scalars.allSatisfy(\.isFinite) && layer.last?.scalars.allSatisfy(\.isFinite) == true)
    }
}

extension CompiledTracingTests {
    @Test func aConstantTensorCanBeCapturedAsNonisolatedUnsafe() throws {
        nonisolated(unsafe) let weights = Tensor<Double>([[2, 0.5]])
        let compiledModel = Self.net(ActivationLayer<Double>(.tanh), seed: 13), eagerModel = Self.net(ActivationLayer<Double>(.tanh), seed: 13)
        let step = CompiledTrainingStep(model: compiledModel) { (($0 - $1) * ($0 - $1) * weights).sum() }
        var rng = SeededGenerator(seed: 9)
        for _ in 0..<3 {
            let x = Self.random([3, 2], &rng), y = Self.random([3, 2], &rng)
            let compiled = try step(x, y)
            let out = eagerModel(x)
            let eager = ((out - y) * (out - y) * weights).sum()
            #expect(Self.close([compiled], [eager.scalar], 1e-12))
        }
    }
}

extension CompiledTracingTests {
    @Test func trainingAStatefulModelCompiledEqualsEager() {
        var histories: [TrainingHistory] = [], means: [[Double]] = []
        for engine in [TrainingEngine.eager, .compiled] {
            let layer = RunningMeanCentering(width: 4)
            let model = Self.net(layer, seed: 14)
            let sgd = SGD(parameters: model.parameters, learningRate: 0.3)
            histories.append(train(model, on: Datasets.twoMoons(count: 40, seed: 2), objective: .softmaxCrossEntropy, optimizer: sgd,
                                   options: TrainingOptions(epochs: 20, batchSize: 16, progress: .silent, engine: engine)))
            means.append(layer.mean.value.scalars)
        }
        #expect(histories[1].engine == .compiled && histories[1].engineFallback == nil, "\(histories[1].engineFallback ?? "")")
        #expect(Self.close(histories[1].losses, histories[0].losses, 1e-10))
        #expect(Self.close(means[1], means[0], 1e-10))
    }
}
