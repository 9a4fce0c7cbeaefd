import Backprop
import Testing
@testable import BackpropNN

/// Results a reader expects, with fixed seeds (bit-for-bit reproducible runs).
@Suite("Training results")
struct TrainingResultTests {
    @Test("XOR is learned to 100 % accuracy")
    func xor() {
        let data = Datasets.xor()
        let result = fit(restarts: 3, on: data, objective: .softmaxCrossEntropy,
                         options: TrainingOptions(epochs: 500, seed: 1, progress: .silent),
                         makeModel: { MLP<Double>([2, 4, 2], activation: .tanh, seed: $0) },
                         makeOptimizer: { SGD(parameters: $0.parameters, learningRate: 0.5, momentum: 0.9) })
        #expect(accuracy(of: result.model, on: data) == 1, "final loss \(result.history.finalLoss)")
    }

    @Test("two moons: at least 97 % on held-out points")
    func moons() {
        let (train, test) = Datasets.twoMoons(count: 600, noise: 0.1, seed: 7).split(testFraction: 0.25, seed: 7)
        let model = MLP<Float>([2, 16, 16, 2], activation: .relu, seed: 3)
        let opt = Adam(parameters: model.parameters, learningRate: 0.01)
        BackpropNN.train(model, on: train, objective: .softmaxCrossEntropy, optimizer: opt,
              options: TrainingOptions(epochs: 200, batchSize: 32, seed: 3, progress: .silent))
        let acc = accuracy(of: model, on: test)
        #expect(acc >= 0.97, "test accuracy \(acc)")
    }

    @Test("digits (UCI 8×8): at least 95 % on a held-out split")
    func digits() throws {
        let all = try Datasets.digits()
        #expect(all.count == 1797 && all.featureCount == 64 && all.classCount == 10)
        let (rawTrain, rawTest) = all.split(testFraction: 0.2, seed: 42)
        let scaler = Standardizer(fittingOn: rawTrain)
        let train = scaler.applied(to: rawTrain), test = scaler.applied(to: rawTest)
        let model = MLP<Float>([64, 64, 10], activation: .relu, seed: 1)
        let opt = Adam(parameters: model.parameters, learningRate: 0.003)
        BackpropNN.train(model, on: train, objective: .softmaxCrossEntropy, optimizer: opt,
              options: TrainingOptions(epochs: 30, batchSize: 32, seed: 1, progress: .silent))
        let acc = accuracy(of: model, on: test)
        #expect(acc >= 0.95, "test accuracy \(acc)")
    }
}
