import CBackpropKernels

/// Whether this thread records ops in a mode of its own: a program being traced (a
/// `GraphTracer` installed) or anomaly detection (an `AnomalyRecorder` installed). One
/// thread-local word that the two installers keep, read once per recorded op; when it is
/// set, `Tensor.record` hands the op to `recordedInMode`, which dispatches to the mode.
///
/// ```
/// isInRecordingMode = tracer ≠ nil ∨ anomaly recorder ≠ nil    (this thread)
/// ```
@inline(__always)
var isInRecordingMode: Bool { bp_recording_mode() != 0 }

/// The element-type-free base of `GraphTracer`, so that the thread-local pointer can be
/// checked for the element type before it is used. Holds what does not depend on it:
/// the problems found so far.
class AnyGraphTracer {
    /// Values the trace cannot follow, described for the error message.
    var problems: [String] = []
    /// Problems noted so far (also those beyond the first few kept in `problems`).
    var problemCount = 0
    /// Nesting depth of `probe`: inside, reads of traced values are counted, not reported.
    var probeDepth = 0
    /// Reads of traced values noted inside `probe`.
    var probeReads = 0

    /// Notes a value computed from traced tensors that the program could not recompute.
    func noteFrozen(_ what: String) {
        problemCount += 1
        if problems.count < 8 && !problems.contains(what) { problems.append(what) }
    }

    /// Notes a read of a traced tensor's values (an error, unless probing).
    func noteRead(_ what: @autoclosure () -> String) {
        if probeDepth > 0 { probeReads += 1 } else { noteFrozen(what()) }
    }

    /// Runs `body` (a custom op's backward) and tells whether it read traced values or
    /// did anything else a program cannot replay; such problems are withdrawn, since the
    /// caller then runs the code eagerly inside the program instead.
    func probe<R>(_ body: () -> R) -> (result: R, readsValues: Bool) {
        let reads = probeReads, count = problemCount, kept = problems.count
        probeDepth += 1
        let result = body()
        probeDepth -= 1
        let dirty = probeReads != reads || problemCount != count
        problems.removeLast(problems.count - kept)
        problemCount = count
        if probeDepth == 0 { probeReads = 0 }
        return (result, dirty)
    }

    /// The tracer installed on this thread, whatever its element type.
    static var installed: AnyGraphTracer? {
        guard let raw = bp_tracer() else { return nil }
        return Unmanaged<AnyGraphTracer>.fromOpaque(raw).takeUnretainedValue()
    }
}

/// What `TensorProgram` learns while it runs a function once on placeholder inputs:
/// every recorded node (by the buffer of its result, so that `detached()` copies can
/// be traced back to it) and every value that tracing cannot follow.
///
/// While a tracer is installed on a thread, every recorded node keeps its result
/// values; an op combining detached copies of traced values with constants gets a
/// bookkeeping node (found by its result's buffer, not part of any gradient path); and
/// an op that computes a constant from traced values inside `withoutGradients` is
/// noted as a problem: a program replaying the trace would otherwise reuse the value
/// computed at trace time, a silent wrong answer.
final class GraphTracer<Scalar: TensorScalar>: AnyGraphTracer {
    /// Every node recorded during the trace, by the identity of its result's buffer.
    var nodeByBuffer: [ObjectIdentifier: TensorNode<Scalar>] = [:]
    /// The placeholder inputs: leaf node identity and buffer identity to input index.
    var inputByNode: [ObjectIdentifier: Int] = [:]
    var inputByBuffer: [ObjectIdentifier: Int] = [:]
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

    /// After compiling: fills the placeholders and the values computed from them during the
    /// trace with NaN. The program holds none of them; a traced value that user code kept
    /// (a layer storing an activation or a running statistic in a property of its own)
    /// would otherwise be used later with the trace's values, silently. Results of custom
    /// ops are left alone (their forward may return a buffer it does not own).
    func poisonTracedValues(_ placeholders: [TensorStorage<Scalar>]) {
        func poison(_ s: TensorStorage<Scalar>) { if s.count > 0 { s.base.update(repeating: .nan, count: s.count) } }
        for p in placeholders { poison(p) }
        for node in nodeByBuffer.values {
            if node.storedOp is CustomOperation<Scalar> { continue }
            if let output = node.output { poison(output) }
        }
    }

