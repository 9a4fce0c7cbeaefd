import Backprop
import Foundation

/// A character-level language model after Bengio et al. (2003), as Karpathy's makemore
/// builds it: the previous `contextLength` characters are looked up in a learned
/// embedding table, concatenated, passed through a tanh hidden layer, and mapped to
/// logits over the next character.
///
/// ```
/// input  X: [batch, k·V]  (k one-hot blocks of the vocabulary's V characters)
/// E = reshape(reshape(X, [batch·k, V]) · C, [batch, k·d])     C: [V, d], the embeddings
/// H = tanh(E·W₁ᵀ + b₁),   logits = H·W₂ᵀ + b₂                  [batch, V]
/// ```
/// The lookup is a product with one-hot rows, so its gradient ∂L/∂C = onehotᵀ·∂L/∂E comes
/// from the graph, and the context is a program input (a compiled step does not freeze it).
/// Train it with `train(_:on:objective:optimizer:options:)` and `.softmaxCrossEntropy` on
/// ``CharacterVocabulary/contextDataset(_:contextLength:)``.
public struct CharacterMLP<Scalar: TensorScalar>: Layer {
    /// The characters read and predicted.
    public let vocabulary: CharacterVocabulary
    /// How many previous characters the model sees.
    public let contextLength: Int
    /// The embedding table C, `[V, embeddingSize]`.
    public let embedding: Parameter<Scalar>
    /// The hidden layer, `k·d → hiddenSize`.
    public let hidden: Linear<Scalar>
    /// The output layer, `hiddenSize → V`.
    public let output: Linear<Scalar>

    /// A model with embeddings drawn from N(0, 1) and Xavier-initialised layers, from `seed`.
    ///
    /// Precondition: every size is positive.
    public init(vocabulary: CharacterVocabulary = .lowercaseLetters, contextLength: Int = 3,
                embeddingSize: Int = 10, hiddenSize: Int = 200, seed: UInt64 = 1) {
        nnPrecondition(contextLength > 0 && embeddingSize > 0 && hiddenSize > 0,
                       "CharacterMLP: contextLength \(contextLength), embeddingSize \(embeddingSize) and "
                       + "hiddenSize \(hiddenSize) must be positive")
        self.vocabulary = vocabulary
        self.contextLength = contextLength
        var rng = SeededGenerator(seed: seed)
        embedding = Parameter(Initializer.normal(standardDeviation: 1).weights(out: vocabulary.count, in: embeddingSize, using: &rng))
        hidden = Linear(inputSize: contextLength * embeddingSize, outputSize: hiddenSize, initializer: .xavier, rng: &rng)
        output = Linear(inputSize: hiddenSize, outputSize: vocabulary.count, initializer: .xavier, rng: &rng)
    }

    /// The width of one embedding.
    public var embeddingSize: Int { embedding.shape[1] }

    /// The logits of the next character, `[batch, V]`, for one-hot contexts `[batch, k·V]`.
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        let v = vocabulary.count, k = contextLength
        nnPrecondition(input.rank == 2 && input.shape[1] == k * v,
                       "CharacterMLP: input has shape \(input.shape), expected [batch, \(k * v)] (\(k) one-hot blocks of \(v))")
        let batch = input.shape[0]
        let embedded = input.reshaped(to: [batch * k, v]).matmul(embedding.value).reshaped(to: [batch, k * embeddingSize])
        return output(hidden(embedded).tanh())
    }

    /// `embedding`, `hidden.W`, `hidden.b`, `output.W`, `output.b`.
    public var namedParameters: [(name: String, parameter: Parameter<Scalar>)] {
        [("embedding", embedding)] + hidden.namedParameters.map { ("hidden.\($0.name)", $0.parameter) }
            + output.namedParameters.map { ("output.\($0.name)", $0.parameter) }
    }
}

/// A model that predicts the next character of a name from the `contextLength` before it,
/// reading one-hot contexts (``CharacterVocabulary/contextDataset(_:contextLength:)``) and
/// returning logits over the vocabulary: ``CharacterMLP`` and ``CharacterTransformer``.
public protocol CharacterLanguageModel<Scalar>: Layer {
    /// The characters read and predicted.
    var vocabulary: CharacterVocabulary { get }
    /// How many previous characters the model sees.
    var contextLength: Int { get }
}

extension CharacterMLP: CharacterLanguageModel {}
extension CharacterTransformer: CharacterLanguageModel {}

