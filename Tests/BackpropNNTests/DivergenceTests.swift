import Backprop
import Foundation
import Testing
import BackpropTestSupport
@testable import BackpropNN

/// A diverged run never replaces a good model: `train` detects it and says where, the
/// command fails without saving or printing accuracy, and `save` refuses NaN parameters.
@Suite("Divergence: a diverged run never overwrites a good model")
struct DivergenceTests {
    @Test("a non-finite loss stops the run and is reported with its epoch")
    func nonFiniteLoss() {
        let data = Datasets.linearRegression2D(count: 20)
        let model = MLP<Double>([2, 1], activation: .identity, seed: 1)
        let sgd = SGD(parameters: model.parameters, learningRate: 1e6)
        var options = TrainingOptions(epochs: 500, progress: .silent)
        options.divergenceFactor = nil
        let history = train(model, on: data, objective: .meanSquaredError, optimizer: sgd, options: options)
        let d = try! #require(history.divergence)
        #expect(history.stopReason == .diverged)
        #expect(d.epoch == history.losses.count && d.epoch < 500)
        #expect(!d.loss.isFinite && d.reason.hasPrefix("the loss is "), "\(d)")
    }

    @Test("a loss growing past factor × its best counts as diverged (factor 0: the second epoch)")
    func growth() {
        let data = Datasets.linearRegression2D(count: 20)
        let model = MLP<Double>([2, 1], activation: .identity, seed: 1)
        let sgd = SGD(parameters: model.parameters, learningRate: 0.01)
        var options = TrainingOptions(epochs: 10, progress: .silent)
        options.divergenceFactor = 0
        let history = train(model, on: data, objective: .meanSquaredError, optimizer: sgd, options: options)
        #expect(history.divergence?.epoch == 2, "\(String(describing: history.divergence))")
        #expect(history.divergence?.reason.contains("grew over") == true)
        // The default factor leaves a converging run alone.
        let calm = MLP<Double>([2, 1], activation: .identity, seed: 1)
        let sgd2 = SGD(parameters: calm.parameters, learningRate: 0.01)
        let ok = train(calm, on: data, objective: .meanSquaredError, optimizer: sgd2,
                       options: TrainingOptions(epochs: 10, progress: .silent))
        #expect(ok.divergence == nil && ok.stopReason == .maximumEpochs)
    }

    @Test("save refuses a NaN parameter, naming it, and leaves the old file alone")
    func saveRefusesNaN() throws {
        let path = temporaryPath("good.safetensors")
        let model = MLP<Float>([2, 3, 1], activation: .relu, seed: 1)
        try model.save(to: path)
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        var w = model.parameter(named: "2.W")!.value.scalars
        w[1] = .nan
        model.parameter(named: "2.W")!.value = Tensor(shape: [1, 3], scalars: w)
        #expect(throws: SafeTensorsError("\(path): not saved: tensor '2.W' holds nan at index 1; parameters must be finite (did the training diverge?)")) {
            try model.save(to: path)
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
    }

    @Test("train digits --lr 1e30 --save over a good model: exit 1, one line, the file unchanged")
    func commandKeepsGoodModel() throws {
        let path = temporaryPath("good.safetensors")
        let good = runBackprop(["train", "digits", "--epochs", "1", "--save", path])
        #expect(good.status == 0, "\(good.err)")
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        let bad = runBackprop(["train", "digits", "--epochs", "3", "--lr", "1e30", "--save", path])
        #expect(bad.status == 1, "\(bad.out)\n\(bad.err)")
        #expect(bad.err.contains("backprop: training diverged in epoch "), "\(bad.err)")
        #expect(bad.err.contains("try a smaller --lr"), "\(bad.err)")
        #expect(!bad.err.contains("usage:"))
        #expect(!bad.out.contains("accuracy") && !bad.out.contains("saved"), "\(bad.out)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
        let load = runBackprop(["train", "digits", "--epochs", "1", "--load", path])
        #expect(load.status == 0, "\(load.err)")
    }
}

/// `train --detect-anomaly`: eager training in anomaly mode names the first bad op.
@Suite("Divergence: train --detect-anomaly")
struct DetectAnomalyCommandTests {
    @Test("a diverged run names the first op that made ±∞, with its file:line")
    func namesFirstOp() {
        let r = runBackprop(["train", "digits", "--epochs", "2", "--lr", "1e30", "--detect-anomaly"])
        #expect(r.status == 1, "\(r.err)")
        #expect(r.err.contains("the first: anomaly in forward pass: linear of [32, 64], [10, 64], [10]: result has "), "\(r.err)")
        #expect(r.err.contains(" at BackpropNN/Linear.swift:"), "\(r.err)")
        #expect(!r.out.contains("accuracy"))
    }

    @Test("a healthy run trains eagerly and succeeds; --engine compiled is refused")
    func healthyAndCompiled() {
        let r = runBackprop(["train", "xor", "--epochs", "20", "--detect-anomaly"])
        #expect(r.status == 0, "\(r.err)")
        #expect(r.out.contains("eager engine") && !r.err.contains("anomaly"), "\(r.out)\n\(r.err)")
        let c = runBackprop(["train", "xor", "--detect-anomaly", "--engine", "compiled"])
        #expect(c.status == 2 && c.err.contains("backprop: --detect-anomaly needs --engine eager"), "\(c.err)")
    }
}
