import Backprop
import BackpropTestSupport
import Foundation
import Testing
@testable import BackpropNN

// Issue 11, "Done when": a compiled step equals the eager step (to rounding) on every
// kind of model the library has, including tied weights, stateful layers and custom ops,
// or refuses with a clear error. One table of models (`ModelKind`), each trained as twins
// built from the same seed: one eagerly (`loss.backward()`, `optimizer.step()`), one by a
// `CompiledTrainingStep`, for several steps on fresh batches with SGD (momentum) and Adam,
// through both compiled forms (gradients accumulated then `optimizer.step()`, and the fused
// `step(x, y, updating:)`). After every step the losses, the gradients (accumulating form),
// the parameters and the layer states must agree within `tolerance`; and the eager twin
// must have moved, so the comparison is never between two untouched models.
//
// `BigramModel` (smoothed bigram counts) has no parameters and no forward pass to compile;
// its trainable counterpart, makemore's neural bigram (one linear map of the one-hot
// previous character), is in the table as `.neuralBigram`.

/// softsign x/(1 + |x|) with a forward that reads the values and a backward written in
/// tensor ops, ḡ/(1 + |x|)²: traced into the program like any other rule.
struct SoftsignWithTensorBackward: TensorFunction {
    func forward(_ inputs: [Tensor<Double>]) -> Tensor<Double> {
        Tensor(shape: inputs[0].shape, scalars: inputs[0].scalars.map { $0 / (1 + Swift.abs($0)) })
    }
    func backward(inputs: [Tensor<Double>], output: Tensor<Double>, upstream: Tensor<Double>) -> [Tensor<Double>?] {
        let d = Tensor(1) + inputs[0].abs()
        return [upstream / (d * d)]
    }
}

/// a·b elementwise, forward and backward computed from the values (`scalars`): a program
/// must run its backward eagerly on each run's values, for both inputs.
struct ProductWithValueBackward: TensorFunction {
    func forward(_ inputs: [Tensor<Double>]) -> Tensor<Double> {
        Tensor(shape: inputs[0].shape, scalars: zip(inputs[0].scalars, inputs[1].scalars).map(*))
    }
    func backward(inputs: [Tensor<Double>], output: Tensor<Double>, upstream: Tensor<Double>) -> [Tensor<Double>?] {
        let a = inputs[0].scalars, b = inputs[1].scalars, g = upstream.scalars
        return [Tensor(shape: inputs[0].shape, scalars: (0..<g.count).map { g[$0] * b[$0] }),
                Tensor(shape: inputs[1].shape, scalars: (0..<g.count).map { g[$0] * a[$0] })]
    }
}

/// A layer given by a function, with the parameters it uses listed explicitly (a name may
/// list the same parameter twice: tied weights).
struct FunctionLayer: Layer {
    let parameterList: [(name: String, parameter: Parameter<Double>)]
    let body: (Tensor<Double>) -> Tensor<Double>
    init(_ parameters: [(name: String, parameter: Parameter<Double>)] = [], _ body: @escaping (Tensor<Double>) -> Tensor<Double>) {
        parameterList = parameters
        self.body = body
    }
    func callAsFunction(_ input: Tensor<Double>) -> Tensor<Double> { body(input) }
    var namedParameters: [(name: String, parameter: Parameter<Double>)] { parameterList }
}

/// Every kind of model and layer the library has, as a small model.
enum ModelKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case mlpIdentity, mlpStep, mlpSigmoid, mlpTanh, mlpRelu, mlpLeakyRelu, mlpSoftmax
    case digitsCNN, convolutionAndPooling
    case batchNormTraining, batchNormEvaluation, batchNormSwitchingModes
    case layerNorm, dropout, dropoutSwitchingModes
    case characterMLP, causalSelfAttention, characterTransformer, neuralBigram
    case tiedLayer, tiedEmbedding
    case customOpTensorBackward, customOpValueBackward, customOpValueBackwardTwoInputs
    case refusedValueReadingLayer, refusedRandomDrawingLayer

    var testDescription: String { rawValue }
}

/// How the twins are updated.
enum UpdateKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    /// `optimizer.zeroGradients(); try step(x, y); optimizer.step()` with SGD, momentum 0.9.
    case sgdAccumulating
    /// `try step(x, y, updating: sgd)`.
    case sgdFused
    /// The accumulating form with Adam.
    case adamAccumulating
    /// The fused form with Adam.
    case adamFused

    var testDescription: String { rawValue }
    var isFused: Bool { self == .sgdFused || self == .adamFused }

    func optimizer(_ parameters: [Parameter<Double>]) -> any Optimizer<Double> {
        switch self {
        case .sgdAccumulating, .sgdFused: SGD(parameters: parameters, learningRate: 0.05, momentum: 0.9)
        case .adamAccumulating, .adamFused: Adam(parameters: parameters, learningRate: 0.01)
        }
    }
}

