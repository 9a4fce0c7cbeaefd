extension Tensor {
    /// Back-propagates from this one-element tensor (a loss): adds ∂self/∂p to the
    /// `gradient` of every parameter p that this tensor depends on. Gradients
    /// accumulate across calls until `zeroGradients()`.
    ///
    /// ```
    /// p.gradient += ∂L/∂p   for every parameter p reaching L
    /// ```
    /// With `createGraph` the backward pass is itself recorded, so the gradients can be
    /// differentiated again (note: a parameter's gradient then references a graph that
    /// references the parameter; call `zeroGradients()` to release it, or prefer
    /// `gradients(of:withRespectTo:createGraph:)`, which stores nothing).
    ///
    /// Precondition: one element (otherwise use `backward(upstream:)`), and the tensor
    /// requires gradients.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func backward(createGraph: Bool = false, file: StaticString = #fileID, line: UInt = #line) {
        if count != 1 {
            tensorError(
                "backward: the tensor has shape \(shape) (\(count) elements), not a single element; call backward(upstream:) with ∂L/∂self of shape \(shape)",
                file: file, line: line)
        }
        backward(upstream: Tensor(storage: [1], shape: shape, node: nil), createGraph: createGraph, file: file, line: line)
    }

    /// Back-propagates a given gradient of some loss with respect to this tensor.
    ///
    /// ```
    /// p.gradient += upstreamᵀ · ∂self/∂p
    /// ```
    /// Precondition: `upstream.shape == shape`, and the tensor requires gradients.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func backward(
        upstream: Tensor, createGraph: Bool = false, file: StaticString = #fileID, line: UInt = #line
    ) {
        guard let node else {
            tensorError(
                "backward: the tensor does not require gradients (no parameter reaches it, or it was computed inside withoutGradients)",
                file: file, line: line)
        }
        if upstream.shape != shape {
            tensorError("backward: upstream gradient has shape \(upstream.shape), the tensor has shape \(shape)",
                        file: file, line: line)
        }
        _ = runBackward(root: node, upstream: upstream, createGraph: createGraph, targets: nil)
    }
}

/// The gradients of `output` with respect to `inputs` (parameters or intermediate
/// results), without touching any parameter's `gradient` (like `torch.autograd.grad`).
/// An input that `output` does not depend on gets a zero gradient.
///
/// ```
/// [∂L/∂x₁, …, ∂L/∂xₙ],   L = Σ upstream ⊙ output  (upstream = 1 for a scalar output)
/// ```
/// With `createGraph` the returned gradients are recorded and can be differentiated
/// again (gradient of gradient, Hessian–vector products).
///
/// Precondition: `output` requires gradients; `upstream` (when given) has its shape;
/// without `upstream`, `output` has one element.
@_specialize(where Scalar == Float)
@_specialize(where Scalar == Double)
public func gradients<Scalar>(
    of output: Tensor<Scalar>, withRespectTo inputs: [Tensor<Scalar>], upstream: Tensor<Scalar>? = nil,
    createGraph: Bool = false, file: StaticString = #fileID, line: UInt = #line
) -> [Tensor<Scalar>] {
    guard let root = output.node else {
        tensorError("gradients(of:): the output does not require gradients", file: file, line: line)
    }
    let seed = upstream ?? Tensor(storage: [1], shape: output.shape, node: nil)
    if upstream == nil && output.count != 1 {
        tensorError("gradients(of:): the output has shape \(output.shape), not a single element; pass upstream:",
                    file: file, line: line)
    }
    if seed.shape != output.shape {
        tensorError("gradients(of:): upstream has shape \(seed.shape), the output has shape \(output.shape)",
                    file: file, line: line)
    }
    let found = reachedGradients(root: root, seed: seed, inputs: inputs, createGraph: createGraph)
    return inputs.indices.map { found[$0] ?? Tensor.zeros(shape: inputs[$0].shape) }
}

/// The gradients arriving at `inputs` from `root` (nil for an input the root does not depend on).
func reachedGradients<Scalar>(
    root: TensorNode<Scalar>, seed: Tensor<Scalar>, inputs: [Tensor<Scalar>], createGraph: Bool
) -> [Tensor<Scalar>?] {
    var targets: [ObjectIdentifier: [Int]] = [:]
    for (i, x) in inputs.enumerated() {
        if let n = x.node { targets[ObjectIdentifier(n), default: []].append(i) }
    }
    return runBackward(root: root, upstream: seed, createGraph: createGraph, targets: targets, count: inputs.count)
}

