import CBackpropKernels

/// A scalar node of a reverse-mode computation graph (Double precision).
///
/// Arithmetic on `Value`s computes the result and records how it was made: the op,
/// its inputs and the local partial derivatives. ``backward(seed:)`` then applies the
/// chain rule from an output back to every node it depends on:
///
/// ```
/// ∂out/∂node = Σ over consumers c of node:  ∂out/∂c · ∂c/∂node
/// ```
///
/// ```swift
/// let w = Value(0.5, label: "w")
/// let x = Value(2.0, label: "x")
/// let y = (w * x + 1).tanh()
/// y.backward()
/// print(w.grad)   // (1 − tanh²(2)) · 2
/// ```
///
/// `Value` is a handle (a tape and an index), so copies refer to the same node and
/// setting ``value`` or ``grad`` through any copy changes the node. A graph lives as
/// long as any `Value` of it does; when the last one goes away its memory is
/// returned. Graphs are confined to one thread (`Value` is not `Sendable`).
public struct Value {
    @usableFromInline let tape: Tape
    @usableFromInline let index: Int32

    @inlinable @inline(__always)
    init(tape: Tape, index: Int32) {
        self.tape = tape
        self.index = index
    }

    /// Creates a leaf: an input or a parameter, whose gradient accumulates across
    /// backward passes until ``zeroGradients()``.
    ///
    /// - Parameters:
    ///   - value: The leaf's value.
    ///   - label: An optional name used by explanations ("w5", "i1").
    @inlinable
    public init(_ value: Double, label: String? = nil) {
        let tape = Tape(holdsLeaf: true, capacity: 1)
        self.tape = tape
        self.index = tape.append(Node(op: .leaf, value: value))
        if let label { tape.labels[index] = label }
    }

    @inlinable
    var node: UnsafeMutablePointer<Node> {
        @inline(__always) get { tape.base + Int(index) }
    }

    /// The node's value. Setting it is meant for leaves (parameter updates); it does
    /// not recompute nodes already built from this one.
    @inlinable
    public var value: Double {
        get { node.pointee.value }
        nonmutating set { node.pointee.value = newValue }
    }

    /// ∂output/∂self from the most recent ``backward(seed:)`` through this node.
    ///
    /// Leaves accumulate over backward passes; interior nodes hold the gradient of
    /// the latest pass that reached them.
    @inlinable
    public var grad: Double {
        get { node.pointee.grad }
        nonmutating set { node.pointee.grad = newValue }
    }

    /// The name used by explanations, if one was given.
    public var label: String? {
        get { tape.labels[index] }
        nonmutating set { tape.labels[index] = newValue }
    }

    /// Sets the label and returns the same node, for naming inline:
    /// `let net = (w1 * i1 + b1).labeled("net_h1")`.
    @discardableResult
    public func labeled(_ label: String) -> Value {
        tape.labels[index] = label
        return self
    }

    /// The op that produced this node (`.leaf` for user leaves).
    @inlinable
    public var op: ScalarOp { node.pointee.op }

    /// The function of the elementwise table that produced this node (nil for other ops).
    ///
    /// ```
    /// x.relu().elementwiseFunction == .relu,   x.softplus().elementwiseFunction == .softplus
    /// ```
    public var elementwiseFunction: ElementwiseFunction? {
        if op == .elementwise {
            return ElementwiseFunction(rawValue: UInt8(truncatingIfNeeded: node.pointee.y - Node.elementwiseTag))
        }
        return op.elementwiseFunction
    }

    /// The op's short name for printing ("+", "σ", "softplus").
    public var opSymbol: String { elementwiseFunction?.symbol ?? op.description }

    /// The op's constant argument: the exponent of `.powerConstant`, α of
    /// `.leakyRelu`, the threshold of `.step`; nil for other ops.
    public var opArgument: Double? {
        if op == .elementwise { return nil }
        switch op {
        case .powerConstant, .leakyRelu, .step: return node.pointee.dy
        default: return nil
        }
    }

    /// The constant operand of a binary op with a `Double` side (as `1.0001` in
    /// `x * 1.0001`), and whether it is the first operand; nil otherwise.
    ///
    /// Constant operands are stored in the node itself, not as nodes of their own,
    /// so they do not appear in ``inputs``.
    public var constantOperand: (value: Double, isFirst: Bool)? {
        let n = node.pointee
        if n.x == Node.constantOperand { return (n.dx, true) }
        if n.y == Node.constantOperand { return (n.dy, false) }
        return nil
    }

    /// Whether this node is a user leaf (created with ``init(_:label:)``).
    @inlinable
    public var isLeaf: Bool { tape.holdsLeaf }

    /// The nodes this one was computed from, in operand order (empty for leaves
    /// and constants).
    public var inputs: [Value] {
        let n = node.pointee
        var result: [Value] = []
        for reference in [n.x, n.y] where reference >= 0 {
            let (t, i) = tape.resolve(reference)
            result.append(Value(tape: t, index: i))
        }
        return result
    }

