import Backprop
import BackpropNN
import Foundation
import Testing

/// An MLP that records the largest batch it was applied to.
private final class RecordingModel: Layer {
    typealias Scalar = Double
    let body: MLP<Double>
    var largestBatch = 0
    init(_ sizes: [Int]) { body = MLP<Double>(sizes, activation: .tanh, seed: 3) }
    func callAsFunction(_ input: Tensor<Double>) -> Tensor<Double> {
        largestBatch = max(largestBatch, input.shape[0])
        return body(input)
    }
    var namedParameters: [(name: String, parameter: Parameter<Double>)] { body.namedParameters }
}

@Suite("accuracy and meanSquaredError run the model batch by batch")
struct BatchedEvaluationTests {
    @Test("accuracy: batches of at most batchSize rows, the same value as one row at a time", arguments: [1024, 7, 5000, Int.max])
    func accuracyInBatches(batchSize: Int) {
        let data = Datasets.spirals(countPerClass: 850, classes: 3, noise: 0.2, seed: 5)   // 2550 rows
        let model = RecordingModel([2, 8, 3])
        let a = accuracy(of: model, on: data, batchSize: batchSize)
        #expect(model.largestBatch == min(batchSize, data.count))
        // Reference: each row alone, its largest output against the label.
        var correct = 0
        for r in 0..<data.count {
            let y = model.body(data.featureTensor(rows: [r], as: Double.self)).scalars
            if y.indices.max(by: { y[$0] < y[$1] }) == data.labels[r] { correct += 1 }
        }
        #expect(a == Double(correct) / Double(data.count))
    }

    @Test("meanSquaredError: batches of at most batchSize rows, the same value as the closed form", arguments: [1024, 7])
    func mseInBatches(batchSize: Int) {
        let n = 2500
        let features = (0..<(2 * n)).map { Double($0 % 97) / 97 - 0.5 }
        let targets = (0..<n).map { Double($0 % 13) / 13 }
        let data = Dataset(features: features, featureCount: 2, targets: targets)
        let model = RecordingModel([2, 4, 1])
        let e = meanSquaredError(of: model, on: data, batchSize: batchSize)
        #expect(model.largestBatch == batchSize)
        let y = model.body(data.featureTensor(as: Double.self)).scalars
        let reference = zip(y, targets).map { ($0 - $1) * ($0 - $1) }.reduce(0, +) / Double(n)
        #expect(abs(e - reference) <= 1e-12 * max(1, reference))
    }
}
