/// A user-defined differentiable op with its own forward computation and derivative
/// (like PyTorch's `autograd.Function` or JAX's `custom_vjp`). Call it like a function:
/// `MyOp()(x, y)`. The result is recorded as one graph node whose rule is `backward`.
///
/// ```
/// y = forward(x₁, …, xₙ)      backward(x, y, ḡ) = [ḡ·∂y/∂x₁, …, ḡ·∂y/∂xₙ]
/// ```
/// Write `backward` with `Tensor` ops to support higher-order gradients; return nil
/// for an input with no gradient. Each returned gradient must have its input's shape.
/// `checkTensorGradients(of:at:)` verifies both methods in one call.
public protocol TensorFunction<Scalar> {
    /// The element type.
    associatedtype Scalar: TensorScalar

    /// Computes the result (run without recording; the inputs are constants here).
    ///
    /// ```
    /// y = f(x₁, …, xₙ)
    /// ```
    func forward(_ inputs: [Tensor<Scalar>]) -> Tensor<Scalar>

    /// The vector–Jacobian product for each input.
    ///
    /// ```
    /// x̄ᵢ = Σⱼ ḡⱼ ∂yⱼ/∂xᵢ
    /// ```
    func backward(inputs: [Tensor<Scalar>], output: Tensor<Scalar>, upstream: Tensor<Scalar>) -> [Tensor<Scalar>?]
}

extension TensorFunction {
    /// Applies the op, recording a graph node when gradients are recorded.
    ///
    /// ```
    /// y = forward(inputs)
    /// ```
    public func callAsFunction(_ inputs: [Tensor<Scalar>]) -> Tensor<Scalar> {
        let out = withTracingPaused { withoutGradients { forward(inputs.map { $0.detached() }) } }
        return Tensor.result(out.storage, out.shape, .custom(self), inputs)
    }

    /// Applies the op to the given inputs.
    ///
    /// ```
    /// y = forward([x₁, …, xₙ])
    /// ```
    public func callAsFunction(_ inputs: Tensor<Scalar>...) -> Tensor<Scalar> { callAsFunction(inputs) }
}
