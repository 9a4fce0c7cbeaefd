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
    /// Where the op was called (`File.swift:line`), kept only under anomaly detection.
    var location: String?
    /// Mark used while sorting the graph (false between passes).
    var isVisited = false

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
        if inputs.isEmpty && gradient == nil && pending == nil { return }
        releaseIteratively()
    }

    /// The body of `deinit`, specialised for Float and Double (a generic deinit would
    /// look up type metadata at run time on every node).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func releaseIteratively() {
        var stack: [TensorNode<Scalar>] = []
        TensorNode.moveReferences(of: self, to: &stack)
        while var next = stack.popLast() {
            if isKnownUniquelyReferenced(&next) { TensorNode.moveReferences(of: next, to: &stack) }
        }
    }

    /// Moves the node's references to other nodes onto `stack`, leaving it empty.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    static func moveReferences(of node: TensorNode<Scalar>, to stack: inout [TensorNode<Scalar>]) {
        for input in node.inputs { if let n = input.node { stack.append(n) } }
        node.inputs = []
        if let g = node.gradient?.node { stack.append(g) }
        node.gradient = nil
        if let p = node.pending?.node { stack.append(p) }
        node.pending = nil
    }
}
