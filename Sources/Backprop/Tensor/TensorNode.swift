/// A node of the tensor graph: the op that produced a result, its inputs, and
/// whatever the op's reverse-mode rule needs (the output values, when the rule uses
/// them). Leaves (parameters) have no op and accumulate `gradient`.
///
/// Nodes only point at their inputs, never at their consumers, so the graph has no
/// reference cycles and is freed as soon as the last result tensor goes away.
///
/// The mutable fields opt out of Swift's run-time exclusivity checks: a node is only
/// touched by the thread that owns its graph (graphs are not shared across threads),
/// and the checks cost more than the rest of recording a small op.
@usableFromInline
final class TensorNode<Scalar: TensorScalar> {
    /// The op that produced this node's tensor; nil for a leaf (parameter).
    var op: (any TensorOperation<Scalar>)? { isLeafNode ? nil : storedOp }
    /// The op, stored without an Optional (a placeholder for leaves): destroying a
    /// field in the generic deinit looks up its type's metadata at run time, and an
    /// Optional would be a second look-up per freed node. The existential keeps the op's
    /// value inline (every op type is at most three words), so recording allocates no box.
    let storedOp: any TensorOperation<Scalar>
    let isLeafNode: Bool
    /// The op's inputs (with their own nodes).
    @exclusivity(unchecked) var inputs: NodeInputs<Scalar>
    /// The shape of this node's tensor.
    let shape: [Int]
    /// The result values, kept for ops whose rule is written in terms of the output.
    let output: TensorStorage<Scalar>?
    /// Accumulated gradient (leaves only).
    @usableFromInline @exclusivity(unchecked) var gradient: Tensor<Scalar>?
    /// Gradient being accumulated during a backward pass.
    @exclusivity(unchecked) var pending: Tensor<Scalar>?
    /// Where the op was called (`File.swift:line`), kept only under anomaly detection.
    @exclusivity(unchecked) var location: String?
    /// Mark used while sorting the graph (false between passes).
    @exclusivity(unchecked) var isVisited = false
    /// Intrusive links used by the backward pass's sort (valid only during a pass; not
    /// owning: the graph under the root keeps every node alive meanwhile). They replace
    /// per-pass arrays, whose element type would be looked up at run time.
    @exclusivity(unchecked) unowned(unsafe) var sortParent: TensorNode?
    @exclusivity(unchecked) unowned(unsafe) var sortNext: TensorNode?
    @exclusivity(unchecked) var sortInput = 0
    /// Owning link of the release stack used by `deinit` (nil outside it). Only nodes
    /// that nothing else references are pushed, so no other thread can see the link.
    @exclusivity(unchecked) var releaseNext: TensorNode?

    /// Input `i` (read through the stored fields, so that only the one tensor is copied).
    @inline(__always)
    func input(_ i: Int) -> Tensor<Scalar> {
        if inputs.count > 3 { return inputs.more[i] }
        return i == 0 ? inputs.first.unsafelyUnwrapped : i == 1 ? inputs.second.unsafelyUnwrapped
            : inputs.third.unsafelyUnwrapped
    }

    /// The graph node of input `i` (nil for a constant), without copying the input.
    @inline(__always)
    func inputNode(_ i: Int) -> TensorNode? {
        if inputs.count > 3 { return inputs.more[i].node }
        return i == 0 ? inputs.first?.node : i == 1 ? inputs.second?.node : inputs.third?.node
    }

    /// Whether input `i` requires gradients, without retaining anything.
    @inline(__always)
    func inputRequiresGradient(_ i: Int) -> Bool {
        if inputs.count > 3 { return inputs.more[i].node != nil }
        return i == 0 ? inputs.first?.node != nil : i == 1 ? inputs.second?.node != nil : inputs.third?.node != nil
    }

    init(leafShape: [Int]) {
        storedOp = Add<Scalar>()  // (never read: a leaf records no op)
        isLeafNode = true
        inputs = NodeInputs()
        shape = leafShape
        output = nil
    }

