import Backprop
@testable import BackpropNN
import Foundation
import Testing
import BackpropTestSupport

/// `Embedding`: a lookup whose indices are the input tensor, so a compiled step reads each
/// batch's indices instead of freezing the first.
@Suite("Embedding with index tensors as program inputs")
struct EmbeddingTests {
    /// Embeddings of 2 indices out of 5, flattened, then logits over 4 classes.
    static func model(seed: UInt64 = 3) -> Sequential<Double> {
        var rng = SeededGenerator(seed: seed)
        return Sequential([Embedding(vocabularySize: 5, embeddingSize: 3, rng: &rng), Reshape([-1]),
                           Linear(inputSize: 6, outputSize: 4, rng: &rng)])
    }

    static func oneHot(_ labels: [Int], classes: Int) -> Tensor<Double> {
        var values = [Double](repeating: 0, count: labels.count * classes)
        for (i, l) in labels.enumerated() { values[i * classes + l] = 1 }
        return Tensor(shape: [labels.count, classes], scalars: values)
    }

    @Test("compiled once, called with three index batches: each equals eager (loss and every gradient)")
    func compiledStepReadsEachBatch() throws {
        let model = Self.model()
        let step = CompiledTrainingStep(model: model) { Loss.softmaxCrossEntropy(logits: $0, oneHotTargets: $1) }
        let batches: [([Double], [Int])] = [
            ([0, 1, 2, 3, 4, 4, 1, 1], [0, 1, 2, 3]),
            ([3, 3, 3, 0, 2, 2, 0, 3], [3, 2, 1, 0]),   // repeated indices, other rows
            ([4, 0, 4, 0, 4, 0, 1, 2], [1, 1, 2, 2]),
        ]
        var losses: [Double] = []
        for (k, (indices, labels)) in batches.enumerated() {
            let x = Tensor(shape: [4, 2], scalars: indices), y = Self.oneHot(labels, classes: 4)
            model.zeroGradients()
            let compiled = try step(x, y)
            let compiledGradients = model.parameters.map { $0.gradient?.scalars ?? [] }
            model.zeroGradients()
            let eager = Loss.softmaxCrossEntropy(logits: model(x), labels: labels)
            eager.backward()
            #expect(isClose([compiled], [eager.scalar], tolerance: 1e-12), "batch \(k)")
            for (p, g) in zip(model.namedParameters, compiledGradients) {
                #expect(isClose(g, p.parameter.gradient?.scalars ?? [], tolerance: 1e-12), "batch \(k) \(p.name)")
            }
            losses.append(compiled)
        }
        #expect(Set(losses).count == 3, "each batch has its own loss: \(losses)")
        #expect(step.programs.count == 1, "one program for one shape, not traced again per batch")
        // Rows that no index of the last batch names get no gradient.
        let rows = model.parameter(named: "0.weight")!.gradient!.scalars
        #expect(rows[3 * 3..<4 * 3].allSatisfy { $0 == 0 })
    }

    @Test("gradients into repeated indices add up: every table entry equals central differences")
    func gradientsMatchCentralDifferences() {
        let model = Self.model(seed: 5)
        let x = Tensor<Double>(shape: [3, 2], scalars: [1, 1, 1, 4, 4, 1]), labels = [0, 3, 1]
        let (checked, mismatches) = centralDifferenceMismatches(model.namedParameters, loss: {
            Loss.softmaxCrossEntropy(logits: model(x), labels: labels)
        }, entries: { Array(0..<$0) })
        #expect(checked == 15 + 24 + 4)
        #expect(mismatches.isEmpty, "\(mismatches)")
    }

    @Test("train (compiled) on index features learns a lookup task, and print(model) names the embedding")
    func trainsCompiled() {
        // Class = (first index + second index) mod 4, all 25 pairs.
        let pairs = (0..<25).map { [Double($0 / 5), Double($0 % 5)] }
        let data = Dataset(features: pairs.flatMap { $0 }, featureCount: 2, labels: pairs.map { Int($0[0] + $0[1]) % 4 },
                           classNames: ["0", "1", "2", "3"])
        var rng = SeededGenerator(seed: 1)
        let model = Sequential<Double>([Embedding(vocabularySize: 5, embeddingSize: 4, rng: &rng), Reshape([-1]),
                                        Linear(inputSize: 8, outputSize: 16, rng: &rng), ActivationLayer(.tanh),
                                        Linear(inputSize: 16, outputSize: 4, rng: &rng)])
        let history = train(model, on: data, objective: .softmaxCrossEntropy,
                            optimizer: Adam(parameters: model.parameters, learningRate: 0.05),
                            options: TrainingOptions(epochs: 150, batchSize: 25, seed: 1, progress: .silent))
        #expect(history.engine == .compiled)
        #expect(history.finalLoss < 0.05, "final loss \(history.finalLoss)")
        #expect(accuracy(of: model, on: data) == 1)
        let summary = "\(model)"
        #expect(summary.contains("Embedding(5 × 4)"), "\(summary)")
        #expect(summary.contains("Total parameters: 232"), "\(summary)")   // 5·4 + 8·16 + 16 + 16·4 + 4
    }

    @Test("index contexts of \"emma\" with k = 3: the one-hot contexts' indices, the same labels")
    func indexContexts() {
        let data = CharacterVocabulary.lowercaseLetters.indexContextDataset(["emma"], contextLength: 3)
        #expect(data.featureCount == 3 && data.labels == [5, 13, 13, 1, 0])
        #expect(data.features == [0, 0, 0, 0, 0, 5, 0, 5, 13, 5, 13, 13, 13, 13, 1])
    }

    @Test("an index outside the vocabulary stops with one line naming the index and the vocabulary size")
    func badIndex() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            var rng = SeededGenerator(seed: 1)
            let embedding = Embedding<Float>(vocabularySize: 27, embeddingSize: 2, rng: &rng)
            _ = embedding(Tensor(shape: [2, 2], scalars: [0, 3, 27, 1]))
        }
        let text = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
        #expect(text.contains("index 27 at element 2 (row-major) of shape [2, 2] of the indices is out of range for 27 rows"), "\(text)")
        // The caller's line, not Embedding.swift.
        #expect(text.contains("BackpropNNTests/EmbeddingTests.swift:"), "\(text)")
        #expect(!text.contains("Embedding.swift"), "\(text)")
    }

    @Test("through the Layer protocol (as Sequential calls it) the layer still looks rows up, with the same values")
    func calledThroughTheProtocol() {
        var rng = SeededGenerator(seed: 1)
        let embedding = Embedding<Double>(vocabularySize: 5, embeddingSize: 3, rng: &rng)
        let indices = Tensor<Double>(shape: [2, 2], scalars: [4, 0, 2, 2])
        func viaProtocol<L: Layer>(_ layer: L, _ x: Tensor<Double>) -> Tensor<Double> where L.Scalar == Double { layer(x) }
        #expect(viaProtocol(embedding, indices).scalars == embedding(indices).scalars)
        #expect(embedding(indices).scalars == embedding.weight.value.selectingRows([4, 0, 2, 2]).scalars)
    }
}
