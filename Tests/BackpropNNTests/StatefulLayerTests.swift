import Backprop
import Foundation
import Testing
import BackpropTestSupport
@testable import BackpropNN

// Train/eval modes, keyed dropout, batch and layer normalisation: eager and compiled
// steps agree call by call, whatever the mode switches in between.

@Suite("Stateful layers: modes, dropout, compiled agreement")
struct StatefulLayerTests {
    typealias T = Tensor<Double>

    /// Linear → BatchNorm → tanh → Dropout → Linear; equal seeds give equal models.
    static func model(seed: UInt64 = 3, inputs: Int = 3) -> Sequential<Double> {
        var rng = SeededGenerator(seed: seed)
        return Sequential<Double>([
            Linear(inputSize: inputs, outputSize: 4, rng: &rng), BatchNorm(featureCount: 4), ActivationLayer(.tanh),
            Dropout(probability: 0.4, seed: 11), Linear(inputSize: 4, outputSize: 2, rng: &rng),
        ])
    }

    static func random(_ shape: [Int], _ rng: inout SeededGenerator) -> T {
        Tensor(shape: shape, scalars: (0..<shape.reduce(1, *)).map { _ in rng.nextNormal() })
    }

    @Test("switching modes between compiled calls gives eager's losses, gradients and states; one program per mode")
    func modeSwitchesMatchEager() throws {
        let eager = Self.model(), compiled = Self.model()
        let step = CompiledTrainingStep(model: compiled) { Loss.halfSumOfSquares($0, $1) }
        var rng = SeededGenerator(seed: 8)
        let modes: [LayerMode] = [.training, .training, .evaluation, .training, .evaluation, .evaluation, .training, .training]
        for (call, mode) in modes.enumerated() {
            let x = Self.random([5, 3], &rng), y = Self.random([5, 2], &rng)
            eager.setMode(mode)
            compiled.setMode(mode)
            eager.zeroGradients()
            compiled.zeroGradients()
            let e = Loss.halfSumOfSquares(eager(x), y)
            e.backward()
            let loss = try step(x, y)
            #expect(isClose(loss, e.scalar, tolerance: 1e-12), "call \(call) (\(mode)): compiled \(loss), eager \(e.scalar)")
            #expect(isClose(compiled.parameters, eager.parameters, gradients: true, tolerance: 1e-10), "call \(call) (\(mode))")
            for (a, b) in zip(compiled.namedStates, eager.namedStates) {
                #expect(isClose(a.state.value, b.state.value, tolerance: 1e-12), "call \(call) (\(mode)): state \(a.name)")
            }
            for (a, b) in zip(compiled.parameters, eager.parameters) {
                a.value = a.value - T(0.1) * a.gradient!
                b.value = b.value - T(0.1) * b.gradient!
            }
        }
        #expect(step.programs.count == 2)
        #expect(Set(step.programs.keys.map(\.modes)) == [[.training, .training], [.evaluation, .evaluation]])
        // Five training calls advanced the dropout key five times, in both engines.
        let dropout = compiled.layers[3] as! Dropout<Double>
        #expect(dropout.randomKey == RandomKey(seed: 11, step: 5))
        #expect((eager.layers[3] as! Dropout<Double>).randomKey == dropout.randomKey)
    }

