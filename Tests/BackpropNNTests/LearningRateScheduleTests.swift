import Testing
import Foundation
import Backprop
@testable import BackpropNN

/// Schedules against their closed forms, and changing the learning rate during `train`
/// (from the callback, or by `TrainingOptions.schedule`) in both engines.
@Suite("Learning-rate schedules")
struct LearningRateScheduleTests {
    static func close(_ a: Double, _ b: Double) -> Bool { Swift.abs(a - b) <= 1e-15 * Swift.max(1, Swift.abs(b)) }

    @Test("step decay: α₀·γ^⌊t/s⌋")
    func stepDecay() {
        let s = LearningRateSchedule.stepDecay(from: 0.1, factor: 0.5, every: 3)
        #expect((0..<8).map { s($0) } == [0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025, 0.025])
    }

    @Test("cosine: α₀ at 0, the mean halfway, α_min at T and after")
    func cosine() {
        let s = LearningRateSchedule.cosine(from: 0.1, to: 0.02, steps: 10)
        #expect(s(0) == 0.1 && Self.close(s(5), 0.06) && s(10) == 0.02 && s(15) == 0.02)
        #expect(Self.close(s(2), 0.02 + 0.08 * (1 + Foundation.cos(Double.pi / 5)) / 2))
    }

    @Test("linear warm-up, then cosine")
    func warmupThenCosine() {
        let w = LearningRateSchedule.linearWarmup(to: 0.2, steps: 4)
        #expect([w(0), w(1), w(2), w(3), w(4), w(9)] == [0.05, 0.1, 0.15000000000000002, 0.2, 0.2, 0.2])
        let s = LearningRateSchedule.warmupCosine(to: 0.2, warmupSteps: 4, totalSteps: 14)
        #expect(s(3) == 0.2 && s(4) == 0.2 && Self.close(s(9), 0.1) && s(14) == 0 && s(20) == 0)
        let composed = w.followed(by: .cosine(from: 0.2, steps: 10), after: 4)
        #expect((0..<20).allSatisfy { composed($0) == s($0) })
    }

    /// Trains XOR with Adam for 12 full-batch epochs, multiplying α by 0.7 in the callback
    /// after every epoch, in `engine`; returns the losses.
    static func decayingRun(_ engine: TrainingEngine, decay: Double = 0.7) -> [Double] {
        let model = MLP<Double>([2, 4, 2], activation: .tanh, seed: 9)
        let adam = Adam(parameters: model.parameters, learningRate: 0.1)
        let history = train(model, on: Datasets.xor(), objective: .softmaxCrossEntropy, optimizer: adam,
                            options: TrainingOptions(epochs: 12, progress: .silent, engine: engine)) { _ in
            adam.learningRate *= decay     // captured while training: no overlapping access
            return true
        }
        #expect(history.engine == engine)
        var expected = 0.1
        for _ in 0..<12 { expected *= decay }
        #expect(adam.learningRate == expected)
        return history.losses
    }

    @Test("the callback changes α mid-run: the same losses in the eager and the compiled engine")
    func callbackChangesLearningRate() {
        let eager = Self.decayingRun(.eager), compiled = Self.decayingRun(.compiled)
        #expect(zip(eager, compiled).allSatisfy { Swift.abs($0 - $1) <= 1e-12 }, "\(eager) vs \(compiled)")
        // The change took effect: a constant α trains differently.
        let constant = Self.decayingRun(.compiled, decay: 1)
        #expect(Swift.abs(constant.last! - compiled.last!) > 1e-6)
    }

    @Test("the fused compiled step reads α at every update: changing it mid-run matches eager")
    func fusedStepFollowsLearningRate() throws {
        let eager = MLP<Double>([2, 4, 1], activation: .tanh, seed: 2), compiled = MLP<Double>([2, 4, 1], activation: .tanh, seed: 2)
        let eagerAdam = AdamW(parameters: eager.parameters, learningRate: 0.05)
        let compiledAdam = AdamW(parameters: compiled.parameters, learningRate: 0.05)
        let step = CompiledTrainingStep(model: compiled) { Loss.halfSumOfSquares($0, $1) }
        let x = Tensor<Double>([[0, 0], [0, 1], [1, 0], [1, 1]]), y = Tensor<Double>([[0], [1], [1], [0]])
        for t in 0..<40 {
            let rate = LearningRateSchedule.stepDecay(from: 0.05, factor: 0.3, every: 10)(t)
            eagerAdam.learningRate = rate
            compiledAdam.learningRate = rate
            eagerAdam.zeroGradients()
            let e = Loss.halfSumOfSquares(eager(x), y)
            e.backward()
            eagerAdam.step()
            let c = try step(x, y, updating: compiledAdam)
            #expect(Swift.abs(e.scalar - c) <= 1e-12, "step \(t)")
        }
        let a = eager.parameters.map(\.value.scalars).joined(), b = compiled.parameters.map(\.value.scalars).joined()
        #expect(zip(a, b).allSatisfy { Swift.abs($0 - $1) <= 1e-12 })
    }

    @Test("TrainingOptions.schedule sets α before every update from the step count", arguments: TrainingEngine.allCases)
    func builtInSchedule(engine: TrainingEngine) {
        let schedule = LearningRateSchedule.warmupCosine(to: 0.1, warmupSteps: 3, totalSteps: 10)
        // Full batch: one step per epoch, so after epoch e the last update used schedule(e − 1).
        let model = MLP<Double>([2, 4, 2], activation: .tanh, seed: 9)
        let sgd = SGD(parameters: model.parameters, learningRate: 1, momentum: 0.5)
        var seen: [Double] = []
        let history = train(model, on: Datasets.xor(), objective: .softmaxCrossEntropy, optimizer: sgd,
                            options: TrainingOptions(epochs: 10, progress: .silent, engine: engine, schedule: schedule)) { _ in
            seen.append(sgd.learningRate)
            return true
        }
        #expect(seen == (0..<10).map { schedule($0) })
        #expect(sgd.stepCount == 10)
        // The same as setting α by hand before each step of an eager loop.
        let twin = MLP<Double>([2, 4, 2], activation: .tanh, seed: 9)
        let twinSGD = SGD(parameters: twin.parameters, learningRate: 1, momentum: 0.5)
        let data = Datasets.xor()
        var losses: [Double] = []
        for t in 0..<10 {
            twinSGD.zeroGradients()
            let e = Objective.softmaxCrossEntropy.loss(twin(data.featureTensor(as: Double.self)), data, rows: Array(0..<4))
            e.backward()
            twinSGD.learningRate = schedule(t)
            twinSGD.step()
            losses.append(e.scalar)
        }
        #expect(zip(history.losses, losses).allSatisfy { Swift.abs($0 - $1) <= 1e-12 }, "\(history.losses) vs \(losses)")
    }
}
