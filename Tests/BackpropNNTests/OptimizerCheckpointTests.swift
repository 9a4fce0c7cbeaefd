import Testing
import Foundation
import Backprop
import BackpropTestSupport
@testable import BackpropNN

/// Optimiser state saved with the model: a resumed run equals an uninterrupted one.
@Suite("Optimizer checkpoints")
struct OptimizerCheckpointTests {
    static func makeModel() -> MLP<Double> { MLP<Double>([2, 5, 2], activation: .tanh, seed: 21) }

    static func options(_ epochs: Int, _ engine: TrainingEngine, schedule: LearningRateSchedule? = nil) -> TrainingOptions {
        // Batches without shuffling: every call of train sees the same batches in the same order.
        TrainingOptions(epochs: epochs, batchSize: 2, shuffle: false, progress: .silent, engine: engine,
                        schedule: schedule, maxGradientNorm: 5)
    }

    static let kinds = ["sgd", "adam", "adamw"]

    static func makeOptimizer(_ kind: String, _ model: MLP<Double>) -> any Optimizer<Double> {
        switch kind {
        case "sgd": SGD(parameters: model.parameters, learningRate: 0.1, momentum: 0.9, weightDecay: 0.01)
        case "adam": Adam(parameters: model.parameters, learningRate: 0.02, weightDecay: 0.01)
        default: AdamW(groups: model.weightDecayGroups(), learningRate: 0.02, weightDecay: 0.1)
        }
    }

    static func trainFor<Opt: Optimizer>(_ model: MLP<Double>, _ opt: Opt, _ epochs: Int, _ engine: TrainingEngine,
                                         _ schedule: LearningRateSchedule) -> [Double] where Opt.Scalar == Double {
        train(model, on: Datasets.xor(), objective: .softmaxCrossEntropy, optimizer: opt,
              options: options(epochs, engine, schedule: schedule)).losses
    }

    @Test("2k epochs = k epochs, save, load into fresh objects, k more (bit for bit)",
          arguments: kinds, TrainingEngine.allCases)
    func resumeEqualsUninterrupted(kind: String, engine: TrainingEngine) throws {
        let schedule = LearningRateSchedule.warmupCosine(to: 0.05, warmupSteps: 5, totalSteps: 30)   // α = schedule(t), t in steps
        let k = 8
        let whole = Self.makeModel()
        let wholeLosses = Self.trainFor(whole, Self.makeOptimizer(kind, whole), 2 * k, engine, schedule)

        let first = Self.makeModel()
        let firstOptimizer = Self.makeOptimizer(kind, first)
        let firstLosses = Self.trainFor(first, firstOptimizer, k, engine, schedule)
        let path = temporaryPath("checkpoint.safetensors")
        try first.save(to: path, optimizer: firstOptimizer)

        let resumed = MLP<Double>([2, 5, 2], activation: .tanh, seed: 99)   // different weights until loaded
        let resumedOptimizer = Self.makeOptimizer(kind, resumed)
        try resumed.load(from: path, optimizer: resumedOptimizer)
        #expect(resumedOptimizer.stepCount == 2 * k)   // batch 2 of 4 examples: two steps per epoch
        let secondLosses = Self.trainFor(resumed, resumedOptimizer, k, engine, schedule)

        #expect(firstLosses + secondLosses == wholeLosses)
        #expect(resumed.parameters.map(\.value.scalars) == whole.parameters.map(\.value.scalars))
    }

