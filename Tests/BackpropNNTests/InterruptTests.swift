import Backprop
import Foundation
import Synchronization
import Testing
import BackpropTestSupport
@testable import BackpropCommand
@testable import BackpropNN
#if canImport(Glibc)
import Glibc
#endif

/// Counts `shouldStop` calls and says stop from the `stopAt`-th on.
private final class StopAfter: Sendable {
    let calls = Atomic<Int>(0)
    let stopAt: Int
    init(_ stopAt: Int) { self.stopAt = stopAt }
    func callAsFunction() -> Bool { calls.wrappingAdd(1, ordering: .relaxed).newValue >= stopAt }
}

/// Sends SIGINT to this process `count` times once training runs, each after the previous
/// one was received (so that two are never merged into one pending signal).
private func interruptWhenTraining(count: Int = 1) {
    Thread.detachNewThread {
        while !Interrupts.training.load(ordering: .relaxed) { usleep(1000) }
        for i in 1...count {
            kill(getpid(), SIGINT)
            while Interrupts.received.load(ordering: .relaxed) < i { usleep(100) }
        }
    }
}

private func temporaries(besides path: String) throws -> [String] {
    let dir = (path as NSString).deletingLastPathComponent
    return try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.contains(".tmp-") }
}

@Suite("Stopping a training run: shouldStop and Ctrl-C")
struct InterruptTests {
    @Test("shouldStop is asked after every step and stops after the step it says so",
          arguments: TrainingEngine.allCases, [2, 5, 6])
    func stopsAfterStep(engine: TrainingEngine, stopAt: Int) {
        // 12 rows in batches of 4: 3 steps per epoch.
        let data = Datasets.twoMoons(count: 12, noise: 0.1, seed: 3)
        let model = MLP<Double>([2, 4, 2], activation: .tanh, seed: 1)
        let optimizer = SGD(parameters: model.parameters, learningRate: 0.1)
        let stop = StopAfter(stopAt)
        var options = TrainingOptions(epochs: 10, batchSize: 4, shuffle: false, progress: .silent, engine: engine)
        options.shouldStop = { stop() }
        var epochsReported = 0
        let history = train(model, on: data, objective: .softmaxCrossEntropy, optimizer: optimizer, options: options) { _ in
            epochsReported += 1
            return true
        }
        #expect(stop.calls.load(ordering: .relaxed) == stopAt)
        #expect(history.stopReason == .interrupted)
        let expected = Interruption(epoch: (stopAt - 1) / 3 + 1, step: (stopAt - 1) % 3 + 1, stepsPerEpoch: 3,
                                    loss: history.interruption?.loss ?? .nan)
        #expect(history.interruption == expected)
        #expect(history.losses.count == stopAt / 3, "complete epochs only")
        #expect(epochsReported == stopAt / 3)

        // The same steps, counted out by hand: equal parameters, and the interruption's
        // loss is the mean of the interrupted epoch's step losses.
        let reference = MLP<Double>([2, 4, 2], activation: .tanh, seed: 1)
        let referenceOptimizer = SGD(parameters: reference.parameters, learningRate: 0.1)
        var stepLosses: [Double] = []
        for s in 0..<stopAt {
            let rows = Array((s % 3) * 4..<(s % 3) * 4 + 4)
            referenceOptimizer.zeroGradients()
            let loss = Objective.softmaxCrossEntropy.loss(reference(data.featureTensor(rows: rows, as: Double.self)), data, rows: rows)
            loss.backward()
            referenceOptimizer.step()
            stepLosses.append(loss.scalar)
        }
        for (p, q) in zip(model.parameters, reference.parameters) {
            #expect(isClose(p.value.scalars, q.value.scalars, tolerance: 1e-9))
        }
        let partial = stepLosses.suffix(expected.step)
        #expect(Swift.abs(history.interruption!.loss - partial.reduce(0, +) / Double(partial.count)) < 1e-9)
    }

    @Test("fit starts no restart after a stop")
    func fitStops() {
        let data = Datasets.xor()
        var options = TrainingOptions(epochs: 50, progress: .silent)
        let stop = StopAfter(3)
        options.shouldStop = { stop() }
        let result = fit(restarts: 4, on: data, objective: .softmaxCrossEntropy, options: options,
                         makeModel: { MLP<Double>([2, 3, 2], activation: .tanh, seed: $0) },
                         makeOptimizer: { SGD(parameters: $0.parameters, learningRate: 0.1) })
        #expect(result.finalLosses.count == 1 && result.history.interruption?.epoch == 3)
    }

