import CBackpropKernels

/// An n-dimensional array of `Float` or `Double` that records the ops applied to it
/// so that gradients can be computed by reverse-mode automatic differentiation.
///
/// Storage is contiguous and row-major; the data has value semantics (copy-on-write
/// arrays), so copying a tensor and mutating the copy never changes the original or
/// any value saved in a graph. The graph identity (the node) is shared by copies:
/// a copy of a parameter is the same parameter and sees the same `gradient`.
///
/// ```
/// y = f(x)         forward, recorded when x requires gradients
/// y.backward()     ∂y/∂x accumulated into x.gradient
/// ```
///
/// Errors (shape mismatches, bad axes, backward on a non-scalar) stop the program
/// with `fatalError` and a message naming the op, the shapes and the caller's file
/// and line; see `Docs/Tensors.md`.
public struct Tensor<Scalar: TensorScalar> {
    /// The extent of each axis; `[]` for a scalar tensor.
    ///
    /// ```
    /// count = shape.reduce(1, *)
    /// ```
    public private(set) var shape: [Int]

    @usableFromInline var storage: TensorStorage<Scalar>

    /// The graph node: nil for constants, a leaf node for parameters, an op node for results.
    @usableFromInline var node: TensorNode<Scalar>?

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    init(storage: TensorStorage<Scalar>, shape: [Int], node: TensorNode<Scalar>?) {
        self.storage = storage
        self.shape = shape
        self.node = node
    }

    /// A tensor holding a copy of `elements`.
    init(storage elements: [Scalar], shape: [Int], node: TensorNode<Scalar>?) {
        self.init(storage: TensorStorage(elements), shape: shape, node: node)
    }

