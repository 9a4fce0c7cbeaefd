// broadcast: a tensor repeated along new leading axes and size-1 axes (the public
// method, `broadcasted(to:)`, is in Broadcasting.swift beside the broadcasting rules).

/// Broadcast to a larger shape (NumPy rule).
///
/// ```
/// y[i] = x[i mod broadcast]      x̄ = Σ over the broadcast axes of ḡ (unbroadcast)
/// ```
/// The program kernel fills (one element) or repeats the whole input block (new leading
/// axes); other broadcasts run `forward`.
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
        case .expanded, .strided: return nil
        }
    }
}