extension CharacterLanguageModel {
    /// The mean negative log-likelihood per character, in nats, of `names` (each name's
    /// characters and its end), computed in batches without recording gradients.
    ///
    /// ```
    /// loss = −(1/N) Σ log p(cᵢ | cᵢ₋ₖ … cᵢ₋₁),   N = Σ (|name| + 1)
    /// ```
    public func lossPerCharacter(on names: [String]) -> Double {
        let data = vocabulary.contextDataset(names, contextLength: contextLength)
        var total = 0.0
        forEachBatch(of: self, on: data, batchSize: 1024, caller: "lossPerCharacter") { rows, logits in
            let v = logits.shape[1], values = logits.scalars.map { Double($0) }
            for (i, r) in rows.enumerated() {
                let row = values[(i * v)..<((i + 1) * v)]
                let top = row.max()!
                let logSum = top + Foundation.log(row.reduce(0) { $0 + Foundation.exp($1 - top) })
                total += logSum - row[i * v + data.labels[r]]
            }
        }
        return total / Double(max(data.count, 1))
    }

    /// `count` names drawn from the model, one character at a time from
    /// softmax(logits / temperature), until the end "." or `maximumLength` characters.
    ///
    /// Precondition: `temperature > 0`.
    public func sample(count: Int, temperature: Double = 1, maximumLength: Int = 30, seed: UInt64 = 1) -> [String] {
        nnPrecondition(temperature > 0 && temperature.isFinite, "CharacterMLP.sample: temperature \(temperature) must be positive")
        var rng = SeededGenerator(seed: seed)
        let v = vocabulary.count
        return (0..<count).map { _ in
            var context = [Int](repeating: 0, count: contextLength)
            var name = ""
            while name.count < maximumLength {
                var row = [Scalar](repeating: 0, count: contextLength * v)
                for (k, c) in context.enumerated() { row[k * v + c] = 1 }
                let input = Tensor<Scalar>(shape: [1, contextLength * v], scalars: row)
                let logits = withoutGradients { self(input) }.scalars.map { Double($0) }
                let next = CharacterSampling.draw(logits: logits, temperature: temperature, using: &rng)
                if next == 0 { break }
                name.append(vocabulary.characters[next])
                context.removeFirst()
                context.append(next)
            }
            return name
        }
    }
}

/// The baseline a character model must beat: next-character probabilities from bigram
/// counts with add-α smoothing.
///
/// ```
/// p(b | a) = (N(a, b) + α) / (Σ_c N(a, c) + α·V)
/// ```
public struct BigramModel: Sendable {
    /// The characters.
    public let vocabulary: CharacterVocabulary
    /// The smoothing α added to every count.
    public let smoothing: Double
    /// N(a, b), row a, column b.
    public private(set) var counts: [[Int]]

    /// Counts the bigrams of `names`, with "." before and after each name.
    ///
    /// Precondition: `smoothing ≥ 0`, every character in the vocabulary.
    public init(names: [String], vocabulary: CharacterVocabulary = .lowercaseLetters, smoothing: Double = 1) {
        nnPrecondition(smoothing >= 0, "BigramModel: smoothing \(smoothing) must be ≥ 0")
        self.vocabulary = vocabulary
        self.smoothing = smoothing
        counts = Array(repeating: Array(repeating: 0, count: vocabulary.count), count: vocabulary.count)
        for (a, b) in Self.bigrams(names, vocabulary) { counts[a][b] += 1 }
    }

    /// p(next | previous), smoothed.
    public func probability(of next: Int, after previous: Int) -> Double {
        let row = counts[previous]
        return (Double(row[next]) + smoothing) / (Double(row.reduce(0, +)) + smoothing * Double(vocabulary.count))
    }

    /// The mean negative log-likelihood per character of `names`, in nats (each name's
    /// characters and its end, as ``CharacterMLP/lossPerCharacter(on:)`` counts them).
    public func lossPerCharacter(on names: [String]) -> Double {
        var total = 0.0, n = 0
        for (a, b) in Self.bigrams(names, vocabulary) {
            total -= Foundation.log(probability(of: b, after: a))
            n += 1
        }
        return total / Double(max(n, 1))
    }

    /// The (previous, next) index pairs of `names`, boundaries included.
    static func bigrams(_ names: [String], _ vocabulary: CharacterVocabulary) -> [(Int, Int)] {
        var pairs: [(Int, Int)] = []
        for name in names {
            var previous = 0
            for character in Array(name) + ["."] {
                guard let next = vocabulary.index(of: character) else {
                    nnFailure("BigramModel: \(terminalSafe(name, limit: 40)) holds a character outside the vocabulary")
                }
                pairs.append((previous, next))
                previous = next
            }
        }
        return pairs
    }
}

/// Drawing from softmax(logits / T) with the package's seeded generator.
enum CharacterSampling {
    /// An index drawn with probability softmax(logits / temperature).
    static func draw(logits: [Double], temperature: Double, using rng: inout SeededGenerator) -> Int {
        let top = logits.max() ?? 0
        let weights = logits.map { Foundation.exp(($0 - top) / temperature) }
        var u = rng.nextUnitInterval() * weights.reduce(0, +)
        for (i, w) in weights.enumerated() {
            u -= w
            if u < 0 { return i }
        }
        return weights.count - 1
    }
}