    @Test("setMode reaches nested layers; withMode puts the modes back")
    func modesOfNestedLayers() {
        let inner = Sequential<Double>([BatchNorm(featureCount: 2), Dropout(probability: 0.5, seed: 1)])
        var rng = SeededGenerator(seed: 1)
        let model = Sequential<Double>([Linear(inputSize: 2, outputSize: 2, rng: &rng), inner])
        #expect(model.modeSwitches.count == 2 && model.mode == .training)
        model.setMode(.evaluation)
        #expect(inner.modeSwitches.allSatisfy { $0.mode == .evaluation } && model.mode == .evaluation)
        model.withMode(.training) { #expect(inner.mode == .training) }
        #expect(model.mode == .evaluation)
        #expect(model.namedParameters.map(\.name) == ["0.W", "0.b", "1.0.scale", "1.0.offset"])
        #expect(model.namedStates.map(\.name) == ["1.0.runningMean", "1.0.runningVariance", "1.1.key"])
        #expect(MLP<Double>([2, 3, 1], activation: .tanh).modeSwitches.isEmpty)
    }

    @Test("dropout draws the same masks eagerly and in a program for the same seed and step, fresh ones each step")
    func keyedDrawsAgree() throws {
        let program = try TensorProgram<Double>(inputs: [RandomKey(seed: 9).tensor()]) { x in
            [T.randomUniform(shape: [3, 4], key: x[0], stream: 2), x[0].advancedRandomKey()]
        }
        var key = RandomKey(seed: 9)
        var previous: [Double] = []
        for _ in 0..<4 {
            let outputs = program([key.tensor()])
            let eager = T.randomUniform(shape: [3, 4], key: key.tensor(), stream: 2)
            #expect(outputs[0].scalars == eager.scalars)
            #expect(outputs[0].scalars == (0..<12).map { key.unitInterval(at: UInt64($0), stream: 2) })
            #expect(outputs[0].scalars != previous)
            #expect(RandomKey(outputs[1]) == key.advanced())
            previous = outputs[0].scalars
            key = key.advanced()
        }
        #expect(T.randomUniform(shape: [12], key: RandomKey(seed: 9).tensor(), stream: 3).scalars
                != T.randomUniform(shape: [12], key: RandomKey(seed: 9).tensor(), stream: 2).scalars)
    }

    @Test("a compiled dropout model gets eager's gradients at every step (same masks)", arguments: [0.1, 0.5, 0.9])
    func compiledDropoutMasksMatchEager(probability: Double) throws {
        func model() -> Sequential<Double> {
            var rng = SeededGenerator(seed: 4)
            return Sequential<Double>([Linear(inputSize: 3, outputSize: 6, rng: &rng), Dropout(probability: probability, seed: 77)])
        }
        let eager = model(), compiled = model()
        let step = CompiledTrainingStep(model: compiled) { Loss.halfSumOfSquares($0, $1) }
        var rng = SeededGenerator(seed: 2)
        let x = Self.random([4, 3], &rng), y = Self.random([4, 6], &rng)
        var eagerLosses: [Double] = [], compiledLosses: [Double] = []
        for _ in 0..<6 {
            eager.zeroGradients()
            compiled.zeroGradients()
            let e = Loss.halfSumOfSquares(eager(x), y)
            e.backward()
            eagerLosses.append(e.scalar)
            compiledLosses.append(try step(x, y))
            #expect(isClose(compiled.parameters, eager.parameters, gradients: true, tolerance: 1e-12))
        }
        #expect(isClose(compiledLosses, eagerLosses, tolerance: 1e-12))
        #expect(Set(eagerLosses).count == eagerLosses.count, "the same input gives a new mask, so a new loss, at every step")
    }

    @Test("dropout keeps 1 − p of the elements, scaled by 1/(1 − p); evaluation mode passes the input through")
    func dropoutStatistics() {
        let dropout = Dropout<Double>(probability: 0.25, seed: 5)
        let x = T.ones(shape: [4000])
        let y = dropout(x).scalars
        let kept = y.filter { $0 != 0 }
        #expect(kept.allSatisfy { $0 == 1 / 0.75 })
        #expect(Swift.abs(Double(kept.count) / 4000 - 0.75) < 0.03, "kept \(kept.count) of 4000")
        #expect(Swift.abs(y.reduce(0, +) / 4000 - 1) < 0.04)
        #expect(dropout.randomKey.step == 1)
        #expect(dropout(x).scalars != y, "the next step draws a new mask")
        dropout.setMode(.evaluation)
        #expect(dropout(x).scalars == x.scalars)
        #expect(dropout.randomKey.step == 2, "evaluation does not advance the key")
        // The mask is the gradient: ∂Σy/∂x = m/(1 − p).
        dropout.setMode(.training)
        dropout.randomKey = RandomKey(seed: 5, step: 0)
        let input = T.ones(shape: [4000], requiresGradient: true)
        dropout(input).sum().backward()
        #expect(input.gradient!.scalars == y)
    }

