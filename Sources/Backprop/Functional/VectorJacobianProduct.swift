/// The value of a tensor function and its pullback, which maps a cotangent of the
/// output to the vector–Jacobian product (like `jax.vjp`).
///
/// ```
/// vjp(f, at: x) = (f(x), u ↦ uᵀ·J),   J = ∂f/∂x at x,   u of the shape of f(x)
/// ```
/// The pullback can be called any number of times; it holds the graph of `f(x)` while
/// it lives. Reverse mode: one backward pass per call, whatever the size of x.
///
/// ```swift
/// let (y, pullback) = vjp({ (x: Tensor<Double>) in x * x }, at: Tensor([1, 2]))
/// print(y, pullback(Tensor([1, 1])))   // [1, 4], 2x = [2, 4]
/// ```
/// Precondition: not inside `withoutGradients`; the cotangent has the shape of `f(x)`.
public func vjp<Scalar>(
    _ f: (Tensor<Scalar>) -> Tensor<Scalar>, at x: Tensor<Scalar>,
    file: StaticString = #fileID, line: UInt = #line
) -> (value: Tensor<Scalar>, pullback: (Tensor<Scalar>) -> Tensor<Scalar>) {
    let point = DifferentiationPoint(x, "vjp", file: file, line: line)
    let y = f(point.input)
    return (y, { u in point.pullback(y, u, "vjp", file: file, line: line) })
}

/// The value of a tensor function and its Jacobian–vector product: the directional
/// derivative along `tangent` (forward mode, like `jax.jvp`).
///
/// ```
/// jvp(f, at: x, tangent: v) = (f(x), J·v),   J = ∂f/∂x at x,   v of the shape of x
/// ```
/// Computed by the double-vjp trick: the pullback u ↦ uᵀJ is linear in u, recorded with
/// `createGraph`, and its own pullback at v is J·v. Costs two backward passes.
///
/// ```swift
/// let x = Tensor<Double>([0.5, -1])
/// let (y, dy) = jvp({ $0.tanh() }, at: x, tangent: Tensor([1, 2]))   // (1 − tanh²x)·v
/// ```
/// Precondition: not inside `withoutGradients`; `tangent` has the shape of `x`.
public func jvp<Scalar>(
    _ f: (Tensor<Scalar>) -> Tensor<Scalar>, at x: Tensor<Scalar>, tangent v: Tensor<Scalar>,
    file: StaticString = #fileID, line: UInt = #line
) -> (value: Tensor<Scalar>, tangent: Tensor<Scalar>) {
    if v.shape != x.shape {
        tensorError("jvp: tangent has shape \(v.shape), the input has shape \(x.shape)", file: file, line: line)
    }
    let point = DifferentiationPoint(x, "jvp", file: file, line: line)
    let y = f(point.input)
    guard y.requiresGradient else { return (y, Tensor.zeros(shape: y.shape)) }
    // uᵀJ, recorded as a function of the dummy cotangent u (its value does not matter).
    let u = Tensor<Scalar>.zeros(shape: y.shape, requiresGradient: true)
    let pulled = gradients(of: y, withRespectTo: [point.input], upstream: u, createGraph: true,
                           file: file, line: line)[0]
    guard pulled.requiresGradient else { return (y, Tensor.zeros(shape: y.shape)) }
    let tangent = gradients(of: pulled, withRespectTo: [u], upstream: v, createGraph: point.createGraph,
                            file: file, line: line)[0]
    return (y, tangent)
}