/// The nodes reachable from `root`, every node before all of its inputs (reverse
/// topological order), as an intrusive list linked through `sortNext`; returns its
/// head. Iterative depth-first search whose stack is linked through `sortParent`, so
/// graph depth is not limited by the call stack and nothing is allocated.
@_specialize(where Scalar == Float)
@_specialize(where Scalar == Double)
func reverseTopologicalOrder<Scalar>(_ root: TensorNode<Scalar>) -> TensorNode<Scalar> {
    // The graph under `root` keeps every node alive during the sort, so the walk holds
    // plain (unowned, unretained) references: no reference counting per step.
    unowned(unsafe) var head: TensorNode<Scalar>? = nil
    root.isVisited = true
    root.sortInput = 0
    root.sortParent = nil
    unowned(unsafe) var top: TensorNode<Scalar>? = root
    while let node = top {
        let i = node.sortInput
        if i < node.inputs.count {
            node.sortInput = i + 1
            if node.inputRequiresGradient(i) {
                unowned(unsafe) let child = node.inputNode(i).unsafelyUnwrapped
                if !child.isVisited {
                    child.isVisited = true
                    child.sortInput = 0
                    child.sortParent = node
                    top = child
                }
            }
        } else {
            // Finished: every input is already in the list, so prepending keeps each
            // node before its inputs.
            node.sortNext = head
            head = node
            top = node.sortParent
            node.sortParent = nil
        }
    }
    unowned(unsafe) var n = head
    while let node = n { node.isVisited = false; n = node.sortNext }
    return head!
}

/// The backward pass: visits nodes from `root` towards the leaves, applying each op's
/// rule from the rule table to the accumulated gradient. Without `targets`, leaf
/// gradients accumulate into `gradient`; with them, the gradients arriving at the
/// target nodes are returned instead (indexed as in `targets`).
@_specialize(where Scalar == Float)
@_specialize(where Scalar == Double)
func runBackward<Scalar>(
    root: TensorNode<Scalar>, upstream: Tensor<Scalar>, createGraph: Bool,
    targets: [ObjectIdentifier: [Int]]?, count: Int = 0
) -> [Tensor<Scalar>?] {
    if !createGraph, let tracer = GraphTracer<Scalar>.current {
        // Unrecorded, the gradients would be constants of the trace: the first call's.
        tracer.noteFrozen(
            "a backward pass without createGraph computes gradients a program cannot recompute; use gradients(of:withRespectTo:createGraph: true), or TensorProgram(valueAndGradientsOf:at:withRespectTo:)")
    }
    let first = reverseTopologicalOrder(root)
    var results = [Tensor<Scalar>?](repeating: nil, count: count)
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func pass() {
        root.pending = createGraph ? upstream : upstream.detached()
        unowned(unsafe) var cursor: TensorNode<Scalar>? = first
        while let node = cursor {
            cursor = node.sortNext
            var pending: Tensor<Scalar>? = nil
            swap(&pending, &node.pending)  // moved out: no copy
            guard let g = pending else { continue }
            if let targets {
                if let slots = targets[ObjectIdentifier(node)] { for s in slots { results[s] = g } }
            }
            if node.isLeafNode {
                if targets == nil { node.gradient = node.gradient.map { $0 + g } ?? g }
                continue
            }
            let output = Tensor(storage: node.output ?? TensorStorage(), shape: node.shape, node: node)
            let recorder = AnomalyRecorder.current
            recorder?.inBackward = true
            let grads = node.storedOp.inputGradients(inputs: NodeInputView(node: node), output: output, upstream: g)
            if let recorder {
                recorder.inBackward = false
                for (i, grad) in grads.enumerated() { if let grad { recorder.checkBackward(grad, node: node, index: i) } }
            }
            for i in 0..<grads.count {
                guard let grad = grads[i], node.inputRequiresGradient(i) else { continue }
                unowned(unsafe) let child = node.inputNode(i).unsafelyUnwrapped
                var sum: Tensor<Scalar>? = nil
                swap(&sum, &child.pending)
                child.pending = sum.map { $0 + grad } ?? grad
            }
        }
    }
    if createGraph { pass() } else { withoutGradients { pass() } }
    return results
}