    @Test("a Float key holds any 64-bit seed and step exactly")
    func floatKeysAreExact() {
        for key in [RandomKey(seed: .max, step: .max - 1), RandomKey(seed: 0x1234_5678_9ABC_DEF0, step: 1 << 40), RandomKey(seed: 0)] {
            #expect(RandomKey(key.tensor(as: Float.self)) == key)
            #expect(RandomKey(key.tensor(as: Float.self).advancedRandomKey(by: 3)) == key.advanced(by: 3))
        }
        let u = Tensor<Float>.randomUniform(shape: [1000], key: RandomKey(seed: 1).tensor())
        #expect(u.scalars.allSatisfy { $0 >= 0 && $0 < 1 })
    }

    @Test("a Float model with dropout trains compiled with eager's losses")
    func floatDropoutTrainsLikeEager() {
        var histories: [TrainingHistory] = []
        for engine in [TrainingEngine.eager, .compiled] {
            var rng = SeededGenerator(seed: 6)
            let model = Sequential<Float>([Linear(inputSize: 2, outputSize: 8, rng: &rng), ActivationLayer(.tanh),
                                           Dropout(probability: 0.3, seed: 12), Linear(inputSize: 8, outputSize: 2, rng: &rng)])
            let sgd = SGD(parameters: model.parameters, learningRate: 0.1)
            histories.append(train(model, on: Datasets.twoMoons(count: 40), objective: .softmaxCrossEntropy, optimizer: sgd,
                                   options: TrainingOptions(epochs: 5, batchSize: 8, progress: .silent, engine: engine)))
            #expect((model.layers[2] as! Dropout<Float>).randomKey.step == 25)
        }
        #expect(histories[1].engine == .compiled && histories[1].engineFallback == nil)
        #expect(isClose(histories[1].losses, histories[0].losses, tolerance: 1e-5), "\(histories[1].losses) vs \(histories[0].losses)")
    }

    /// Reads its dropout's key as a Swift value in the forward pass: frozen if traced.
    struct KeyReading: Layer {
        let dropout = Dropout<Double>(probability: 0.5, seed: 1)
        func callAsFunction(_ input: Tensor<Double>) -> Tensor<Double> {
            input * Tensor(Double(dropout.randomKey.step % 2))
        }
        var namedParameters: [(name: String, parameter: Parameter<Double>)] { [] }
        var namedStates: [(name: String, state: LayerState<Double>)] { dropout.namedStates }
    }

    @Test("reading a traced key as a value is refused, not frozen")
    func readingATracedKeyIsRefused() {
        var rng = SeededGenerator(seed: 1)
        let model = Sequential<Double>([Linear(inputSize: 2, outputSize: 2, rng: &rng), KeyReading()])
        let step = CompiledTrainingStep(model: model) { Loss.halfSumOfSquares($0, $1) }
        do {
            try step(Self.random([2, 2], &rng), Self.random([2, 2], &rng))
            Issue.record("no error")
        } catch {
            #expect("\(error)".contains("reading `scalars` of input"), "\(error)")
        }
    }

    @Test("train compiles a model with dropout and batch norm (no fallback) and matches eager training")
    func trainingWithDropoutAndBatchNormCompiles() {
        var histories: [TrainingHistory] = []
        var accuracies: [Double] = []
        for engine in [TrainingEngine.eager, .compiled] {
            let model = Self.model(seed: 5, inputs: 2)
            let sgd = SGD(parameters: model.parameters, learningRate: 0.2)
            histories.append(train(model, on: Datasets.xor(), objective: .softmaxCrossEntropy, optimizer: sgd,
                                   options: TrainingOptions(epochs: 40, progress: .silent, engine: engine)))
            #expect(model.mode == .training, "train puts the modes back")
            let bn = model.layers[1] as! BatchNorm<Double>
            let running = bn.runningMean.value.scalars
            accuracies.append(accuracy(of: model, on: Datasets.xor()))
            #expect(bn.runningMean.value.scalars == running, "accuracy evaluates in evaluation mode")
        }
        #expect(histories[1].engine == .compiled && histories[1].engineFallback == nil)
        #expect(isClose(histories[1].losses, histories[0].losses, tolerance: 1e-9),
                "compiled \(histories[1].losses.suffix(3)) vs eager \(histories[0].losses.suffix(3))")
        #expect(accuracies[0] == accuracies[1])
    }
}

/// Holds a second parameter it forgets to list.
struct ForgetfulLayer: Layer {
    let inner: Linear<Double>
    let extra = Parameter(Tensor<Double>([1, 2]))
    func callAsFunction(_ input: Tensor<Double>) -> Tensor<Double> { inner(input) * extra.value.sum() }
    var namedParameters: [(name: String, parameter: Parameter<Double>)] { inner.namedParameters }
}

