import Backprop
import Foundation

/// Causal multi-head self-attention over a batch of sequences `[batch, T, d]`, composed
/// from engine ops (linear maps, batched matrix products, a constant causal mask and
/// softmax), as in GPT-2; every gradient comes from those ops' rules.
///
/// ```
/// Q, K, V = X·W_qᵀ, X·W_kᵀ, X·W_vᵀ, split into h heads of d/h
/// A = softmax(Q·Kᵀ / √(d/h) + M),   M[i, j] = 0 for j ≤ i, −10⁹ for j > i (no look-ahead)
/// Y = concat_heads(A·V)·W_oᵀ + b_o
/// ```
/// Precondition: `modelSize` divisible by `heads`; the input is `[batch, T, modelSize]`.
public struct CausalSelfAttention<Scalar: TensorScalar>: Layer {
    /// The query, key and value maps, `d → d` each.
    public let query: Linear<Scalar>, key: Linear<Scalar>, value: Linear<Scalar>
    /// The output map, `d → d`.
    public let output: Linear<Scalar>
    /// The number of heads.
    public let heads: Int

    /// Xavier-initialised maps from `rng`.
    public init(modelSize: Int, heads: Int, rng: inout SeededGenerator) {
        nnPrecondition(heads > 0 && modelSize % heads == 0,
                       "CausalSelfAttention: modelSize \(modelSize) must be a positive multiple of heads \(heads)")
        query = Linear(inputSize: modelSize, outputSize: modelSize, rng: &rng)
        key = Linear(inputSize: modelSize, outputSize: modelSize, rng: &rng)
        value = Linear(inputSize: modelSize, outputSize: modelSize, rng: &rng)
        output = Linear(inputSize: modelSize, outputSize: modelSize, rng: &rng)
        self.heads = heads
    }

    /// Attention of each position to itself and the positions before it.
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        nnPrecondition(input.rank == 3 && input.shape[2] == query.inputSize,
                       "CausalSelfAttention: input has shape \(input.shape), expected [batch, T, \(query.inputSize)]")
        let (b, t, d) = (input.shape[0], input.shape[1], input.shape[2]), h = heads, dh = d / heads
        let rows = input.reshaped(to: [b * t, d])
        // [B·T, d] → [B, T, h, dh] → [B, h, T, dh] → [B·h, T, dh]
        func split(_ x: Tensor<Scalar>) -> Tensor<Scalar> {
            x.reshaped(to: [b, t, h, dh]).permuted([0, 2, 1, 3]).reshaped(to: [b * h, t, dh])
        }
        let q = split(query(rows)), k = split(key(rows)), v = split(value(rows))
        var mask = [Scalar](repeating: 0, count: t * t)
        for i in 0..<t { for j in (i + 1)..<Swift.max(i + 1, t) { mask[i * t + j] = -1e9 } }
        let scores = q.matmul(k, transposingOther: true) * Tensor(Scalar(1 / Double(dh).squareRoot()))
            + Tensor(shape: [t, t], scalars: mask)
        let mixed = scores.softmax(alongAxis: -1).matmul(v)                       // [B·h, T, dh]
        let merged = mixed.reshaped(to: [b, h, t, dh]).permuted([0, 2, 1, 3]).reshaped(to: [b * t, d])
        return output(merged).reshaped(to: [b, t, d])
    }

    /// `query.W`, `query.b`, `key.…`, `value.…`, `output.…`.
    public var namedParameters: [(name: String, parameter: Parameter<Scalar>)] {
        [("query", query), ("key", key), ("value", value), ("output", output)].flatMap { prefix, layer in
            layer.namedParameters.map { ("\(prefix).\($0.name)", $0.parameter) }
        }
    }
}

/// A small decoder-only transformer for next-character prediction (the last model of the
/// makemore series): token and position embeddings, pre-norm blocks of causal
/// self-attention and a tanh MLP with residual connections, a final layer norm, and logits
/// of the character after the context.
///
/// ```
/// x₀ = C[cₜ] + P[t]                                  t = 0 … T−1
/// x ← x + Attention(LN₁(x));  x ← x + W₂·tanh(W₁·LN₂(x))     (each block)
/// logits = W_out·LN_f(x_{T−1}) + b_out               [batch, V]
/// ```
/// Input: one-hot contexts `[batch, T·V]`, as ``CharacterVocabulary/contextDataset(_:contextLength:)``
/// makes them, so it trains with `train` exactly like ``CharacterMLP``.
public struct CharacterTransformer<Scalar: TensorScalar>: Layer {
    /// One block: attention and MLP, each behind a layer norm, each added to its input.
    public struct Block {
        public let norm1: LayerNorm<Scalar>, attention: CausalSelfAttention<Scalar>
        public let norm2: LayerNorm<Scalar>, expand: Linear<Scalar>, project: Linear<Scalar>
    }

