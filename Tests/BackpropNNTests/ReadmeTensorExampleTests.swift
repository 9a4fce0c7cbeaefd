import Backprop
import Foundation
import Testing
import BackpropTestSupport
@testable import BackpropNN

/// The claims of the README's tensor example (test accuracy ≈ 0.97; saved parameters load
/// back). The example itself is compiled from README.md by DocExampleTests (compile-only:
/// it prints progress and writes into the current directory); this runs the same training
/// with progress silenced and a temporary file.
@Suite("README: tensors and layers")
struct ReadmeTensorExampleTests {
    @Test("digits in a dozen lines, saved and loaded back")
    func digits() throws {
        let data = try Datasets.digits()
        let (train, test) = data.split(testFraction: 0.2, seed: 42)
        let model = MLP<Float>([64, 64, 10], activation: .relu, seed: 1)
        let adam = Adam(parameters: model.parameters, learningRate: 0.003)
        BackpropNN.train(model, on: train, objective: .softmaxCrossEntropy, optimizer: adam,
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
