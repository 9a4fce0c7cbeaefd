/// One tensor op, defined in one place: its name, its parameters as a key for finding
/// repeated computations, its forward computation, its reverse-mode rule (written in
/// differentiable `Tensor` ops, so that a backward pass recorded with `createGraph: true`
/// can be differentiated again), whether the rule reads the output, and the compiled
/// program's kernel for it, if it has one.
///
/// ```
/// y = forward(x₁, …, xₙ)      inputGradients: ḡ ↦ (ḡ·∂y/∂x₁, …, ḡ·∂y/∂xₙ)
/// ```
///
/// A graph node holds its op as `any TensorOperation<Scalar>` (`TensorNode.storedOp`):
/// the backward pass, the program builder, the listing and the tracer all ask the op
/// itself. Op types are small structs (no parameters, or a few words of them), so the
/// existential keeps them inline: recording one allocates nothing beyond the node, and
/// the calls go through the conformance's witness table. Adding an op is one file with a
/// type conforming to this protocol and the public method that records it (see
/// Docs/Tensors.md, "Adding an op").
protocol TensorOperation<Scalar> {
    /// The element type.
    associatedtype Scalar: TensorScalar

    /// The op's kind (its name in anomaly reports and messages).
    var kind: TensorOpKind { get }

    /// The op's name in a program listing, with the parameters that change its meaning.
    /// Default: the kind's name.
    var listingName: String { get }

    /// The op's parameters as integers: two ops of the same kind with equal parameters
    /// compute the same function of their inputs (for common-subexpression elimination
    /// in compiled programs). Nil for an op that must never be merged. Default: `[]`.
    var keyParameters: [Int]? { get }

    /// Whether `inputGradients` reads the op's output (the node then keeps it).
    /// Default: false.
    var savesOutput: Bool { get }

    /// The result for constant inputs (no graph is recorded here): called by `apply`
    /// eagerly and by a compiled program that has no kernel of its own for the op.
    func forward(_ inputs: [Tensor<Scalar>]) -> Tensor<Scalar>

    /// The vector–Jacobian products, in differentiable tensor ops: the gradient of each
    /// input given the gradient `upstream` of `output` (nil for inputs that do not
    /// require gradients and for zero derivatives).
    func inputGradients(
        inputs x: NodeInputView<Scalar>, output y: Tensor<Scalar>, upstream g: Tensor<Scalar>
    ) -> NodeGradients<Scalar>

    /// The compiled program's kernel for the op on these input shapes, or nil: the
    /// program then runs `forward`. Default: nil.
    func kernel(inputs: [[Int]], shape: [Int]) -> TensorProgram<Scalar>.Kernel?

    /// For a kernel over operands read through strides: its loop nest on these input
    /// shapes, planned once when the program is compiled. Default: nil.
    func kernelLoop(inputs: [[Int]], shape: [Int]) -> OperandLoop?
}

extension TensorOperation {
    var listingName: String { kind.rawValue }
    var keyParameters: [Int]? { [] }
    var savesOutput: Bool { false }
    func kernel(inputs: [[Int]], shape: [Int]) -> TensorProgram<Scalar>.Kernel? { nil }
    func kernelLoop(inputs: [[Int]], shape: [Int]) -> OperandLoop? { nil }

    /// The op with its parameters as a hashable value, for finding repeated
    /// computations; nil when `keyParameters` is.
    ///
    /// ```
    /// a.key == b.key  ⇒  a(x₁, …, xₙ) = b(x₁, …, xₙ)
    /// ```
    var key: TensorOperationKey? { keyParameters.map { TensorOperationKey(kind: kind, parameters: $0) } }

    /// Runs the op on `inputs` and records one graph node for it when gradients are
    /// recorded and some input requires them. `file`/`line` name the user's call site.
    ///
    /// ```
    /// y = forward(x₁, …, xₙ),   node(y) = (self, [x₁, …, xₙ])
    /// ```
    func apply(_ inputs: [Tensor<Scalar>], file: StaticString, line: UInt) -> Tensor<Scalar> {
        var y = withTracingPaused { withoutGradients { forward(inputs.map { $0.detached() }) } }
        if inputs.contains(where: { $0.count > 0 && $0.storage.buffer === y.storage.buffer }) {
            // The result must own its buffer (the tracer finds nodes by their result's buffer).
            y = Tensor(storage: TensorStorage(y.storage.array), shape: y.shape, node: nil)
        }
        return Tensor.record(y.storage, y.shape, self, NodeInputs(inputs), file: file, line: line)
    }
}

/// An op's kind and parameters (each kind lays its parameters out in one fixed way):
/// equal keys compute the same function of their inputs.
///
/// ```
/// key = (kind, keyParameters)
/// ```
struct TensorOperationKey: Hashable {
    let kind: TensorOpKind
    let parameters: [Int]
}

/// A scalar's bit pattern as an `Int`, for `TensorOperation.keyParameters` (so that 0
/// and −0, whose products differ in sign, stay apart).
///
/// ```
/// keyBits(x) = sign·2⁶³ | exponent·2⁵² | significand
/// ```
func keyBits<Scalar: TensorScalar>(_ x: Scalar) -> Int {
    Int(bitPattern: UInt(x.sign == .minus ? 1 : 0) << 63 | UInt(x.exponentBitPattern) << 52 | UInt(x.significandBitPattern))
}
