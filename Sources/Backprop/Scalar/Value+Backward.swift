import CBackpropKernels

// Reverse mode on the scalar graph.

extension Value {
    /// Back-propagates from this node: afterwards every node it depends on holds
    /// `∂self/∂node · seed` in ``grad``.
    ///
    /// ```
    /// grad(self) = seed
    /// grad(n)    = Σ over consumers c:  grad(c) · ∂c/∂n
    /// ```
    ///
    /// Repeated use is summed (`b = a + a; c = b + b` gives `∂c/∂a = 4`).
    ///
    /// Calling it twice is well-defined, as in PyTorch: **leaves accumulate** (a second
    /// call adds the same gradients again; call ``zeroGradients()`` between steps),
    /// while interior nodes are reset at the start of each pass and hold that pass's
    /// gradient. The graph is not consumed; it can be walked again.
    ///
    /// Cost: one reverse sweep over the tapes involved, no recursion (a chain of
    /// millions of ops is fine), no allocation beyond a small list of tapes.
    public func backward(seed: Double = 1) {
        if tape.holdsLeaf {
            node.pointee.grad += seed
            return
        }
        let tapes = Value.interiorTapes(from: tape)
        // Reset interior gradients and marks (only on tapes a previous pass has
        // touched: fresh nodes start at zero), then seed.
        for t in tapes where t.swept {
            let p = t.base
            for i in 0..<t.count {
                p[i].grad = 0
                p[i].reached = false
            }
        }
        for t in tapes { t.swept = true }
        node.pointee.grad = seed
        node.pointee.reached = true
        // Younger tapes first: every consumer of a node is on its tape (later) or on a younger one.
        for t in tapes {
            let p = t.base
            var i = t === tape ? Int(index) : t.count - 1
            while i >= 0 {
                let n = p[i]
                if n.reached {
                    let g = n.grad
                    if n.x >= 0 { Value.accumulate(into: t, n.x, g * n.dx) }
                    if n.y >= 0 { Value.accumulate(into: t, n.y, g * n.dy) }
                }
                i -= 1
            }
        }
    }

    @inlinable @inline(__always)
    static func accumulate(into tape: Tape, _ reference: Int64, _ contribution: Double) {
        if reference >> 32 == 0 {
            let q = tape.base + Int(reference)
            q.pointee.grad += contribution
            q.pointee.reached = true
        } else {
            let (t, i) = tape.resolve(reference)
            let q = t.base + Int(i)
            q.pointee.grad += contribution
            q.pointee.reached = true
        }
    }

    /// The non-leaf tapes reachable from `root` (itself included), youngest first.
    /// Found with an explicit stack.
    static func interiorTapes(from root: Tape) -> [Tape] {
        var result: [Tape] = [root]
        var seen: Set<ObjectIdentifier> = [ObjectIdentifier(root)]
        var stack: [Tape] = [root]
        while let t = stack.popLast() {
            for e in t.externals where !e.holdsLeaf && seen.insert(ObjectIdentifier(e)).inserted {
                result.append(e)
                stack.append(e)
            }
        }
        if result.count > 1 { result.sort { $0.serial > $1.serial } }
        return result
    }

    /// Every node this one depends on, itself last, inputs before the nodes that use
    /// them (a topological order). Built with an explicit stack: safe on deep graphs.
    public func topologicalOrder() -> [Value] {
        var order: [Value] = []
        var visited: Set<NodeID> = []
        var stack: [(value: Value, expanded: Bool)] = [(self, false)]
        while let (v, expanded) = stack.popLast() {
            if expanded {
                order.append(v)
                continue
            }
            guard visited.insert(v.id).inserted else { continue }
            stack.append((v, true))
            for input in v.inputs.reversed() where !visited.contains(input.id) {
                stack.append((input, false))
            }
        }
        return order
    }

    /// Sets the gradient of this node and of every node it depends on (leaves
    /// included) to zero.
    public func zeroGradients() {
        for v in topologicalOrder() { v.grad = 0 }
    }
}

extension Value {
    /// Returns to the system the memory kept from the last large graph freed.
    ///
    /// Freeing a graph of more than a few megabytes keeps its node storage (one block, at
    /// most 256 MiB) for the next large graph: a training loop builds a graph of the same
    /// size every step, and reusing the block spares the kernel from zeroing fresh pages.
    /// Call this when no more large graphs will be built. Returns the bytes released.
    @discardableResult
    public static func releaseCachedMemory() -> Int { Int(bp_huge_trim()) }
}

extension Sequence where Element == Value {
    /// Sets the gradient of each value to zero (for example a model's parameters
    /// before the next step).
    public func zeroGradients() {
        for v in self { v.grad = 0 }
    }
}