/// One model of the table: the model, how its batches are drawn, its loss, the modes of
/// its steps, and what the compiled step must do.
struct ModelCase {
    enum Outcome { case equalsEager, refused(containing: [String]) }

    let model: Sequential<Double>
    let batch: @Sendable (_ rows: Int, _ rng: inout SeededGenerator) -> (x: Tensor<Double>, y: Tensor<Double>)
    let loss: @Sendable (Tensor<Double>, Tensor<Double>) -> Tensor<Double>
    var modes: [LayerMode]?
    var outcome: Outcome

    init(model: Sequential<Double>, batch: @escaping @Sendable (Int, inout SeededGenerator) -> (x: Tensor<Double>, y: Tensor<Double>),
         loss: @escaping @Sendable (Tensor<Double>, Tensor<Double>) -> Tensor<Double>, modes: [LayerMode]? = nil,
         outcome: Outcome = .equalsEager) {
        self.model = model
        self.batch = batch
        self.loss = loss
        self.modes = modes
        self.outcome = outcome
    }

    static func normal(_ shape: [Int], _ rng: inout SeededGenerator, scale: Double = 1) -> Tensor<Double> {
        Tensor(shape: shape, scalars: (0..<shape.reduce(1, *)).map { _ in scale * rng.nextNormal() })
    }

    /// Rows of `blocks` one-hot blocks of width `width`.
    static func oneHot(rows: Int, blocks: Int, width: Int, _ rng: inout SeededGenerator) -> Tensor<Double> {
        var values = [Double](repeating: 0, count: rows * blocks * width)
        for r in 0..<rows {
            for b in 0..<blocks { values[(r * blocks + b) * width + Int(rng.next() % UInt64(width))] = 1 }
        }
        return Tensor(shape: [rows, blocks * width], scalars: values)
    }

    /// Regression batches: inputs N(0, 1), targets N(0, ½²).
    static func regression(_ inputs: Int, _ outputs: Int) -> @Sendable (Int, inout SeededGenerator) -> (x: Tensor<Double>, y: Tensor<Double>) {
        { rows, rng in (normal([rows, inputs], &rng), normal([rows, outputs], &rng, scale: 0.5)) }
    }

    /// Classification batches: inputs N(0, 1) (or one-hot blocks), one-hot targets.
    static func classification(_ inputs: Int, _ classes: Int, oneHotInputBlocks: Int? = nil)
        -> @Sendable (Int, inout SeededGenerator) -> (x: Tensor<Double>, y: Tensor<Double>) {
        { rows, rng in
            let x = oneHotInputBlocks.map { oneHot(rows: rows, blocks: $0, width: inputs / $0, &rng) } ?? normal([rows, inputs], &rng)
            return (x, oneHot(rows: rows, blocks: 1, width: classes, &rng))
        }
    }

    static let crossEntropy: @Sendable (Tensor<Double>, Tensor<Double>) -> Tensor<Double> = {
        Loss.softmaxCrossEntropy(logits: $0, oneHotTargets: $1)
    }
    static let halfSSE: @Sendable (Tensor<Double>, Tensor<Double>) -> Tensor<Double> = { Loss.halfSumOfSquares($0, $1) }
    static let mse: @Sendable (Tensor<Double>, Tensor<Double>) -> Tensor<Double> = { Loss.meanSquaredError($0, $1) }

    static func mlp(_ activation: Activation, output: Activation = .identity) -> Sequential<Double> {
        Sequential([MLP<Double>([3, 5, 4, 3], activation: activation, outputActivation: output, seed: 21)])
    }