    @Test("the file holds optimizer.<parameter>.<slot> tensors and the step count; plain load ignores them")
    func fileLayout() throws {
        let model = Self.makeModel()
        let adam = Adam(parameters: model.parameters, learningRate: 0.01)
        train(model, on: Datasets.xor(), objective: .softmaxCrossEntropy, optimizer: adam,
              options: TrainingOptions(epochs: 3, progress: .silent))
        let path = temporaryPath("layout.safetensors")
        try model.save(to: path, optimizer: adam, metadata: ["note": "x"])
        let file = try SafeTensorsFile.read(path)
        let names = Set(file.entries.map(\.name))
        for (name, _) in model.namedParameters {
            #expect(names.isSuperset(of: [name, "optimizer.\(name).m", "optimizer.\(name).v"]))
        }
        #expect(names.count == 3 * model.namedParameters.count)
        #expect(file.metadata["optimizer.kind"] == "Adam" && file.metadata["optimizer.stepCount"] == "3"
                && file.metadata["note"] == "x" && file.metadata["optimizer.learningRate"] == "0.01")
        let m = try file.doubles(file.entry(named: "optimizer.0.W.m")!)
        #expect(m == adam.state.slots["m"]![0])
        let other = Self.makeModel()
        try other.load(from: path)
        #expect(other.parameters.map(\.value.scalars) == model.parameters.map(\.value.scalars))
    }

    @Test("a state that does not fit is an error and changes nothing")
    func mismatches() throws {
        let model = Self.makeModel()
        let adam = Adam(parameters: model.parameters, learningRate: 0.01)
        train(model, on: Datasets.xor(), objective: .softmaxCrossEntropy, optimizer: adam,
              options: TrainingOptions(epochs: 2, progress: .silent))
        let path = temporaryPath("mismatch.safetensors")
        try model.save(to: path, optimizer: adam)

        let fresh = Self.makeModel()
        let before = fresh.parameters.map(\.value.scalars)
        let sgd = SGD(parameters: fresh.parameters, learningRate: 0.1, momentum: 0.9)
        #expect(throws: SafeTensorsError("\(path): the optimizer state is from Adam, the optimizer is SGD")) {
            try fresh.load(from: path, optimizer: sgd)
        }
        #expect(fresh.parameters.map(\.value.scalars) == before && sgd.stepCount == 0)

        let plain = temporaryPath("plain.safetensors")
        try model.save(to: plain)
        let adam2 = Adam(parameters: fresh.parameters, learningRate: 0.01)
        #expect(throws: SafeTensorsError("\(plain): no optimizer state (metadata 'optimizer.kind' missing); it was saved without one")) {
            try fresh.load(from: plain, optimizer: adam2)
        }
        #expect(fresh.parameters.map(\.value.scalars) == before && adam2.stepCount == 0)

        // An optimiser without state or learning rate round-trips (nothing to restore).
        final class Plain: Optimizer {
            let parameters: [Parameter<Double>]
            init(_ parameters: [Parameter<Double>]) { self.parameters = parameters }
            func step() {}
        }
        let plainPath = temporaryPath("custom.safetensors")
        try model.save(to: plainPath, optimizer: Plain(model.parameters))
        try fresh.load(from: plainPath, optimizer: Plain(fresh.parameters))
        #expect(fresh.parameters.map(\.value.scalars) == model.parameters.map(\.value.scalars))
        // A file whose learning rate is not a number does not restore into Adam.
        let file = try SafeTensorsFile.read(path)
        var metadata = file.metadata
        metadata["optimizer.learningRate"] = "nan"
        let nanPath = temporaryPath("nan-rate.safetensors")
        try Data(SafeTensorsFile.encode(file.entries.map { e in
            (name: e.name, dtype: e.dtype, shape: e.shape, values: try file.doubles(e))
        }, metadata: metadata)).write(to: URL(fileURLWithPath: nanPath))
        let adam3 = Adam(parameters: fresh.parameters, learningRate: 0.01)
        #expect(throws: SafeTensorsError("\(nanPath): the Adam state has step count 2 and learning rate nan")) {
            try fresh.load(from: nanPath, optimizer: adam3)
        }

        // An optimiser over a parameter the model does not have.
        let stray = Adam(parameters: [Parameter(Tensor<Double>([1]))])
        #expect(throws: SafeTensorsError.self) { try model.save(to: temporaryPath("stray.safetensors"), optimizer: stray) }
    }
}
