import Backprop
import Foundation
import Testing
import BackpropTestSupport
@testable import BackpropNN

/// The README's tensor example, as written there (progress silenced for the test log).
@Suite("README: tensors and layers")
struct ReadmeTensorExampleTests {
    @Test("digits in a dozen lines, saved and loaded back")
    func digits() throws {
        let data = try Datasets.digits()
        let (train, test) = data.split(testFraction: 0.2, seed: 42)
        let model = MLP<Float>([64, 64, 10], activation: .relu, seed: 1)
        var adam = Adam(parameters: model.parameters, learningRate: 0.003)
        BackpropNN.train(model, on: train, objective: .softmaxCrossEntropy, optimizer: &adam,
                         options: TrainingOptions(epochs: 30, batchSize: 32, progress: .silent))
        let acc = accuracy(of: model, on: test)
        #expect(acc >= 0.95, "test accuracy \(acc)")
        let path = temporaryPath("digits.safetensors")
        try model.save(to: path)
        let copy = MLP<Float>([64, 64, 10], activation: .relu, seed: 2)
        try copy.load(from: path)
        #expect(accuracy(of: copy, on: test) == acc)
    }
}