    /// The model of `kind`, the same for the same kind (fixed seeds).
    init(_ kind: ModelKind) {
        var rng = SeededGenerator(seed: 5)
        let vocabulary = CharacterVocabulary.lowercaseLetters, v = vocabulary.count
        switch kind {
        case .mlpIdentity: self.init(model: Self.mlp(.identity), batch: Self.regression(3, 3), loss: Self.halfSSE)
        case .mlpStep: self.init(model: Self.mlp(.step), batch: Self.classification(3, 3), loss: Self.crossEntropy)
        case .mlpSigmoid: self.init(model: Self.mlp(.sigmoid, output: .sigmoid), batch: Self.regression(3, 3), loss: Self.mse)
        case .mlpTanh: self.init(model: Self.mlp(.tanh), batch: Self.classification(3, 3), loss: Self.crossEntropy)
        case .mlpRelu: self.init(model: Self.mlp(.relu), batch: Self.classification(3, 3), loss: Self.crossEntropy)
        case .mlpLeakyRelu: self.init(model: Self.mlp(.leakyRelu(slope: 0.1)), batch: Self.regression(3, 3), loss: Self.halfSSE)
        case .mlpSoftmax: self.init(model: Self.mlp(.softmax, output: .softmax), batch: Self.regression(3, 3), loss: Self.mse)
        case .digitsCNN:
            self.init(model: Sequential([DigitsCNN<Double>(channels: (2, 3), seed: 3)]), batch: Self.classification(64, 10),
                      loss: Self.crossEntropy)
        case .convolutionAndPooling:
            // [B, 72] → [B, 2, 6, 6] → conv 3×3 pad 1 → tanh → max 2×2 → [B, 3, 3, 3]
            //   → conv 2×2 → relu → average 2×2 → [B, 4, 1, 1] → [B, 4] → linear → [B, 3]
            let model = Sequential<Double>([
                Reshape([2, 6, 6]), Conv2d(inputChannels: 2, outputChannels: 3, kernelSize: 3, padding: 1, rng: &rng),
                ActivationLayer(.tanh), Pool2d(.maximum, kernelSize: 2),
                Conv2d(inputChannels: 3, outputChannels: 4, kernelSize: 2, rng: &rng), ActivationLayer(.relu),
                Pool2d(.average, kernelSize: 2), Reshape([-1]), Linear(inputSize: 4, outputSize: 3, rng: &rng),
            ])
            self.init(model: model, batch: Self.classification(72, 3), loss: Self.crossEntropy)
        case .batchNormTraining, .batchNormEvaluation, .batchNormSwitchingModes:
            let model = Sequential<Double>([Linear(inputSize: 3, outputSize: 4, rng: &rng), BatchNorm(featureCount: 4, momentum: 0.3),
                                            ActivationLayer(.tanh), Linear(inputSize: 4, outputSize: 2, rng: &rng)])
            let modes: [LayerMode] = switch kind {
            case .batchNormTraining: Array(repeating: .training, count: 6)
            case .batchNormEvaluation: Array(repeating: .evaluation, count: 6)
            default: [.training, .training, .evaluation, .training, .evaluation, .training]
            }
            self.init(model: model, batch: Self.regression(3, 2), loss: Self.halfSSE, modes: modes)
        case .layerNorm:
            let model = Sequential<Double>([Linear(inputSize: 3, outputSize: 5, rng: &rng), LayerNorm(featureCount: 5),
                                            ActivationLayer(.relu), Linear(inputSize: 5, outputSize: 3, rng: &rng)])
            self.init(model: model, batch: Self.classification(3, 3), loss: Self.crossEntropy)
        case .dropout, .dropoutSwitchingModes:
            let model = Sequential<Double>([Linear(inputSize: 3, outputSize: 8, rng: &rng), ActivationLayer(.tanh),
                                            Dropout(probability: 0.4, seed: 17), Linear(inputSize: 8, outputSize: 3, rng: &rng)])
            let modes: [LayerMode]? = kind == .dropout ? nil
                : [.training, .evaluation, .training, .training, .evaluation, .training]
            self.init(model: model, batch: Self.classification(3, 3), loss: Self.crossEntropy, modes: modes)
        case .characterMLP:
            let model = CharacterMLP<Double>(vocabulary: vocabulary, contextLength: 3, embeddingSize: 4, hiddenSize: 10, seed: 2)
            self.init(model: Sequential([model]), batch: Self.classification(3 * v, v, oneHotInputBlocks: 3), loss: Self.crossEntropy)
        case .causalSelfAttention:
            // [B, T·d] → [B, T, d] → attention → [B, T·d], T = 4, d = 6, 2 heads.
            let model = Sequential<Double>([Reshape([4, 6]), CausalSelfAttention(modelSize: 6, heads: 2, rng: &rng), Reshape([-1])])
            self.init(model: model, batch: Self.regression(24, 24), loss: Self.halfSSE)
        case .characterTransformer:
            let model = CharacterTransformer<Double>(vocabulary: vocabulary, contextLength: 4, modelSize: 8, heads: 2, blockCount: 2, seed: 4)
            self.init(model: Sequential([model]), batch: Self.classification(4 * v, v, oneHotInputBlocks: 4), loss: Self.crossEntropy)
        case .neuralBigram:
            let model = Sequential<Double>([Linear(inputSize: v, outputSize: v, rng: &rng)])
            self.init(model: model, batch: Self.classification(v, v, oneHotInputBlocks: 1), loss: Self.crossEntropy)
        case .tiedLayer:
            // The same 3→3 layer applied twice: y = L(tanh(L(x))).
            let shared = Linear<Double>(inputSize: 3, outputSize: 3, rng: &rng)
            self.init(model: Sequential([shared, ActivationLayer(.tanh), shared]), batch: Self.regression(3, 3), loss: Self.halfSSE)
        case .tiedEmbedding:
            // Embedding C [V, d] read as the input lookup and, transposed, as the output map
            // (logits = tanh(W·x C) Cᵀ), as GPT-2 ties them.
            let embedding = Parameter<Double>(Initializer.normal(standardDeviation: 0.5).weights(out: v, in: 6, using: &rng))
            let hidden = Linear<Double>(inputSize: 6, outputSize: 6, rng: &rng)
            let lookup = FunctionLayer([("embedding", embedding)]) { x in x.matmul(embedding.value) }
            let unembed = FunctionLayer([("unembedding", embedding)]) { h in h.matmul(embedding.value, transposingOther: true) }
            self.init(model: Sequential([lookup, hidden, ActivationLayer(.tanh), unembed]),
                      batch: Self.classification(v, v, oneHotInputBlocks: 1), loss: Self.crossEntropy)
        case .customOpTensorBackward:
            self.init(model: CompiledTracingTests.net(FunctionLayer { SoftsignWithTensorBackward()($0) }, seed: 8, sizes: (3, 4, 3)),
                      batch: Self.regression(3, 3), loss: Self.halfSSE)
        case .customOpValueBackward:
            self.init(model: CompiledTracingTests.net(ValueSoftplusLayer(), seed: 9, sizes: (3, 4, 3)),
                      batch: Self.classification(3, 3), loss: Self.crossEntropy)
        case .customOpValueBackwardTwoInputs:
            // A gate x·tanh(x) through the custom product: both gradients run eagerly.
            self.init(model: CompiledTracingTests.net(FunctionLayer { ProductWithValueBackward()($0, $0.tanh()) }, seed: 10, sizes: (3, 4, 3)),
                      batch: Self.regression(3, 3), loss: Self.halfSSE)
        case .refusedValueReadingLayer:
            self.init(model: CompiledTracingTests.net(MaxNormalizing(), seed: 11, sizes: (3, 4, 3)),
                      batch: Self.regression(3, 3), loss: Self.halfSSE,
                      outcome: .refused(containing: ["reading `scalars` of", "while tracing", "Write the computation in tensor ops"]))
        case .refusedRandomDrawingLayer:
            self.init(model: CompiledTracingTests.net(DrawingDropout(), seed: 12, sizes: (3, 4, 3)),
                      batch: Self.regression(3, 3), loss: Self.halfSSE,
                      outcome: .refused(containing: ["random numbers drawn while tracing", "randomUniform(shape:key:stream:)"]))
        }
    }
}

