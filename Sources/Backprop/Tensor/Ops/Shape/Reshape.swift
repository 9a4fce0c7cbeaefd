// reshape: the same elements viewed with a new shape (the public method, `reshaped(to:)`,
// is in Tensor+Shape.swift). Also the identity view ops record (`unchangedView`).

/// Same elements, new shape (row-major order kept).
///
/// ```
/// y = x viewed as `shape`      x̄ = reshape(ḡ, x.shape)
/// ```
/// A compiled program runs no kernel for it: the result shares its input's slot
/// (`TensorProgramBuilder.emit`).
struct Reshape<Scalar: TensorScalar>: TensorOperation {
    /// The result's shape.
    let shape: [Int]

    var kind: TensorOpKind { .reshape }
    var keyParameters: [Int]? { shape }

    func forward(_ x: [Tensor<Scalar>]) -> Tensor<Scalar> { x[0].reshaped(to: shape) }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func inputGradients(
        inputs x: NodeInputView<Scalar>, output y: Tensor<Scalar>, upstream g: Tensor<Scalar>
    ) -> NodeGradients<Scalar> {
        NodeGradients(g.reshaped(to: x[0].shape))
    }
}