    /// An op node with one input, built in place (no intermediate copy).
    init(op: any TensorOperation<Scalar>, _ a: Tensor<Scalar>, shape: [Int], output: TensorStorage<Scalar>?) {
        self.storedOp = op
        self.isLeafNode = false
        // Field by field into the node: building a `NodeInputs` value first and then
        // storing it costs a generic copy and destroy of the whole value.
        self.inputs = NodeInputs()
        self.inputs.first = a
        self.inputs.count = 1
        self.shape = shape
        self.output = output
    }

    /// An op node with two inputs, built in place (no intermediate copy).
    init(op: any TensorOperation<Scalar>, _ a: Tensor<Scalar>, _ b: Tensor<Scalar>, shape: [Int], output: TensorStorage<Scalar>?) {
        self.storedOp = op
        self.isLeafNode = false
        self.inputs = NodeInputs()
        self.inputs.first = a
        self.inputs.second = b
        self.inputs.count = 2
        self.shape = shape
        self.output = output
    }

    init(op: any TensorOperation<Scalar>, inputs: NodeInputs<Scalar>, shape: [Int], output: TensorStorage<Scalar>?) {
        self.storedOp = op
        self.isLeafNode = false
        self.inputs = inputs
        self.shape = shape
        self.output = output
    }

    /// Frees the inputs iteratively. Swift would release a chain of nodes by nested
    /// deinit calls (one stack frame per node), which overflows the stack for long
    /// chains; instead, inputs that only this node references are pushed onto an
    /// intrusive stack (linked through `releaseNext`, so nothing is allocated) and
    /// emptied before they are released, so every deinit returns at once.
    ///
    /// The deinit itself is generic (it cannot be specialised), so even its emptiness
    /// test is done in the specialised body: generic code would look up the metadata of
    /// `[Tensor<Scalar>]` at run time for every freed node.
    deinit { releaseIteratively() }

    /// The body of `deinit`, specialised for Float and Double (a generic deinit would
    /// look up type metadata at run time on every node).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func releaseIteratively() {
        if inputs.isEmpty && gradient == nil && pending == nil { return }
        var head: TensorNode<Scalar>? = nil
        TensorNode.moveReferences(of: self, to: &head)
        while let next = head {
            head = next.releaseNext
            next.releaseNext = nil
            TensorNode.moveReferences(of: next, to: &head)
        }
    }

    /// Empties the node's references to other nodes; those that only this node
    /// referenced are pushed onto the stack `head` (which then owns them), the others
    /// are just released (still alive elsewhere).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    static func moveReferences(of node: TensorNode<Scalar>, to head: inout TensorNode<Scalar>?) {
        @inline(__always) func pushIfUnique(_ slot: inout TensorNode<Scalar>?) {
            guard isKnownUniquelyReferenced(&slot), let n = slot else { return }
            n.releaseNext = head
            head = n
        }
        if node.inputs.count > 3 {
            var inputs = node.inputs.more
            node.inputs.removeAll()
            // An input used twice (x ⊙ x) is referenced twice here: drop the repeats
            // first so that the last reference can be recognised as unique.
            if inputs.count <= 8 {
                for i in inputs.indices.dropFirst() {
                    for j in 0..<i where inputs[j].node != nil && inputs[j].node === inputs[i].node {
                        inputs[i].node = nil
                        break
                    }
                }
            }
            for i in inputs.indices { pushIfUnique(&inputs[i].node) }
        } else if node.inputs.count > 0 {
            var a = node.inputs.first.unsafelyUnwrapped.node
            var b = node.inputs.second?.node
            var c = node.inputs.third?.node
            // Field by field (a mutating method on the stored value costs a generic
            // destroy of the whole value).
            node.inputs.first = nil
            node.inputs.second = nil
            node.inputs.third = nil
            node.inputs.count = 0
            // An input used twice (x ⊙ x) is referenced twice here: drop the repeats
            // first so that the last reference can be recognised as unique.
            if c != nil && (c === a || c === b) { c = nil }
            if b != nil && a === b { b = nil }
            pushIfUnique(&a)
            pushIfUnique(&b)
            pushIfUnique(&c)
        }
        if var g = node.gradient {
            node.gradient = nil
            pushIfUnique(&g.node)
        }
        if var p = node.pending {
            node.pending = nil
            pushIfUnique(&p.node)
        }
    }
}