    @Test("the best epoch's parameters are kept and put back")
    func bestEpoch() {
        let model = MLP<Float>([2, 3, 1], activation: .relu, seed: 1)
        let best = BestEpoch(model.parameters)
        let first = model.parameters.map(\.value.scalars)
        best.record(EpochReport(epoch: 1, loss: 0.5, gradientNorm: 1))
        for p in model.parameters { p.update { w in for i in w.indices { w[i] += 1 } } }
        best.record(EpochReport(epoch: 2, loss: 0.7, gradientNorm: 1))   // worse: not kept
        best.record(EpochReport(epoch: 3, loss: .nan, gradientNorm: 1))  // not finite: not kept
        #expect(best.epoch == 1 && best.loss == 0.5)
        best.restore()
        #expect(model.parameters.map(\.value.scalars) == first)
    }

    @Test("Ctrl-C in train: stops after the step, says where, saves the model, exits with 130",
          arguments: ["eager", "compiled"])
    func ctrlC(engine: String) async throws {
        let path = temporaryPath("m.safetensors")
        let result = await #expect(processExitsWith: .exitCode(130), observing: [\.standardErrorContent]) {
            [path = path as String, engine = engine as String] in
            interruptWhenTraining()
            exit(BackpropCommand.run(arguments: ["train", "digits", "--epochs", "1000", "--engine", engine, "--save", path]))
        }
        let text = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
        #expect(text.contains("backprop: interrupted in epoch "), "\(text)")
        #expect(text.contains(" of 1000, after step ") && text.contains(" of 45 (loss "), "\(text)")
        #expect(text.contains("; saved the model ") && text.contains(" to \(path)\n"), "\(text)")
        try MLP<Float>([64, 64, 10], activation: .relu, seed: 9).load(from: path)
        #expect(try temporaries(besides: path).isEmpty)
    }

    @Test("Ctrl-C with one step per epoch saves the best epoch's model")
    func ctrlCBestEpoch() async throws {
        let path = temporaryPath("xor.safetensors")
        let result = await #expect(processExitsWith: .exitCode(130), observing: [\.standardErrorContent]) {
            [path = path as String] in
            interruptWhenTraining()
            exit(BackpropCommand.run(arguments: ["train", "xor", "--epochs", "100000000", "--save", path]))
        }
        let text = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
        #expect(text.contains("after step 1 of 1") && text.contains("saved the model at the end of epoch "), "\(text)")
        try MLP<Float>([2, 4, 2], activation: .tanh, seed: 9).load(from: path)
    }

    @Test("a second Ctrl-C during the save exits at once with 130, leaving the old file and no temporary")
    func secondCtrlCWhileSaving() async throws {
        let path = temporaryPath("big.safetensors")
        try Data("old".utf8).write(to: URL(fileURLWithPath: path))
        await #expect(processExitsWith: .exitCode(130)) { [path = path as String] in
            interruptWhenTraining()
            // On the writing thread, mid-write.
            AtomicFile.testHookAfterChunk = { _ in raiseUnblocked(SIGINT) }
            exit(BackpropCommand.run(arguments: ["train", "digits", "--hidden", "512", "--epochs", "1000", "--save", path]))
        }
        let after = try Data(contentsOf: URL(fileURLWithPath: path)); #expect(after == Data("old".utf8), "\(after.count) \(String(decoding: after.prefix(300), as: UTF8.self))")
        #expect(try temporaries(besides: path).isEmpty)
    }

    @Test("a second Ctrl-C during training exits at once with 130 and leaves no torn or temporary file")
    func secondCtrlCWhileTraining() async throws {
        let path = temporaryPath("m.safetensors")
        await #expect(processExitsWith: .exitCode(130)) { [path = path as String] in
            interruptWhenTraining(count: 2)
            exit(BackpropCommand.run(arguments: ["train", "digits", "--hidden", "256,256", "--epochs", "1000", "--save", path]))
        }
        // The second signal came during the step (nothing saved) or, rarely, during the save.
        if FileManager.default.fileExists(atPath: path) {
            try MLP<Float>([64, 256, 256, 10], activation: .relu, seed: 9).load(from: path)
        }
        #expect(try temporaries(besides: path).isEmpty)
    }
}
