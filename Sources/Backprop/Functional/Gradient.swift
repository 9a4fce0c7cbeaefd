/// A function returning the value and the gradient of a scalar-valued tensor function
/// (like `jax.value_and_grad`).
///
/// ```
/// valueAndGrad(f)(x) = (f(x), ∇f(x)),   ∇f(x)[i] = ∂f/∂x[i]   (shape of x)
/// ```
/// Works eagerly, and nests: when `x` already requires gradients (inside another
/// transformation such as `hessian`, or under `gradients(…, createGraph: true)`) the
/// gradient is recorded and can be differentiated again. A function that does not
/// depend on `x` has a zero gradient.
///
/// ```swift
/// let f = { (x: Tensor<Double>) in (x * x).sum() }
/// let (value, gradient) = valueAndGrad(f)(Tensor([1, 2, 3]))   // 14, [2, 4, 6]
/// ```
/// Precondition (checked at each call, reported at the line that called
/// `valueAndGrad`): `f` returns one element; not inside `withoutGradients`.
public func valueAndGrad<Scalar>(
    _ f: @escaping (Tensor<Scalar>) -> Tensor<Scalar>, file: StaticString = #fileID, line: UInt = #line
) -> (Tensor<Scalar>) -> (value: Tensor<Scalar>, gradient: Tensor<Scalar>) {
    { x in
        let point = DifferentiationPoint(x, "valueAndGrad", file: file, line: line)
        let y = f(point.input)
        requireScalarOutput(y, "valueAndGrad", file: file, line: line)
        let g = point.pullback(y, Tensor.ones(shape: y.shape), "valueAndGrad", file: file, line: line)
        return (y, g)
    }
}

/// A function returning the gradient of a scalar-valued tensor function (like `jax.grad`).
///
/// ```
/// grad(f)(x) = ∇f(x),   ∇f(x)[i] = ∂f/∂x[i]   (shape of x)
/// ```
/// Nests like `valueAndGrad`: `grad(grad(f))` is the second derivative of a function of
/// one element.
///
/// ```swift
/// let df = grad { (x: Tensor<Double>) in x.sin().sum() }
/// print(df(Tensor([0, 1])))        // cos x: Tensor<Double>([2]) [1.0, 0.54030231]
/// ```
/// Precondition: `f` returns one element; not inside `withoutGradients`.
public func grad<Scalar>(
    _ f: @escaping (Tensor<Scalar>) -> Tensor<Scalar>, file: StaticString = #fileID, line: UInt = #line
) -> (Tensor<Scalar>) -> Tensor<Scalar> {
    let both = valueAndGrad(f, file: file, line: line)
    return { both($0).gradient }
}

/// The value of a scalar-valued function of several tensors and its gradient with
/// respect to each of them, in one backward pass.
///
/// ```
/// valueAndGrad(of: f, at: [x₀, …, xₙ₋₁]) = (f(x), [∂f/∂x₀, …, ∂f/∂xₙ₋₁])
/// ```
/// Nests like `valueAndGrad(_:)`: inputs that already require gradients get recorded
/// gradients.
///
/// ```swift
/// let (loss, g) = valueAndGrad(of: { p in (p[0].matmul(p[1]) - 1).tanh().sum() },
///                              at: [Tensor<Double>([[1, 2]]), Tensor([[0.5], [-1]])])
/// // g[0]: shape [1, 2], g[1]: shape [2, 1]
/// ```
/// Precondition: `f` returns one element; not inside `withoutGradients`.
public func valueAndGrad<Scalar>(
    of f: ([Tensor<Scalar>]) -> Tensor<Scalar>, at xs: [Tensor<Scalar>],
    file: StaticString = #fileID, line: UInt = #line
) -> (value: Tensor<Scalar>, gradients: [Tensor<Scalar>]) {
    let points = xs.map { DifferentiationPoint($0, "valueAndGrad", file: file, line: line) }
    let inputs = points.map(\.input)
    let y = f(inputs)
    requireScalarOutput(y, "valueAndGrad", file: file, line: line)
    guard y.requiresGradient else { return (y, xs.map { Tensor.zeros(shape: $0.shape) }) }
    let createGraph = points.contains { $0.createGraph }
    return (y, gradients(of: y, withRespectTo: inputs, createGraph: createGraph, file: file, line: line))
}
