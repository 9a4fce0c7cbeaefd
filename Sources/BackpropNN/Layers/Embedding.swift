import Backprop

/// A learned lookup table (PyTorch's `nn.Embedding`): each index selects one row of the
/// table. The input is a tensor of indices of any shape, whole numbers held in the model's
/// element type; the output has one more axis, the embedding.
///
/// ```
/// y[i₁, …, iₖ, :] = W[x[i₁, …, iₖ], :]         W: [vocabularySize, embeddingSize]
/// ∂L/∂W[r] = Σ_{positions p with x[p] = r} ∂L/∂y[p]      (repeated indices add up)
/// ```
/// The lookup is one engine op (`selectingRows(indexedBy:)`) whose index operand is the
/// input tensor itself, so in a compiled step (`CompiledTrainingStep`, `train`) the
/// indices are an input of the program: every batch selects its own rows, and nothing is
/// frozen at trace time or traced again. The indices get no gradient. An index that is not
/// a whole number in `0..<vocabularySize` stops with a message naming it, the vocabulary
/// size (the table's row count) and the caller's `file:line` (for a direct call; through
/// `Sequential`, this file's), eagerly and compiled.
///
/// ```swift
/// var rng = SeededGenerator(seed: 1)
/// let embedding = Embedding<Float>(vocabularySize: 27, embeddingSize: 4, rng: &rng)
/// let contexts = Tensor<Float>(shape: [2, 3], scalars: [0, 0, 5, 0, 5, 1])   // 2 contexts of 3 characters
/// print(embedding(contexts).shape)   // [2, 3, 4]
/// ```
public struct Embedding<Scalar: TensorScalar>: Layer {
    /// The table W, `[vocabularySize, embeddingSize]`.
    public let weight: Parameter<Scalar>

    /// A table of `vocabularySize` rows of `embeddingSize` entries drawn by `initializer`
    /// (N(0, 1) by default, as PyTorch's `nn.Embedding`).
    ///
    /// Precondition: both sizes positive.
    public init(vocabularySize: Int, embeddingSize: Int, initializer: Initializer = .normal(standardDeviation: 1),
                rng: inout SeededGenerator, file: StaticString = #fileID, line: UInt = #line) {
        nnPrecondition(vocabularySize > 0 && embeddingSize > 0,
                       "Embedding: vocabularySize \(vocabularySize) and embeddingSize \(embeddingSize) must be positive",
                       file: file, line: line)
        weight = Parameter(initializer.weights(out: vocabularySize, in: embeddingSize, using: &rng))
    }

    /// A layer with the given table, `[vocabularySize, embeddingSize]`.
    ///
    /// Precondition: `weight` has rank 2.
    public init(weight: Tensor<Scalar>, file: StaticString = #fileID, line: UInt = #line) {
        nnPrecondition(weight.rank == 2, "Embedding: weight has shape \(weight.shape), expected [vocabularySize, embeddingSize]",
                       file: file, line: line)
        self.weight = Parameter(weight)
    }

    /// The number of rows, the indices' exclusive upper bound.
    public var vocabularySize: Int { weight.shape[0] }
    /// The width of one embedding.
    public var embeddingSize: Int { weight.shape[1] }

    /// The rows of the table at `indices`, shape `indices.shape + [embeddingSize]`; a bad
    /// index stops with a message naming the caller's `file:line`.
    ///
    /// ```
    /// y[p, :] = W[indices[p], :]
    /// ```
    /// Precondition: every index a whole number in `0..<vocabularySize`.
    public func callAsFunction(_ indices: Tensor<Scalar>, file: StaticString = #fileID, line: UInt = #line) -> Tensor<Scalar> {
        weight.value.selectingRows(indexedBy: indices, file: file, line: line)
    }

    /// The rows of the table at `indices` (the `Layer` requirement, used when the layer is
    /// called through the protocol, as `Sequential` does: a bad index then names this
    /// file). A direct call `embedding(indices)` picks ``callAsFunction(_:file:line:)``
    /// instead (this overload is disfavoured), so the message names the caller's line.
    ///
    /// ```
    /// y[p, :] = W[indices[p], :]
    /// ```
    @_disfavoredOverload
    public func callAsFunction(_ indices: Tensor<Scalar>) -> Tensor<Scalar> {
        weight.value.selectingRows(indexedBy: indices)
    }

    /// `weight`.
    public var namedParameters: [(name: String, parameter: Parameter<Scalar>)] { [("weight", weight)] }
}
