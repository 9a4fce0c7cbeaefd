import CBackpropKernels

/// The element-type-free base of `GraphTracer`, so that the thread-local pointer can be
/// checked for the element type before it is used.
class AnyGraphTracer {}

/// What `TensorProgram` learns while it runs a function once on placeholder inputs:
/// every recorded node (by the buffer of its result, so that `detached()` copies can
/// be traced back to it) and every value that tracing cannot follow.
///
/// While a tracer is installed on a thread, every recorded node keeps its result
/// values, and an op that computes a constant from traced values (inside
/// `withoutGradients`) is noted as a problem: a program replaying the trace would
/// otherwise reuse the value computed at trace time, a silent wrong answer.
final class GraphTracer<Scalar: TensorScalar>: AnyGraphTracer {
    /// Every node recorded during the trace, by the identity of its result's buffer.
    var nodeByBuffer: [ObjectIdentifier: TensorNode<Scalar>] = [:]
    /// The placeholder inputs: leaf node identity and buffer identity to input index.
    var inputByNode: [ObjectIdentifier: Int] = [:]
    var inputByBuffer: [ObjectIdentifier: Int] = [:]
    /// Values the trace cannot follow, described for the error message.
    var problems: [String] = []

    /// The tracer of this thread, if one is installed and traces `Scalar` tensors.
    @inline(__always)
    static var current: GraphTracer? {
        guard let raw = bp_tracer() else { return nil }
        return Unmanaged<AnyGraphTracer>.fromOpaque(raw).takeUnretainedValue() as? GraphTracer
    }

    /// Remembers a node recorded during the trace.
    func register(_ node: TensorNode<Scalar>, _ storage: TensorStorage<Scalar>) {
        if storage.count > 0 { nodeByBuffer[ObjectIdentifier(storage.buffer)] = node }
    }

    /// Whether `storage` holds a traced value (an input or a recorded result).
    func isTraced(_ storage: TensorStorage<Scalar>) -> Bool {
        guard storage.count > 0 else { return false }
        let id = ObjectIdentifier(storage.buffer)
        return nodeByBuffer[id] != nil || inputByBuffer[id] != nil
    }

    /// Notes a value computed from traced tensors that the program could not recompute.
    func noteFrozen(_ what: String) {
        if problems.count < 8 { problems.append(what) }
    }
}

extension Tensor {
    /// `record` while a program is being traced: every node keeps its result (so that
    /// detached copies can be traced back to it), and a constant computed from traced
    /// values inside `withoutGradients` is reported instead of silently frozen.
    static func recordedWhileTracing(
        _ storage: TensorStorage<Scalar>, _ shape: [Int], _ op: TensorOp<Scalar>, _ inputs: consuming NodeInputs<Scalar>,
        _ tracer: GraphTracer<Scalar>
    ) -> Tensor<Scalar> {
        let hasNode = inputs.anyRequiresGradient
        guard isRecordingGradients, hasNode else {
            // Inside `withoutGradients`, an input with a node is a traced value whose
            // result would be frozen. Outside it, a detached copy of a traced value
            // combined only with constants is frozen the same way. (The ops' own
            // forward computations run on detached copies inside `withoutGradients`
            // and are recorded as one node afterwards: those are fine.)
            if hasNode || (isRecordingGradients && inputs.contains { tracer.isTraced($0.storage) }) {
                tracer.noteFrozen(
                    "\(op.kind) computed a constant from traced values (inside withoutGradients, or from a detached copy combined only with constants); a program would replay the value of its first call")
            }
            return Tensor(storage: storage, shape: shape, node: nil)
        }
        let node = TensorNode(op: op, inputs: inputs, shape: shape, output: storage)
        tracer.register(node, storage)
        return Tensor(storage: storage, shape: shape, node: node)
    }
}