/// Lists only its first layer's parameters, and none of the states or switches.
final class ForgetfulContainer: Layer {
    let layers: [any Layer<Double>]
    let norm: BatchNorm<Double>?
    init(_ layers: [any Layer<Double>], norm: BatchNorm<Double>?) { self.layers = layers; self.norm = norm }
    func callAsFunction(_ input: Tensor<Double>) -> Tensor<Double> { layers.reduce(input) { $1($0) } }
    var namedParameters: [(name: String, parameter: Parameter<Double>)] { layers[0].namedParameters }
}

@Suite("Unregistered parameters, states and mode switches")
struct UnregisteredPartsTests {
    static func linear(_ i: Int, _ o: Int, seed: UInt64 = 1) -> Linear<Double> {
        var rng = SeededGenerator(seed: seed)
        return Linear(inputSize: i, outputSize: o, rng: &rng)
    }

    @Test("correct models have none")
    func correctModels() {
        #expect(unregisteredParts(in: MLP<Double>([2, 3, 1], activation: .tanh)).isEmpty)
        #expect(unregisteredParts(in: StatefulLayerTests.model()).isEmpty)
        #expect(unregisteredParts(in: Sequential<Double>([LayerNorm(featureCount: 2), Sequential([Dropout(probability: 0.1, seed: 1)])])).isEmpty)
    }

    @Test("a forgotten parameter, a forgotten sublayer and a forgotten batch norm's states and switch are reported by path")
    func brokenLayers() {
        #expect(unregisteredParts(in: ForgetfulLayer(inner: Self.linear(2, 2))).map(\.description) == ["extra (parameter)"])
        let container = ForgetfulContainer([Self.linear(2, 2), Self.linear(2, 1, seed: 2)], norm: BatchNorm(featureCount: 2))
        #expect(unregisteredParts(in: container).map(\.description) == [
            "layers[1].weight (parameter)", "layers[1].bias (parameter)",
            "norm.scale (parameter)", "norm.offset (parameter)", "norm.runningMean (state)",
            "norm.runningVariance (state)", "norm.modeSwitch (mode switch)",
        ])
        // A parameter shared with a registered one (tied weights) is registered.
        let shared = Self.linear(2, 2)
        #expect(unregisteredParts(in: ForgetfulContainer([shared, shared], norm: nil)).isEmpty)
    }

    @Test("train warns about unregistered parameters on standard error")
    func trainWarns() async {
        let result = await #expect(processExitsWith: .success, observing: [\.standardErrorContent]) {
            var rng = SeededGenerator(seed: 1)
            let model = ForgetfulLayer(inner: Linear(inputSize: 2, outputSize: 2, rng: &rng))
            let sgd = SGD(parameters: model.parameters, learningRate: 0.1)
            train(model, on: Datasets.xor(), objective: .softmaxCrossEntropy, optimizer: sgd,
                  options: TrainingOptions(epochs: 1, progress: .silent))
        }
        let text = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
        #expect(text.contains("train: warning: the model holds parts it does not register, which are not trained, saved or switched: extra (parameter)"), "\(text)")
    }

    @Test("a tensor that is not a random key stops with a message naming the bad part", arguments: [
        ("half", "RandomKey: part 4 of the key tensor is 0.5, not a whole number in 0...65535"),
        ("shape", "RandomKey: a key tensor has shape [8], got [3]"),
        ("dropout", "Dropout: probability must be in [0, 1), got 1.0"),
        ("batch of one", "BatchNorm: training needs more than 1 row per batch to estimate a variance, got 1"),
    ])
    func badKeys(name: String, message: String) async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            [name = name as String] in
            switch name {
            case "half": _ = Tensor<Double>.randomUniform(shape: [2], key: Tensor([0, 0, 0, 0, 0.5, 0, 0, 0]))
            case "shape": _ = RandomKey(Tensor<Double>([1, 2, 3]))
            case "dropout": _ = Dropout<Double>(probability: 1, seed: 0)
            default: _ = BatchNorm<Double>(featureCount: 2)(Tensor(shape: [1, 2], scalars: [1, 2]))
            }
        }
        let text = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
        #expect(text.contains(message), "\(text)")
    }
}