    /// Where a traced tensor's values come from, for messages; nil when `t` does not
    /// depend on the inputs (a constant, which may be read).
    func origin(of t: Tensor<Scalar>) -> String? {
        if let n = t.node, n.isLeafNode, let i = inputByNode[ObjectIdentifier(n)] {
            return "input \(i) of the program (shape \(t.shape))"
        }
        guard t.storage.count > 0 else { return nil }
        let id = ObjectIdentifier(t.storage.buffer)
        if let i = inputByBuffer[id] { return "input \(i) of the program (shape \(t.shape))" }
        let node = t.node.flatMap { $0.isLeafNode ? nil : $0 } ?? nodeByBuffer[id]
        guard let node else { return nil }
        return "the result of \(node.storedOp.kind.rawValue) (shape \(node.shape))"
            + (node.location.map { " at \($0)" } ?? " (an operator; named methods such as adding(_:) give a location)")
    }
}

extension Tensor {
    /// `noteValueRead` when a tracer is installed (for inlinable accessors, which cannot
    /// read the thread-local pointer themselves).
    @usableFromInline
    @inline(never)
    func noteReadIfTracing(_ accessor: StaticString) {
        if bp_tracer() != nil { noteValueRead("\(accessor)") }
    }

    /// Reports reading the values of a traced tensor (through `accessor`) as a problem of
    /// the trace: the program would replay the values of the trace. Called by the value
    /// accessors only when a tracer is installed.
    @inline(never)
    func noteValueRead(_ accessor: String) {
        guard let tracer = GraphTracer<Scalar>.current, let origin = tracer.origin(of: self) else { return }
        tracer.noteRead(
            "reading `\(accessor)` of \(origin) while tracing: a program would replay the values of the trace at every run. Write the computation in tensor ops (a custom op's backward too), compute it outside the traced function, or pass the value in as an input")
    }
}

/// Reports a random number drawn while a program is traced: the program would replay the
/// numbers of the trace at every run.
@inline(never)
func noteRandomDrawWhileTracing() {
    AnyGraphTracer.installed?.noteFrozen(
        "random numbers drawn while tracing would be the same at every run of the program; draw them from a key input with Tensor.randomUniform(shape:key:stream:) (CompiledTrainingStep: the key in a LayerState, as Dropout does), or outside the traced function and pass them in as an input")
}

extension Tensor {
    /// `record` while a program is being traced: every node keeps its result (so that
    /// detached copies can be traced back to it), values computed from detached copies
    /// get bookkeeping nodes, and a constant computed from traced values inside
    /// `withoutGradients` is reported instead of silently frozen.
    static func recordedWhileTracing(
        _ storage: TensorStorage<Scalar>, _ shape: [Int], _ op: any TensorOperation<Scalar>, _ inputs: consuming NodeInputs<Scalar>,
        _ tracer: GraphTracer<Scalar>, file: StaticString, line: UInt
    ) -> Tensor<Scalar> {
        let hasNode = inputs.anyRequiresGradient
        if !hasNode {
            let traced = inputs.contains(where: { tracer.isTraced($0.storage) })
            if traced && isRecordingGradients {
                // A detached copy of a traced value combined with constants: no gradient
                // flows here, but the value depends on the inputs. A bookkeeping node,
                // known to the tracer by the result's buffer only, lets the program
                // recompute it; the result itself stays a constant.
                tracer.register(TensorNode(op: op, inputs: inputs, shape: shape, output: storage), storage)
            } else if traced {
                tracer.noteFrozen(
                    "\(op.kind) computed a constant from traced values inside withoutGradients; a program would replay the value of its first call")
            }
            return Tensor(storage: storage, shape: shape, node: nil)
        }
        guard isRecordingGradients else {
            // Inside `withoutGradients`, an input with a node is a traced value whose
            // result would be frozen. (Ops whose own forward computation runs on detached
            // copies, such as `where` and custom ops, pause tracing for it.)
            tracer.noteFrozen(
                "\(op.kind) computed a constant from traced values inside withoutGradients; a program would replay the value of its first call")
            return Tensor(storage: storage, shape: shape, node: nil)
        }
        let node = TensorNode(op: op, inputs: inputs, shape: shape, output: storage)
        node.location = callSite(file, line)  // where a value read while tracing came from
        tracer.register(node, storage)
        return Tensor(storage: storage, shape: shape, node: node)
    }
}

/// Runs `body` with tracing paused on this thread: for an op's own forward computation
/// on detached copies, which is then recorded as one node of the trace.
@inline(__always)
func withTracingPaused<R>(_ body: () throws -> R) rethrows -> R {
    guard let tracer = bp_tracer() else { return try body() }
    _ = bp_set_tracer(nil)
    defer { _ = bp_set_tracer(tracer) }
    return try body()
}
