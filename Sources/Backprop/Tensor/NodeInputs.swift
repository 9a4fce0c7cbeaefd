/// The inputs of a recorded op. Nearly every op has one to three, and those are kept
/// inline: recording a node then allocates nothing but the node itself (an array
/// of inputs would be a second allocation, plus a run-time look-up of its generic
/// element type's metadata, on every op).
///
/// ```
/// inputs = (x₁, …, xₙ)      n ≤ 3: first, second, third;  n > 3: more
/// ```
struct NodeInputs<Scalar: TensorScalar>: RandomAccessCollection {
    /// The first input (n ≤ 3).
    var first: Tensor<Scalar>?
    /// The second input (2 ≤ n ≤ 3).
    var second: Tensor<Scalar>?
    /// The third input (n = 3).
    var third: Tensor<Scalar>?
    /// All inputs when there are more than three (empty otherwise).
    var more: [Tensor<Scalar>]
    /// The number of inputs (set together with the inputs it counts).
    var count: Int

    /// No inputs (a leaf).
    init() { more = []; count = 0 }
    /// One input.
    @inline(__always) init(_ a: Tensor<Scalar>) { first = a; more = []; count = 1 }
    /// Two inputs.
    @inline(__always) init(_ a: Tensor<Scalar>, _ b: Tensor<Scalar>) { first = a; second = b; more = []; count = 2 }
    /// Three inputs.
    init(_ a: Tensor<Scalar>, _ b: Tensor<Scalar>, _ c: Tensor<Scalar>) {
        first = a; second = b; third = c; more = []; count = 3
    }
    /// Any number of inputs.
    init(_ all: [Tensor<Scalar>]) {
        switch all.count {
        case 0: self.init()
        case 1: self.init(all[0])
        case 2: self.init(all[0], all[1])
        case 3: self.init(all[0], all[1], all[2])
        default: self.init(); more = all; count = all.count
        }
    }

    /// 0.
    var startIndex: Int { 0 }
    /// The number of inputs.
    var endIndex: Int { count }

    /// Input `i`.
    subscript(i: Int) -> Tensor<Scalar> {
        if count > 3 { return more[i] }
        return i == 0 ? first.unsafelyUnwrapped : i == 1 ? second.unsafelyUnwrapped : third.unsafelyUnwrapped
    }

    /// Whether some input requires gradients (has a graph node).
    var anyRequiresGradient: Bool {
        if count > 3 { return more.contains { $0.node != nil } }
        return first?.node != nil || second?.node != nil || third?.node != nil
    }

    /// Drops every input (the node is being freed).
    mutating func removeAll() {
        first = nil
        second = nil
        third = nil
        more = []
        count = 0
    }
}

/// The inputs of a node as the rule table sees them: a view that reads them from the
/// node one at a time (a plain reference, so passing it copies nothing).
///
/// ```
/// x[i] = node.inputs[i]
/// ```
struct NodeInputView<Scalar: TensorScalar>: RandomAccessCollection {
    /// The node whose inputs these are (kept alive by the backward pass meanwhile).
    unowned(unsafe) let node: TensorNode<Scalar>

    /// 0.
    var startIndex: Int { 0 }
    /// The number of inputs.
    var endIndex: Int { node.inputs.count }

    /// Input `i`.
    @inline(__always)
    subscript(i: Int) -> Tensor<Scalar> { node.input(i) }

    /// Whether input `i` requires gradients.
    @inline(__always)
    func requiresGradient(_ i: Int) -> Bool { node.inputRequiresGradient(i) }
}

/// What a backward rule returns: one gradient per input (nil where the input needs
/// none), the first three inline for the same reason as `NodeInputs`.
///
/// ```
/// (x̄₁, …, x̄ₙ),   x̄ᵢ = ȳ · ∂y/∂xᵢ
/// ```
struct NodeGradients<Scalar: TensorScalar>: RandomAccessCollection {
    private var first: Tensor<Scalar>?
    private var second: Tensor<Scalar>?
    private var third: Tensor<Scalar>?
    private var more: [Tensor<Scalar>?]
    /// The number of gradients (the op's input count).
    private(set) var count: Int

    /// The gradient of a unary op's input.
    init(_ a: Tensor<Scalar>?) { first = a; more = []; count = 1 }
    /// The gradients of a binary op's inputs.
    init(_ a: Tensor<Scalar>?, _ b: Tensor<Scalar>?) { first = a; second = b; more = []; count = 2 }
    /// The gradients of a ternary op's inputs.
    init(_ a: Tensor<Scalar>?, _ b: Tensor<Scalar>?, _ c: Tensor<Scalar>?) {
        first = a; second = b; third = c; more = []; count = 3
    }
    /// Any number of gradients.
    init(_ all: [Tensor<Scalar>?]) {
        switch all.count {
        case 1: self.init(all[0])
        case 2: self.init(all[0], all[1])
        case 3: self.init(all[0], all[1], all[2])
        default: self.init(nil); more = all; count = all.count
        }
    }

    /// 0.
    var startIndex: Int { 0 }
    /// The number of gradients.
    var endIndex: Int { count }

    /// The gradient of input `i`.
    subscript(i: Int) -> Tensor<Scalar>? {
        if count > 3 { return more[i] }
        return i == 0 ? first : i == 1 ? second : third
    }
}
