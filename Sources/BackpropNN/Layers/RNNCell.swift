import Backprop

/// An Elman recurrent cell with tanh (PyTorch's `nn.RNNCell`, the same parameter names
/// and shapes): the next hidden state from the input and the previous hidden state.
///
/// ```
/// h′ = tanh(x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh)
/// W_ih: [H, I],  W_hh: [H, H],  b_ih, b_hh: [H]
/// ```
/// Two `linear` ops, an addition and a tanh: the gradient through time comes from their
/// rules. Initialised as PyTorch does: every entry U(−1/√H, 1/√H).
///
/// ```swift
/// var rng = SeededGenerator(seed: 1)
/// let cell = RNNCell<Double>(inputSize: 2, hiddenSize: 3, rng: &rng)
/// let h1 = cell(Tensor(shape: [1, 2], scalars: [1, -1]), state: cell.zeroState(batchSize: 1))
/// let h2 = cell(Tensor(shape: [1, 2], scalars: [0, 2]), state: h1)   // [1, 3]
/// ```
public struct RNNCell<Scalar: TensorScalar>: RecurrentCell {
    /// The hidden state h, `[batch, hiddenSize]`.
    public typealias State = Tensor<Scalar>

    /// W_ih, `[hiddenSize, inputSize]`.
    public let weightIH: Parameter<Scalar>
    /// W_hh, `[hiddenSize, hiddenSize]`.
    public let weightHH: Parameter<Scalar>
    /// b_ih, `[hiddenSize]`.
    public let biasIH: Parameter<Scalar>
    /// b_hh, `[hiddenSize]`.
    public let biasHH: Parameter<Scalar>

    /// A cell with every entry drawn from U(−1/√hiddenSize, 1/√hiddenSize).
    ///
    /// Precondition: both sizes positive.
    public init(inputSize: Int, hiddenSize: Int, rng: inout SeededGenerator, file: StaticString = #fileID, line: UInt = #line) {
        nnPrecondition(inputSize > 0 && hiddenSize > 0,
                       "RNNCell: inputSize \(inputSize) and hiddenSize \(hiddenSize) must be positive", file: file, line: line)
        let a = 1 / Double(hiddenSize).squareRoot()
        weightIH = Parameter(uniformTensor([hiddenSize, inputSize], bound: a, using: &rng))
        weightHH = Parameter(uniformTensor([hiddenSize, hiddenSize], bound: a, using: &rng))
        biasIH = Parameter(uniformTensor([hiddenSize], bound: a, using: &rng))
        biasHH = Parameter(uniformTensor([hiddenSize], bound: a, using: &rng))
    }

    /// A cell with the given weights and biases (PyTorch's `weight_ih`, `weight_hh`,
    /// `bias_ih`, `bias_hh`).
    ///
    /// Precondition: shapes `[H, I]`, `[H, H]`, `[H]`, `[H]`.
    public init(weightIH: Tensor<Scalar>, weightHH: Tensor<Scalar>, biasIH: Tensor<Scalar>, biasHH: Tensor<Scalar>,
                file: StaticString = #fileID, line: UInt = #line) {
        let h = weightIH.shape.first ?? 0
        nnPrecondition(weightIH.rank == 2 && h > 0 && weightHH.shape == [h, h] && biasIH.shape == [h] && biasHH.shape == [h],
                       "RNNCell: weights \(weightIH.shape), \(weightHH.shape) and biases \(biasIH.shape), \(biasHH.shape) "
                       + "must be [H, I], [H, H], [H], [H]", file: file, line: line)
        self.weightIH = Parameter(weightIH)
        self.weightHH = Parameter(weightHH)
        self.biasIH = Parameter(biasIH)
        self.biasHH = Parameter(biasHH)
    }

    /// I.
    public var inputSize: Int { weightIH.shape[1] }
    /// H.
    public var hiddenSize: Int { weightIH.shape[0] }

    /// Zeros, `[batchSize, hiddenSize]`.
    public func zeroState(batchSize: Int) -> Tensor<Scalar> { Tensor.zeros(shape: [batchSize, hiddenSize]) }

    /// h′ = tanh(x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh).
    ///
    /// Precondition: `input` is `[batch, inputSize]`, `state` is `[batch, hiddenSize]`.
    public func callAsFunction(_ input: Tensor<Scalar>, state: Tensor<Scalar>) -> Tensor<Scalar> {
        nnPrecondition(input.rank == 2 && input.shape[1] == inputSize && state.shape == [input.shape[0], hiddenSize],
                       "RNNCell: input \(input.shape) and state \(state.shape) must be [batch, \(inputSize)] and [batch, \(hiddenSize)]")
        return (input.linear(weight: weightIH.value, bias: biasIH.value)
                + state.linear(weight: weightHH.value, bias: biasHH.value)).tanh()
    }

    /// The state is the hidden output.
    public func hidden(of state: Tensor<Scalar>) -> Tensor<Scalar> { state }

    /// PyTorch's names: `weight_ih`, `weight_hh`, `bias_ih`, `bias_hh`.
    public var namedParameters: [(name: String, parameter: Parameter<Scalar>)] {
        [("weight_ih", weightIH), ("weight_hh", weightHH), ("bias_ih", biasIH), ("bias_hh", biasHH)]
    }
}
