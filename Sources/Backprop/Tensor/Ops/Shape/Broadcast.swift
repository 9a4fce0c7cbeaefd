// broadcast: a tensor repeated along new leading axes and size-1 axes (the public
// method, `broadcasted(to:)`, is in Broadcasting.swift beside the broadcasting rules).

/// Broadcast to a larger shape (NumPy rule).
///
/// ```
/// y[i] = x[i mod broadcast]      x̄ = Σ over the broadcast axes of ḡ (unbroadcast)
/// ```
/// The program kernel fills (one element), repeats the whole input block (new leading
/// axes), or otherwise runs the slice kernel at offset 0 with the input read through its
/// broadcast strides (0 along every repeated axis).
struct Broadcast<Scalar: TensorScalar>: TensorOperation {
    /// The result's shape.
    let shape: [Int]

    var kind: TensorOpKind { .broadcast }
    var keyParameters: [Int]? { shape }

    func forward(_ x: [Tensor<Scalar>]) -> Tensor<Scalar> { x[0].broadcasted(to: shape) }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func inputGradients(
        inputs x: NodeInputView<Scalar>, output y: Tensor<Scalar>, upstream g: Tensor<Scalar>
    ) -> NodeGradients<Scalar> {
        NodeGradients(unbroadcast(g, to: x[0].shape))
    }

    func kernel(inputs x: [[Int]], shape: [Int]) -> TensorProgram<Scalar>.Kernel? {
        switch BroadcastPlan(x[0], shape, result: shape) {
        case .scalar: return .fill
        case .elementwise, .repeatedBlock: return x[0].reduce(1, *) > 0 ? .repeatBlock : nil
        case .expanded, .strided: return x[0].reduce(1, *) > 0 ? .slice(offset: 0) : nil
        }
    }

    /// For the slice kernel: the result's axes, the input read through its broadcast
    /// strides (`y[j] = x[Σₖ jₖ·sₖ]`, sₖ = 0 where the input's extent is 1 or the axis is new).
    func kernelLoop(inputs x: [[Int]], shape: [Int]) -> OperandLoop? {
        OperandLoop(shape: shape, broadcastStrides(x[0], to: shape), contiguousStrides(shape))
    }
}
