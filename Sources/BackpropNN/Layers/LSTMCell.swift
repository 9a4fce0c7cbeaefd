import Backprop

/// The state of an ``LSTMCell``: the hidden output h and the cell memory c, each
/// `[batch, hiddenSize]`.
public struct LSTMState<Scalar: TensorScalar> {
    /// h.
    public var hidden: Tensor<Scalar>
    /// c.
    public var cell: Tensor<Scalar>

    /// A state with these tensors.
    public init(hidden: Tensor<Scalar>, cell: Tensor<Scalar>) {
        self.hidden = hidden
        self.cell = cell
    }
}

/// A long short-term memory cell (PyTorch's `nn.LSTMCell`: the same parameter names,
/// shapes and gate order i, f, g, o in the stacked weights).
///
/// ```
/// [i | f | g | o] = x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh        W_ih: [4H, I], W_hh: [4H, H], b: [4H]
/// i, f, o = σ(i), σ(f), σ(o),   g = tanh(g)
/// c′ = f ⊙ c + i ⊙ g,   h′ = o ⊙ tanh(c′)
/// ```
/// Composed from engine ops (two `linear` ops, slices, σ, tanh, products), so the
/// gradient through time comes from their rules. Initialised as PyTorch does: every entry
/// U(−1/√H, 1/√H).
///
/// ```swift
/// var rng = SeededGenerator(seed: 1)
/// let lstm = LSTMCell<Double>(inputSize: 2, hiddenSize: 3, rng: &rng)
/// let s1 = lstm(Tensor(shape: [1, 2], scalars: [1, -1]), state: lstm.zeroState(batchSize: 1))
/// print(s1.hidden.shape, s1.cell.shape)   // [1, 3] [1, 3]
/// ```
public struct LSTMCell<Scalar: TensorScalar>: RecurrentCell {
    /// (h, c).
    public typealias State = LSTMState<Scalar>

    /// W_ih, `[4·hiddenSize, inputSize]`, the gates' rows in the order i, f, g, o.
    public let weightIH: Parameter<Scalar>
    /// W_hh, `[4·hiddenSize, hiddenSize]`.
    public let weightHH: Parameter<Scalar>
    /// b_ih, `[4·hiddenSize]`.
    public let biasIH: Parameter<Scalar>
    /// b_hh, `[4·hiddenSize]`.
    public let biasHH: Parameter<Scalar>

    /// A cell with every entry drawn from U(−1/√hiddenSize, 1/√hiddenSize).
    ///
    /// Precondition: both sizes positive.
    public init(inputSize: Int, hiddenSize: Int, rng: inout SeededGenerator, file: StaticString = #fileID, line: UInt = #line) {
        nnPrecondition(inputSize > 0 && hiddenSize > 0,
                       "LSTMCell: inputSize \(inputSize) and hiddenSize \(hiddenSize) must be positive", file: file, line: line)
        let a = 1 / Double(hiddenSize).squareRoot()
        weightIH = Parameter(uniformTensor([4 * hiddenSize, inputSize], bound: a, using: &rng))
        weightHH = Parameter(uniformTensor([4 * hiddenSize, hiddenSize], bound: a, using: &rng))
        biasIH = Parameter(uniformTensor([4 * hiddenSize], bound: a, using: &rng))
        biasHH = Parameter(uniformTensor([4 * hiddenSize], bound: a, using: &rng))
    }

    /// A cell with the given weights and biases (PyTorch's `weight_ih`, `weight_hh`,
    /// `bias_ih`, `bias_hh`, gates stacked i, f, g, o).
    ///
    /// Precondition: shapes `[4H, I]`, `[4H, H]`, `[4H]`, `[4H]`.
    public init(weightIH: Tensor<Scalar>, weightHH: Tensor<Scalar>, biasIH: Tensor<Scalar>, biasHH: Tensor<Scalar>,
                file: StaticString = #fileID, line: UInt = #line) {
        let g = weightIH.shape.first ?? 0, h = g / 4
        nnPrecondition(weightIH.rank == 2 && h > 0 && g == 4 * h && weightHH.shape == [g, h] && biasIH.shape == [g]
                       && biasHH.shape == [g],
                       "LSTMCell: weights \(weightIH.shape), \(weightHH.shape) and biases \(biasIH.shape), \(biasHH.shape) "
                       + "must be [4H, I], [4H, H], [4H], [4H]", file: file, line: line)
        self.weightIH = Parameter(weightIH)
        self.weightHH = Parameter(weightHH)
        self.biasIH = Parameter(biasIH)
        self.biasHH = Parameter(biasHH)
    }

    /// I.
    public var inputSize: Int { weightIH.shape[1] }
    /// H.
    public var hiddenSize: Int { weightHH.shape[1] }

    /// h = c = zeros, `[batchSize, hiddenSize]`.
    public func zeroState(batchSize: Int) -> LSTMState<Scalar> {
        LSTMState(hidden: Tensor.zeros(shape: [batchSize, hiddenSize]), cell: Tensor.zeros(shape: [batchSize, hiddenSize]))
    }

    /// (h′, c′) from the gates i, f, g, o of `input` and `state`.
    ///
    /// Precondition: `input` is `[batch, inputSize]`, h and c are `[batch, hiddenSize]`.
    public func callAsFunction(_ input: Tensor<Scalar>, state: LSTMState<Scalar>) -> LSTMState<Scalar> {
        let h = hiddenSize, b = input.shape.first ?? 0
        nnPrecondition(input.rank == 2 && input.shape[1] == inputSize && state.hidden.shape == [b, h] && state.cell.shape == [b, h],
                       "LSTMCell: input \(input.shape), h \(state.hidden.shape) and c \(state.cell.shape) must be "
                       + "[batch, \(inputSize)], [batch, \(h)] and [batch, \(h)]")
        let gates = input.linear(weight: weightIH.value, bias: biasIH.value)
            + state.hidden.linear(weight: weightHH.value, bias: biasHH.value)
        func gate(_ k: Int) -> Tensor<Scalar> { gates.sliced([0..<b, (k * h)..<((k + 1) * h)]) }
        let i = gate(0).sigmoid(), f = gate(1).sigmoid(), g = gate(2).tanh(), o = gate(3).sigmoid()
        let c = f * state.cell + i * g
        return LSTMState(hidden: o * c.tanh(), cell: c)
    }

    /// h.
    public func hidden(of state: LSTMState<Scalar>) -> Tensor<Scalar> { state.hidden }

    /// PyTorch's names: `weight_ih`, `weight_hh`, `bias_ih`, `bias_hh`.
    public var namedParameters: [(name: String, parameter: Parameter<Scalar>)] {
        [("weight_ih", weightIH), ("weight_hh", weightHH), ("bias_ih", biasIH), ("bias_hh", biasHH)]
    }
}
