import Backprop
@testable import BackpropNN
import Foundation
import Testing
import BackpropTestSupport

/// The names corpus, the bigram baseline and the character-level MLP (makemore).
@Suite("Character-level language model on the census names")
struct CharacterModelTests {
    @Test("the shipped census corpus: 4,275 female and 1,219 male names, 5,163 distinct, a…z only")
    func censusCorpus() throws {
        let corpus = try NamesCorpus.census1990()
        // Counted independently with a shell one-liner over the two resource files.
        #expect(corpus.names.count == 5_163)
        #expect(corpus.names.prefix(3) == ["mary", "patricia", "linda"])
        #expect(corpus.names.suffix(2) == ["broderick", "alonso"])
        #expect(corpus.names.reduce(0) { $0 + $1.count + 1 } == 36_122)
        let (training, development, test) = corpus.split()
        #expect(training.count == 4_130 && development.count == 516 && test.count == 517)
        #expect(Set(training).isDisjoint(with: development) && Set(development).isDisjoint(with: test))
        #expect(corpus.split().training == training, "the split is seeded")
    }

    @Test("a name with a character outside a…z is an error naming it")
    func badName() {
        #expect(throws: DataError(message: "NamesCorpus: name 2 (O'Neil) holds '; only the letters a…z are allowed")) {
            try NamesCorpus(names: ["ann", "O'Neil"])
        }
    }

    @Test("contexts of \"emma\" with k = 3: ... → e, ..e → m, .em → m, emm → a, mma → .")
    func contexts() {
        let v = CharacterVocabulary.lowercaseLetters
        #expect(v.count == 27 && v.index(of: ".") == 0 && v.index(of: "a") == 1 && v.index(of: "z") == 26)
        let data = v.contextDataset(["emma"], contextLength: 3)
        #expect(data.count == 5 && data.featureCount == 81)
        #expect(data.labels == [5, 13, 13, 1, 0])
        let expectedContexts = [[0, 0, 0], [0, 0, 5], [0, 5, 13], [5, 13, 13], [13, 13, 1]]
        for (row, context) in expectedContexts.enumerated() {
            let features = Array(data.features[(row * 81)..<((row + 1) * 81)])
            var expected = [Double](repeating: 0, count: 81)
            for (k, c) in context.enumerated() { expected[k * 27 + c] = 1 }
            #expect(features == expected, "row \(row)")
        }
    }

    @Test("bigram loss per character: a closed form on a toy corpus")
    func bigramClosedForm() {
        // Pairs of ["ab", "b"]: .a ab b. .b b.  → p = ½, 1, 1, ½, 1 without smoothing.
        let model = BigramModel(names: ["ab", "b"], smoothing: 0)
        #expect(isClose(model.lossPerCharacter(on: ["ab", "b"]), 2 * Foundation.log(2) / 5, tolerance: 1e-15))
        // With α = 1 and V = 27: p(a | .) = (1 + 1)/(2 + 27).
        let smoothed = BigramModel(names: ["ab", "b"], smoothing: 1)
        #expect(isClose(smoothed.probability(of: 1, after: 0), 2.0 / 29, tolerance: 1e-15))
    }

    @Test("every parameter's gradient of the MLP's loss equals central differences (Double)")
    func gradientsMatchFiniteDifferences() {
        let model = CharacterMLP<Double>(contextLength: 2, embeddingSize: 3, hiddenSize: 5, seed: 7)
        let data = model.vocabulary.contextDataset(["ab", "zed"], contextLength: 2)
        let rows = Array(0..<data.count)
        func loss() -> Tensor<Double> {
            Loss.softmaxCrossEntropy(logits: model(data.featureTensor(rows: rows, as: Double.self)), labels: data.labels)
        }
        // The embedding rows of characters in the data (b = 2, z = 26) and rows never seen (gradient 0).
        let result = centralDifferenceMismatches(model.namedParameters, loss: loss) { [0, 1, 2 * 3 + 1, 26 * 3 + 2, $0 - 1] }
        #expect(result.mismatches.isEmpty, "\(result.mismatches)")
        #expect(result.checked > 15)
    }

    @Test("trained compiled for two epochs, the MLP beats the bigram baseline on held-out names")
    func beatsBigramBaseline() throws {
        let corpus = try NamesCorpus.census1990()
        let (training, development, _) = corpus.split()
        let bigram = BigramModel(names: training).lossPerCharacter(on: development)
        // The uniform model's loss is ln 27 = 3.30; smoothed bigrams on this corpus give about 2.4.
        #expect(bigram > 2.2 && bigram < 2.6, "\(bigram)")
        let model = CharacterMLP<Float>(contextLength: 3, embeddingSize: 8, hiddenSize: 64, seed: 1)
        let adam = Adam(parameters: model.parameters, learningRate: 0.01)
        let data = model.vocabulary.contextDataset(training, contextLength: 3)
        let history = train(model, on: data, objective: .softmaxCrossEntropy, optimizer: adam,
                            options: TrainingOptions(epochs: 2, batchSize: 64, seed: 1, progress: .silent))
        #expect(history.engine == .compiled)
        let loss = model.lossPerCharacter(on: development)
        #expect(loss < bigram, "MLP \(loss) vs bigram \(bigram)")
        let samples = model.sample(count: 5, seed: 3)
        #expect(samples.count == 5 && samples.allSatisfy { $0.allSatisfy { ("a"..."z").contains($0) } })
    }

    @Test("causal attention: an output position does not change when later positions do")
    func attentionIsCausal() {
        var rng = SeededGenerator(seed: 3)
        let attention = CausalSelfAttention<Double>(modelSize: 4, heads: 2, rng: &rng)
        var values = (0..<(2 * 5 * 4)).map { _ in rng.nextUnitInterval() - 0.5 }
        let before = attention(Tensor(shape: [2, 5, 4], scalars: values)).scalars
        for j in (3 * 4)..<(5 * 4) { values[j] += 1 }          // positions 3 and 4 of the first sequence
        let after = attention(Tensor(shape: [2, 5, 4], scalars: values)).scalars
        #expect(before[..<(3 * 4)] == after[..<(3 * 4)], "positions 0…2 must not see 3 and 4")
        #expect(before[(3 * 4)..<(5 * 4)] != after[(3 * 4)..<(5 * 4)])
        #expect(before[(5 * 4)...] == after[(5 * 4)...], "the second sequence is untouched")
    }

    @Test("every parameter's gradient of the transformer's loss equals central differences (Double)")
    func transformerGradientsMatchFiniteDifferences() {
        let model = CharacterTransformer<Double>(contextLength: 3, modelSize: 4, heads: 2, blockCount: 1, seed: 5)
        let data = model.vocabulary.contextDataset(["ab", "zed", "mia"], contextLength: 3)
        let rows = Array(0..<data.count)
        func loss() -> Tensor<Double> {
            Loss.softmaxCrossEntropy(logits: model(data.featureTensor(rows: rows, as: Double.self)), labels: data.labels)
        }
        let result = centralDifferenceMismatches(model.namedParameters, loss: loss, entries: { [0, 1, $0 / 2, $0 - 1] },
                                                 relativeTolerance: 1e-5)
        #expect(result.mismatches.isEmpty, "\(result.mismatches)")
        #expect(result.checked > 60)
    }

    @Test("the transformer trains compiled equal to eager (two epochs on a few names)")
    func transformerCompiledEqualsEager() {
        let names = ["emma", "olivia", "ava", "isabella", "sophia", "mia", "amelia", "harper"]
        var losses: [[Double]] = []
        for engine in [TrainingEngine.eager, .compiled] {
            let model = CharacterTransformer<Double>(contextLength: 4, modelSize: 8, heads: 2, blockCount: 1, seed: 2)
            let adam = Adam(parameters: model.parameters, learningRate: 0.01)
            let history = train(model, on: model.vocabulary.contextDataset(names, contextLength: 4), objective: .softmaxCrossEntropy,
                                optimizer: adam, options: TrainingOptions(epochs: 2, batchSize: 16, seed: 1, progress: .silent, engine: engine))
            #expect(history.engine == engine)
            losses.append(history.losses)
        }
        #expect(isClose(losses[0], losses[1], tolerance: 1e-10), "\(losses)")
    }
}