    /// The elements in row-major order; the count must not change when they are set.
    ///
    /// Setting them on a constant or a parameter replaces the values in place and keeps
    /// the graph identity (how an optimiser updates a parameter). On the result of a
    /// recorded op the write is recorded too, so gradients stay right: the new values are
    /// constants, and nothing flows back through the values they replaced.
    ///
    /// ```
    /// scalars[i] = x[i₀, …, iₙ₋₁],  i = Σ iₖ·strideₖ
    /// y.scalars = v   on a recorded y:   y ← where(1, v, y),   ∂y/∂(old y) = 0
    /// ```
    public var scalars: [Scalar] {
        get {
            if bp_tracer() != nil { noteValueRead("scalars") }
            return storage.array
        }
        set {
            if newValue.count != storage.count {
                tensorError("scalars: \(newValue.count) values for a tensor of shape \(shape)",
                            file: #fileID, line: #line)
            }
            if let node, !node.isLeafNode {
                self = overwritten(with: TensorStorage(newValue), mask: TensorStorage(repeating: 1, count: storage.count))
                return
            }
            storage = TensorStorage(newValue)
        }
    }

    /// The number of axes.
    ///
    /// ```
    /// rank = shape.count
    /// ```
    public var rank: Int { shape.count }

    /// The number of elements.
    ///
    /// ```
    /// count = Π shape
    /// ```
    public var count: Int { storage.count }

    /// The only element of a one-element tensor (any shape with count 1).
    ///
    /// ```
    /// x.scalar = x.scalars[0]   precondition: x.count == 1
    /// ```
    public var scalar: Scalar {
        if storage.count != 1 { tensorError("scalar: tensor of shape \(shape) has \(storage.count) elements, not 1") }
        if bp_tracer() != nil { noteValueRead("scalar") }
        return storage[0]
    }

    /// The element at a multi-index (one index per axis).
    ///
    /// Writing an element of a constant or a parameter changes it in place. Writing an
    /// element of the result of a recorded op is recorded (as PyTorch records an
    /// in-place write), so the written element no longer passes gradients back:
    ///
    /// ```
    /// x[i₀, …, iₙ₋₁] = scalars[Σ iₖ·strideₖ]   precondition: 0 ≤ iₖ < shape[k]
    /// y[i] = v   on a recorded y:   y ← where(eᵢ, v, y),   ∂y/∂(old y) = 1 − eᵢ
    /// ```
    public subscript(indices: Int...) -> Scalar {
        get {
            if bp_tracer() != nil { noteValueRead("subscript") }
            return storage[flatIndex(indices)]
        }
        set {
            let flat = flatIndex(indices)
            if let node, !node.isLeafNode {
                var values = storage
                values[flat] = newValue
                var mask = TensorStorage<Scalar>(repeating: 0, count: storage.count)
                mask[flat] = 1
                self = overwritten(with: values, mask: mask)
                return
            }
            storage[flat] = newValue
        }
    }

    /// This recorded result with the elements where `mask` is 1 replaced by `values`
    /// (constants), recorded as a `where` so that the replaced elements pass no gradient
    /// back.
    ///
    /// ```
    /// y = where(mask, values, self)
    /// ```
    func overwritten(with values: TensorStorage<Scalar>, mask: TensorStorage<Scalar>) -> Tensor<Scalar> {
        Tensor.where(Tensor(storage: mask, shape: shape, node: nil), Tensor(storage: values, shape: shape, node: nil), self)
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func flatIndex(_ indices: [Int]) -> Int {
        if indices.count != shape.count {
            tensorError("subscript: \(indices.count) indices for a tensor of shape \(shape)")
        }
        var flat = 0
        for (k, i) in indices.enumerated() {
            if i < 0 || i >= shape[k] { tensorError("subscript: index \(indices) out of range for shape \(shape)") }
            flat = flat * shape[k] + i
        }
        return flat
    }

    /// Whether gradients flow to or through this tensor (a parameter, or a result
    /// computed from one while recording).
    ///
    /// ```
    /// requiresGradient(f(x)) = recording ∧ ∃ input requiring gradients
    /// ```
    public var requiresGradient: Bool { node != nil }

    /// Whether this tensor is a leaf of the graph: a constant or a parameter (not an op result).
    ///
    /// ```
    /// isLeaf = no recorded op produced this tensor
    /// ```
    public var isLeaf: Bool { node?.op == nil }

    /// The gradient accumulated into this parameter by `backward`, or nil before any
    /// backward pass reached it (and for constants and op results).
    ///
    /// ```
    /// gradient += ∂L/∂self  at every backward()
    /// ```
    @inlinable public var gradient: Tensor<Scalar>? { node?.gradient }

    /// Clears the accumulated gradient of this parameter (a no-op for constants).
    ///
    /// ```
    /// gradient ← nil   (reads as zero: the next backward starts from 0)
    /// ```
    @inlinable public func zeroGradients() { node?.gradient = nil }

    /// Adds a gradient computed elsewhere (by a `TensorProgram`, say) to this parameter's
    /// accumulated gradient, exactly as a backward pass would.
    ///
    /// ```
    /// gradient ← gradient + g      (g when there is none yet)
    /// ```
    /// Precondition: this tensor is a parameter (a leaf that requires gradients), and
    /// `g` has its shape.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func accumulateGradient(_ g: Tensor<Scalar>, file: StaticString = #fileID, line: UInt = #line) {
        guard let node, node.isLeafNode else {
            tensorError("accumulateGradient: the tensor is not a parameter (a leaf that requires gradients)", file: file, line: line)
        }
        if g.shape != shape {
            tensorError("accumulateGradient: gradient has shape \(g.shape), the parameter has shape \(shape)", file: file, line: line)
        }
        let constant = g.detached()
        node.gradient = node.gradient.map { $0 + constant } ?? constant
    }

    /// The same values as a constant: no graph node, gradients do not flow through it.
    ///
    /// ```
    /// detached(x) = x,   ∂detached(x)/∂x = 0
    /// ```
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func detached() -> Tensor<Scalar> { Tensor(storage: storage, shape: shape, node: nil) }

    /// The same values as a fresh parameter (a leaf that accumulates gradients).
    ///
    /// ```
    /// p = x,  p.gradient accumulates ∂L/∂p
    /// ```
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func requiringGradient() -> Tensor<Scalar> {
        Tensor(storage: storage, shape: shape, node: TensorNode(leafShape: shape))
    }

    /// Creates a result tensor, recording a graph node when gradients are being
    /// recorded and some input requires them. `file`/`line` are the user's call site
    /// (for anomaly reports); ops that cannot know it leave the defaults.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    @inline(__always)
    static func result(
        _ storage: TensorStorage<Scalar>, _ shape: [Int], _ op: @autoclosure () -> any TensorOperation<Scalar>, _ inputs: [Tensor<Scalar>],
        file: StaticString = #fileID, line: UInt = #line
    ) -> Tensor<Scalar> {
        record(storage, shape, op(), NodeInputs(inputs), file: file, line: line)
    }

    /// `result` with the inputs already gathered: records the node when needed.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    @inline(__always)
    static func record(
        _ storage: TensorStorage<Scalar>, _ shape: [Int], _ op: @autoclosure () -> any TensorOperation<Scalar>, _ inputs: consuming NodeInputs<Scalar>,
        file: StaticString, line: UInt
    ) -> Tensor<Scalar> {
        if isInRecordingMode {
            // Tracing and anomaly detection: out of line, so the eager path stays small.
            return recordedInMode(storage, shape, op(), inputs, file: file, line: line)
        }
        guard isRecordingGradients, inputs.anyRequiresGradient else {
            return Tensor(storage: storage, shape: shape, node: nil)
        }
        let op = op()
        let node = TensorNode(op: op, inputs: inputs, shape: shape, output: op.savesOutput ? storage : nil)
        return Tensor(storage: storage, shape: shape, node: node)
    }

    /// `record` while a program is traced or anomaly detection is on.
    @inline(never)
    static func recordedInMode(
        _ storage: TensorStorage<Scalar>, _ shape: [Int], _ op: any TensorOperation<Scalar>, _ inputs: consuming NodeInputs<Scalar>,
        file: StaticString, line: UInt
    ) -> Tensor<Scalar> {
        if let tracer = GraphTracer<Scalar>.current {
            return recordedWhileTracing(storage, shape, op, inputs, tracer, file: file, line: line)
        }
        if let recorder = AnomalyRecorder.current {
            return recordedWithAnomalyCheck(storage, shape, op, inputs, recorder, file: file, line: line)
        }
        // A tracer of the other element type.
        guard isRecordingGradients, inputs.anyRequiresGradient else {
            return Tensor(storage: storage, shape: shape, node: nil)
        }
        let node = TensorNode(op: op, inputs: inputs, shape: shape, output: op.savesOutput ? storage : nil)
        return Tensor(storage: storage, shape: shape, node: node)
    }

    /// `result` with anomaly detection on: checks the values and remembers the call site.
    static func recordedWithAnomalyCheck(
        _ storage: TensorStorage<Scalar>, _ shape: [Int], _ op: any TensorOperation<Scalar>, _ inputs: consuming NodeInputs<Scalar>,
        _ recorder: AnomalyRecorder, file: StaticString, line: UInt
    ) -> Tensor<Scalar> {
        let location = callSite(file, line)
        recorder.checkForward(storage, op: op.kind, inputs: inputs.map(\.shape), location: location)
        guard isRecordingGradients, inputs.anyRequiresGradient else {
            return Tensor(storage: storage, shape: shape, node: nil)
        }
        let node = TensorNode(op: op, inputs: inputs, shape: shape, output: op.savesOutput ? storage : nil)
        node.location = location
        return Tensor(storage: storage, shape: shape, node: node)
    }

    /// `result` for a unary op, without building an input array for constants.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    @inline(__always)
    static func result(
        _ storage: TensorStorage<Scalar>, _ shape: [Int], _ op: @autoclosure () -> any TensorOperation<Scalar>, _ a: Tensor<Scalar>,
        file: StaticString = #fileID, line: UInt = #line
    ) -> Tensor<Scalar> {
        if isInRecordingMode {
            return record(storage, shape, op(), NodeInputs(a), file: file, line: line)
        }
        guard a.node != nil && isRecordingGradients else { return Tensor(storage: storage, shape: shape, node: nil) }
        let op = op()
        return Tensor(storage: storage, shape: shape,
                      node: TensorNode(op: op, a, shape: shape, output: op.savesOutput ? storage : nil))
    }

    /// `result` for a binary op, without building an input array for constants.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    @inline(__always)
    static func result(
        _ storage: TensorStorage<Scalar>, _ shape: [Int], _ op: @autoclosure () -> any TensorOperation<Scalar>,
        _ a: Tensor<Scalar>, _ b: Tensor<Scalar>, file: StaticString = #fileID, line: UInt = #line
    ) -> Tensor<Scalar> {
        if isInRecordingMode {
            return record(storage, shape, op(), NodeInputs(a, b), file: file, line: line)
        }
        guard (a.node != nil || b.node != nil) && isRecordingGradients else {
            return Tensor(storage: storage, shape: shape, node: nil)
        }
        let op = op()
        return Tensor(storage: storage, shape: shape,
                      node: TensorNode(op: op, a, b, shape: shape, output: op.savesOutput ? storage : nil))
    }
}

extension Tensor: CustomStringConvertible {
    /// The element type, the shape and the values, laid out as NumPy prints an array:
    /// aligned columns, at most 8 fractional digits, and tensors of more than 1000
    /// elements summarised to 3 entries at each end of every axis (`formatted(threshold:
    /// .max)` prints them all; see `formatted` for the rules).
    ///
    /// ```
    /// Tensor<Double>([2, 2]) [[1.0, 2.0],
    ///                         [3.0, 4.0]]
    /// ```
    public var description: String {
        if bp_tracer() != nil { noteValueRead("description") }
        return TensorLayout(shape: shape, values: storage.array, summarizing: count > 1000,
                            edgeItems: 3, precision: 8, lineWidth: 75).text
    }
}

/// Stops the program with a message naming the problem and the caller's location.
///
/// Tensor shape errors are programming errors (like an array index out of range), so
/// they trap; `fatalError` is used rather than `precondition` because it prints the
/// message in every build configuration (`-O` and `-Ounchecked` included).
@usableFromInline
func tensorError(_ message: String, file: StaticString = #fileID, line: UInt = #line) -> Never {
    fatalError(message, file: file, line: line)
}