    /// The local partial derivatives ∂self/∂input for each of ``inputs``, as
    /// computed by the op's rule in the forward pass (a constant operand has none).
    public var localDerivatives: [Double] {
        let n = node.pointee
        var result: [Double] = []
        if n.x >= 0 { result.append(n.dx) }
        if n.y >= 0 { result.append(n.dy) }
        return result
    }

    /// A stable identity of the node, usable as a dictionary key.
    public var id: NodeID { NodeID(tape: ObjectIdentifier(tape), index: index) }

    /// A new leaf with this node's value and no history (gradients stop here).
    public func detached() -> Value { Value(value, label: label) }
}

@available(*, unavailable, message: "A Value's graph belongs to one thread; build a graph per task.")
extension Value: Sendable {}

/// The identity of a scalar graph node.
public struct NodeID: Hashable, Sendable {
    let tape: ObjectIdentifier
    let index: Int32
}

extension Value: CustomStringConvertible {
    /// `Value(0.60108, grad: 0.0, op: σ, label: out_h1)`-style summary.
    public var description: String {
        var s = "Value(\(value), grad: \(grad)"
        if op != .leaf { s += ", op: \(opSymbol)" }
        if let label { s += ", label: \(label)" }
        return s + ")"
    }
}

// MARK: - Recording ops

extension Value {
    /// Records a function of the elementwise table that has no `ScalarOp` case of its
    /// own (the node's unused second operand records which function it is).
    @inlinable
    static func elementwise(_ function: ElementwiseFunction, _ a: consuming Value, argument: Double = 0) -> Value {
        unary(.elementwise, a, argument: argument, function: function)
    }

    /// Records a unary op (or computes a constant when not recording).
    @inlinable
    static func unary(_ op: ScalarOp, _ a: consuming Value, argument: Double = 0,
                      function: ElementwiseFunction? = nil) -> Value {
        let index = a.index
        let source = (consume a).tape       // the input's reference moves here: no retain
        let tag = function.map { Double($0.rawValue) } ?? 0
        let r = ScalarOp.rule(op, source.base[Int(index)].value, tag, argument)
        let y = function.map { Node.elementwiseTag + Int64($0.rawValue) } ?? -1
        if source.holdsLeaf {
            let t = Tape(holdsLeaf: false, capacity: 16)
            if bp_no_grad_depth() != 0 { return Value(tape: t, index: t.append(Node(op: .constant, value: r.value))) }
            let ra = t.reference(to: source, index)
            return Value(tape: t, index: t.append(Node(op: op, value: r.value, dx: r.dx, dy: argument, x: ra, y: y)))
        }
        if bp_no_grad_depth() != 0 {
            return Value(tape: source, index: source.append(Node(op: .constant, value: r.value)))
        }
        let i = source.append(Node(op: op, value: r.value, dx: r.dx, dy: argument, x: Int64(index), y: y))
        return Value(tape: source, index: i)  // and on into the result
    }

    /// Records a binary op of two nodes.
    @inlinable
    static func binary(_ op: ScalarOp, _ a: consuming Value, _ b: consuming Value) -> Value {
        let r = ScalarOp.rule(op, a.value, b.value, 0)
        let t = Tape.target(a.tape, b.tape)
        if bp_no_grad_depth() != 0 {
            return Value(tape: t, index: t.append(Node(op: .constant, value: r.value)))
        }
        let ra = t.reference(to: a.tape, a.index)
        let rb = t.reference(to: b.tape, b.index)
        return Value(tape: t, index: t.append(Node(op: op, value: r.value, dx: r.dx, dy: r.dy, x: ra, y: rb)))
    }

    /// Records a binary op with a constant operand, held inline in the node.
    @inlinable
    static func binary(_ op: ScalarOp, _ a: consuming Value, constant c: Double, constantFirst: Bool) -> Value {
        let index = a.index
        let source = (consume a).tape       // the input's reference moves here: no retain
        let av = source.base[Int(index)].value
        let r = constantFirst ? ScalarOp.rule(op, c, av, 0) : ScalarOp.rule(op, av, c, 0)
        let t = source.holdsLeaf ? Tape(holdsLeaf: false, capacity: 16) : source
        if bp_no_grad_depth() != 0 {
            return Value(tape: t, index: t.append(Node(op: .constant, value: r.value)))
        }
        let ra = t === source ? Int64(index) : t.reference(to: source, index)
        let rc = Node.constantOperand
        let node = constantFirst
            ? Node(op: op, value: r.value, dx: c, dy: r.dy, x: rc, y: ra)
            : Node(op: op, value: r.value, dx: r.dx, dy: c, x: ra, y: rc)
        return Value(tape: t, index: t.append(node))
    }
}
