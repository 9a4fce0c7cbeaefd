import Backprop

/// One time step of a recurrent network: a layer that maps an input and the previous
/// state to the next state, built from engine ops (``RNNCell``, ``LSTMCell``). Unroll it
/// over a sequence with ``unrolled(over:from:)`` or wrap it in a ``RecurrentLayer``; every
/// gradient (through time too) comes from the ops' rules.
///
/// ```
/// sₜ = cell(xₜ, sₜ₋₁),   hₜ = hidden(sₜ)      xₜ: [batch, inputSize], hₜ: [batch, hiddenSize]
/// ```
/// As a plain `Layer`, a cell runs one step from the zero state and returns the hidden
/// output.
public protocol RecurrentCell<Scalar>: Layer {
    /// What the cell carries from one step to the next: h for ``RNNCell``, (h, c) for ``LSTMCell``.
    associatedtype State
    /// The width of each step's input.
    var inputSize: Int { get }
    /// The width of the hidden output.
    var hiddenSize: Int { get }
    /// The state before the first step: zeros for a batch of `batchSize` sequences.
    func zeroState(batchSize: Int) -> State
    /// The state after one step on `input`, `[batch, inputSize]`.
    func callAsFunction(_ input: Tensor<Scalar>, state: State) -> State
    /// The hidden output h of a state, `[batch, hiddenSize]`.
    func hidden(of state: State) -> Tensor<Scalar>
}

extension RecurrentCell {
    /// One step from the zero state, returning h: the cell used as a plain layer.
    ///
    /// ```
    /// h = hidden(cell(x, 0))
    /// ```
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        nnPrecondition(input.rank == 2, "\(Self.self): input has shape \(input.shape), expected [batch, \(inputSize)]")
        return hidden(of: self(input, state: zeroState(batchSize: input.shape[0])))
    }

    /// The cell applied to each step of a sequence in turn (a loop over time, no
    /// recursion), from `initial` (the zero state when nil): the hidden output of every
    /// step and the final state.
    ///
    /// ```
    /// s₀ = initial,   sₜ = cell(xₜ, sₜ₋₁),   outputs = [h₁, …, h_T],   state = s_T
    /// ```
    /// ```swift
    /// var rng = SeededGenerator(seed: 1)
    /// let cell = LSTMCell<Double>(inputSize: 2, hiddenSize: 3, rng: &rng)
    /// let steps = (0..<4).map { t in Tensor<Double>(shape: [1, 2], scalars: [Double(t), 1]) }
    /// let (outputs, final) = cell.unrolled(over: steps)
    /// print(outputs.count, final.hidden.shape)   // 4 [1, 3]
    /// ```
    /// Precondition: at least one step, every step `[batch, inputSize]` with the same batch.
    public func unrolled(over inputs: [Tensor<Scalar>], from initial: State? = nil) -> (outputs: [Tensor<Scalar>], state: State) {
        nnPrecondition(!inputs.isEmpty, "\(Self.self).unrolled: the sequence has no steps")
        let batch = inputs[0].shape.first ?? 0
        var state = initial ?? zeroState(batchSize: batch)
        var outputs: [Tensor<Scalar>] = []
        outputs.reserveCapacity(inputs.count)
        for (t, x) in inputs.enumerated() {
            nnPrecondition(x.rank == 2 && x.shape == [batch, inputSize],
                           "\(Self.self).unrolled: step \(t) has shape \(x.shape), expected [\(batch), \(inputSize)]")
            state = self(x, state: state)
            outputs.append(hidden(of: state))
        }
        return (outputs, state)
    }
}

/// Which hidden outputs a ``RecurrentLayer`` returns.
public enum RecurrentOutput: Sendable {
    /// Every step's, `[batch, T, hiddenSize]` (PyTorch's `output`).
    case everyStep
    /// The last step's, `[batch, hiddenSize]` (PyTorch's `h_n` of one layer): a summary of
    /// the whole sequence, for a classifier or a next-token predictor.
    case lastStep
}

/// A recurrent cell unrolled over whole sequences, as a layer (PyTorch's `nn.RNN` /
/// `nn.LSTM` with `batch_first=True` and one layer): a batch of sequences
/// `[batch, T, inputSize]` in, from the zero state; out, the hidden output of every step
/// `[batch, T, hiddenSize]` or of the last `[batch, hiddenSize]`.
///
/// ```
/// sₜ = cell(x[:, t, :], sₜ₋₁),  s₀ = 0;   everyStep: y[:, t, :] = hₜ,   lastStep: y = h_T
/// ```
/// The steps run in a loop (nothing recurses on the sequence length); a compiled step
/// traces the unrolled loop once per sequence length.
///
/// ```swift
/// var rng = SeededGenerator(seed: 1)
/// let rnn = RecurrentLayer(RNNCell<Float>(inputSize: 3, hiddenSize: 5, rng: &rng))
/// let y = rnn(Tensor<Float>.zeros(shape: [2, 7, 3]))   // [2, 7, 5]
/// let lstm = RecurrentLayer(LSTMCell<Float>(inputSize: 3, hiddenSize: 5, rng: &rng), returning: .lastStep)
/// let last = lstm(Tensor<Float>.zeros(shape: [2, 7, 3]))   // [2, 5]
/// ```
public struct RecurrentLayer<Cell: RecurrentCell>: Layer {
    public typealias Scalar = Cell.Scalar
    /// The cell applied at every step.
    public let cell: Cell
    /// Every step's output, or the last step's.
    public let output: RecurrentOutput

    /// The layer that unrolls `cell`, returning the outputs `output` names.
    public init(_ cell: Cell, returning output: RecurrentOutput = .everyStep) {
        self.cell = cell
        self.output = output
    }

    /// The hidden outputs, `[batch, T, hiddenSize]` (every step) or `[batch, hiddenSize]` (the last).
    ///
    /// Precondition: `input` is `[batch, T, inputSize]` with T ≥ 1.
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        nnPrecondition(input.rank == 3 && input.shape[1] > 0 && input.shape[2] == cell.inputSize,
                       "RecurrentLayer: input has shape \(input.shape), expected [batch, T ≥ 1, \(cell.inputSize)]")
        let (b, t, i) = (input.shape[0], input.shape[1], input.shape[2])
        // Time-major rows, so that each step is a contiguous slice.
        let steps = input.permuted([1, 0, 2])
        let inputs = (0..<t).map { k in steps.sliced([k..<(k + 1), 0..<b, 0..<i]).reshaped(to: [b, i]) }
        let (outputs, state) = cell.unrolled(over: inputs)
        switch output {
        case .everyStep: return Tensor.stacked(outputs, alongAxis: 1)
        case .lastStep: return cell.hidden(of: state)
        }
    }

    /// The cell's parameters, with their names.
    public var namedParameters: [(name: String, parameter: Parameter<Scalar>)] { cell.namedParameters }
}

/// A `[rows, columns]` tensor (a vector when `columns` is nil) of U(−a, a) draws: PyTorch's
/// initialisation of recurrent weights and biases, a = 1/√hiddenSize.
func uniformTensor<Scalar: TensorScalar>(_ shape: [Int], bound a: Double, using rng: inout SeededGenerator) -> Tensor<Scalar> {
    let values = (0..<shape.reduce(1, *)).map { _ in Scalar(a * (2 * rng.nextUnitInterval() - 1)) }
    return Tensor(shape: shape, scalars: values)
}