    /// The characters.
    public let vocabulary: CharacterVocabulary
    /// The context length T.
    public let contextLength: Int
    /// Token embeddings C, `[V, d]`, and position embeddings P, `[T, d]`.
    public let tokenEmbedding: Parameter<Scalar>, positionEmbedding: Parameter<Scalar>
    /// The blocks.
    public let blocks: [Block]
    /// The final layer norm and the map to logits.
    public let finalNorm: LayerNorm<Scalar>, head: Linear<Scalar>

    /// A transformer of `blockCount` blocks of width `modelSize` with `heads` heads, from `seed`.
    public init(vocabulary: CharacterVocabulary = .lowercaseLetters, contextLength: Int = 8, modelSize: Int = 32,
                heads: Int = 4, blockCount: Int = 2, seed: UInt64 = 1) {
        nnPrecondition(contextLength > 0 && modelSize > 0 && blockCount > 0,
                       "CharacterTransformer: contextLength \(contextLength), modelSize \(modelSize) and blockCount \(blockCount) must be positive")
        self.vocabulary = vocabulary
        self.contextLength = contextLength
        var rng = SeededGenerator(seed: seed)
        tokenEmbedding = Parameter(Initializer.normal(standardDeviation: 0.1).weights(out: vocabulary.count, in: modelSize, using: &rng))
        positionEmbedding = Parameter(Initializer.normal(standardDeviation: 0.1).weights(out: contextLength, in: modelSize, using: &rng))
        blocks = (0..<blockCount).map { _ in
            Block(norm1: LayerNorm(featureCount: modelSize), attention: CausalSelfAttention(modelSize: modelSize, heads: heads, rng: &rng),
                  norm2: LayerNorm(featureCount: modelSize),
                  expand: Linear(inputSize: modelSize, outputSize: 4 * modelSize, rng: &rng),
                  project: Linear(inputSize: 4 * modelSize, outputSize: modelSize, rng: &rng))
        }
        finalNorm = LayerNorm(featureCount: modelSize)
        head = Linear(inputSize: modelSize, outputSize: vocabulary.count, rng: &rng)
    }

    /// The width d.
    public var modelSize: Int { tokenEmbedding.shape[1] }

    /// The logits of the character after each context, `[batch, V]`.
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        let (v, t, d) = (vocabulary.count, contextLength, modelSize)
        nnPrecondition(input.rank == 2 && input.shape[1] == t * v,
                       "CharacterTransformer: input has shape \(input.shape), expected [batch, \(t * v)] (\(t) one-hot blocks of \(v))")
        let b = input.shape[0]
        var x = (input.reshaped(to: [b * t, v]).matmul(tokenEmbedding.value).reshaped(to: [b, t, d])
                 + positionEmbedding.value).reshaped(to: [b * t, d])
        for block in blocks {
            x = x + block.attention(block.norm1(x).reshaped(to: [b, t, d])).reshaped(to: [b * t, d])
            x = x + block.project(block.expand(block.norm2(x)).tanh())
        }
        let last = x.reshaped(to: [b, t, d]).sliced([0..<b, (t - 1)..<t, 0..<d]).reshaped(to: [b, d])
        return head(finalNorm(last))
    }

    /// `tokenEmbedding`, `positionEmbedding`, `blocks.K.{norm1, attention, norm2, expand, project}.…`,
    /// `finalNorm.…`, `head.…`.
    public var namedParameters: [(name: String, parameter: Parameter<Scalar>)] {
        func prefixed(_ prefix: String, _ layer: some Layer<Scalar>) -> [(name: String, parameter: Parameter<Scalar>)] {
            layer.namedParameters.map { ("\(prefix).\($0.name)", $0.parameter) }
        }
        var all: [(name: String, parameter: Parameter<Scalar>)] = [("tokenEmbedding", tokenEmbedding), ("positionEmbedding", positionEmbedding)]
        for (k, block) in blocks.enumerated() {
            all += prefixed("blocks.\(k).norm1", block.norm1) + prefixed("blocks.\(k).attention", block.attention)
                + prefixed("blocks.\(k).norm2", block.norm2) + prefixed("blocks.\(k).expand", block.expand)
                + prefixed("blocks.\(k).project", block.project)
        }
        return all + prefixed("finalNorm", finalNorm) + prefixed("head", head)
    }
}
