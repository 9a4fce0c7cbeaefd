/// A node of the tensor graph: the op that produced a result, its inputs, and
/// whatever the op's reverse-mode rule needs (the output values, when the rule uses
/// them). Leaves (parameters) have no op and accumulate `gradient`.
///
/// Nodes only point at their inputs, never at their consumers, so the graph has no
/// reference cycles and is freed as soon as the last result tensor goes away.
final class TensorNode<Scalar: TensorScalar> {
    /// The op that produced this node's tensor; nil for a leaf (parameter).
    let op: TensorOp<Scalar>?
    /// The op's inputs (with their own nodes).
    var inputs: [Tensor<Scalar>]
    /// The shape of this node's tensor.
    let shape: [Int]
    /// The result values, kept for ops whose rule is written in terms of the output.
    let output: [Scalar]?
    /// Accumulated gradient (leaves only).
    var gradient: Tensor<Scalar>?
    /// Gradient being accumulated during a backward pass.
    var pending: Tensor<Scalar>?

    init(leafShape: [Int]) {
        op = nil
        inputs = []
        shape = leafShape
        output = nil
    }

    init(op: TensorOp<Scalar>, inputs: [Tensor<Scalar>], shape: [Int], output: [Scalar]?) {
        self.op = op
        self.inputs = inputs
        self.shape = shape
        self.output = output
    }

    /// Frees the inputs iteratively. Swift would release a chain of nodes by nested
    /// deinit calls (one stack frame per node), which overflows the stack for long
    /// chains; instead, inputs that only this node references are moved onto a local
    /// stack and emptied before they are released, so every deinit returns at once.
    deinit {
        guard !inputs.isEmpty || gradient != nil || pending != nil else { return }
        var stack: [TensorNode<Scalar>] = []
        func take(_ node: TensorNode<Scalar>) {
            for input in node.inputs where input.node != nil { stack.append(input.node!) }
            node.inputs = []
            if let g = node.gradient?.node { stack.append(g); node.gradient = nil }
            if let p = node.pending?.node { stack.append(p); node.pending = nil }
        }
        take(self)
        while var next = stack.popLast() {
            if isKnownUniquelyReferenced(&next) { take(next) }
        }
    }
}