@Suite("Compiled steps equal eager steps on every model, or refuse")
struct CompiledEqualsEagerAllModelsTests {
    /// Batch sizes of the steps: a changing batch at every step, and a short last one (a
    /// second program, traced mid-run).
    static let batchSizes = [4, 4, 4, 4, 4, 3]

    /// |compiled − eager| ≤ tolerance · max(1, |eager|) for losses, gradients, parameters
    /// and states, in Double. The engines share the op rules and kernels, so what is
    /// left is the order of a few sums (compiled programs merge and reorder some): 10⁻⁹
    /// over six SGD steps. Adam divides by √v̂ + ε (ε = 10⁻⁸), so a gradient that is zero up
    /// to rounding (the bias of a layer before a batch norm in training mode, whose
    /// gradient cancels exactly in exact arithmetic) moves its parameter by α·g/ε: the
    /// rounding difference of the two engines grows by α/ε = 10⁶ there, hence 10⁻⁷. Both
    /// are far below any effect of a frozen value, a missed update or a stale state (of
    /// order 10⁻³ or more here).
    static func tolerance(_ update: UpdateKind) -> Double {
        update == .adamAccumulating || update == .adamFused ? 1e-7 : 1e-9
    }

    @Test(arguments: ModelKind.allCases, UpdateKind.allCases)
    func compiledStepsEqualEagerSteps(_ kind: ModelKind, _ update: UpdateKind) throws {
        let eagerCase = ModelCase(kind), compiledCase = ModelCase(kind)
        let eager = eagerCase.model, compiled = compiledCase.model
        let step = CompiledTrainingStep(model: compiled, loss: compiledCase.loss)
        let eagerOptimizer = update.optimizer(eager.parameters), compiledOptimizer = update.optimizer(compiled.parameters)
        let initial = eager.parameters.map(\.value.scalars)
        let tolerance = Self.tolerance(update)
        var rng = SeededGenerator(seed: 99)

        if case .refused(let fragments) = compiledCase.outcome {
            let (x, y) = compiledCase.batch(Self.batchSizes[0], &rng)
            let before = compiled.parameters.map(\.value.scalars)
            do {
                try step(x, y, updating: compiledOptimizer)
                Issue.record("\(kind): the compiled step should refuse")
            } catch let error as TensorProgramError {
                for fragment in fragments { #expect(error.description.contains(fragment), "\(kind): \(error.description)") }
                // It names where the value came from: the op and its line.
                if kind == .refusedValueReadingLayer { #expect(error.description.contains("Linear.swift:"), "\(error.description)") }
            }
            #expect(compiled.parameters.map(\.value.scalars) == before, "\(kind): a refused step changes nothing")
            // The same model still trains eagerly.
            let loss = eagerCase.loss(eager(x), y)
            loss.backward()
            eagerOptimizer.step()
            #expect(eager.parameters.map(\.value.scalars) != initial)
            return
        }

        for (index, rows) in Self.batchSizes.enumerated() {
            let context = "\(kind), \(update), step \(index)"
            if let modes = eagerCase.modes {
                eager.setMode(modes[index])
                compiled.setMode(modes[index])
            }
            let (x, y) = eagerCase.batch(rows, &rng)
            eagerOptimizer.zeroGradients()
            let eagerLoss = eagerCase.loss(eager(x), y)
            eagerLoss.backward()
            let compiledLoss: Double
            if update.isFused {
                compiledLoss = try step(x, y, updating: compiledOptimizer)
                #expect(compiled.parameters.allSatisfy { $0.gradient == nil }, "\(context): the fused step stores no gradients")
            } else {
                compiledOptimizer.zeroGradients()
                compiledLoss = try step(x, y)
                for ((name, p), (_, q)) in zip(compiled.namedParameters, eager.namedParameters) {
                    #expect(isClose(p.gradient?.scalars ?? [], q.gradient?.scalars ?? [], tolerance: tolerance),
                            "\(context): gradient of \(name)")
                    #expect((p.gradient == nil) == (q.gradient == nil), "\(context): \(name) has a gradient in one engine only")
                }
                compiledOptimizer.step()
            }
            eagerOptimizer.step()
            #expect(isClose(compiledLoss, eagerLoss.scalar, tolerance: tolerance),
                    "\(context): loss \(compiledLoss) vs \(eagerLoss.scalar)")
            for ((name, p), (_, q)) in zip(compiled.namedParameters, eager.namedParameters) {
                #expect(isClose(p.value.scalars, q.value.scalars, tolerance: tolerance), "\(context): parameter \(name)")
            }
            for ((name, s), (_, t)) in zip(compiled.namedStates, eager.namedStates) {
                #expect(isClose(s.value.scalars, t.value.scalars, tolerance: tolerance),
                        "\(context): state \(name) \(s.value.scalars) vs \(t.value.scalars)")
            }
        }
        #expect(compiled.namedParameters.count == eager.namedParameters.count)
        #expect(compiled.namedStates.count == eager.namedStates.count)
        // The comparison is between trained models: the eager twin's parameters moved.
        let moved = zip(eager.parameters, initial).map { p, v in
            zip(p.value.scalars, v).map { Swift.abs($0 - $1) }.max() ?? 0
        }.max() ?? 0
        #expect(moved > 1e-3, "\(kind), \(update): the eager parameters moved by \(moved) only")
        // One program per batch shape and modes: the short last batch added one.
        let modeSets = Set((eagerCase.modes ?? [.training]).map { [$0] })
        #expect(step.programs.count >= 2 && step.programs.count <= 2 * modeSets.count, "\(kind): \(step.programs.count) programs")
    }

    /// The states the table's stateful models carry, so that the comparison of states
    /// above compares something.
    @Test func statefulModelsHaveStates() {
        #expect(ModelCase(.batchNormTraining).model.namedStates.map(\.name) == ["1.runningMean", "1.runningVariance"])
        #expect(ModelCase(.dropout).model.namedStates.map(\.name) == ["2.key"])
        #expect(ModelCase(.tiedLayer).model.parameters.count == 2)
        #expect(ModelCase(.tiedEmbedding).model.parameters.count == 3)
    }
}
