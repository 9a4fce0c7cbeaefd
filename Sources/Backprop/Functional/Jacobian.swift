/// The Jacobian of a tensor function: every partial derivative of every output element
/// (like `jax.jacrev`).
///
/// ```
/// jacobian(f, at: x)[i…, j…] = ∂f(x)[i…] / ∂x[j…]      shape: f(x).shape + x.shape
/// ```
/// Reverse mode, one backward pass per output element. Nests (`hessian` is the
/// Jacobian of the gradient).
///
/// ```swift
/// let s = { (x: Tensor<Double>) in x.softmax() }
/// let J = jacobian(s, at: Tensor([1, 2, 3]))       // diag(s) − s·sᵀ, shape [3, 3]
/// ```
/// Precondition: not inside `withoutGradients`.
public func jacobian<Scalar>(
    _ f: (Tensor<Scalar>) -> Tensor<Scalar>, at x: Tensor<Scalar>,
    file: StaticString = #fileID, line: UInt = #line
) -> Tensor<Scalar> {
    let point = DifferentiationPoint(x, "jacobian", file: file, line: line)
    let y = f(point.input)
    let shape = y.shape + x.shape
    if y.count == 0 || x.count == 0 || !y.requiresGradient { return Tensor.zeros(shape: shape) }
    var basis = [Scalar](repeating: 0, count: y.count)
    var rows: [Tensor<Scalar>] = []
    rows.reserveCapacity(y.count)
    for i in 0..<y.count {
        basis[i] = 1
        let e = Tensor(shape: y.shape, scalars: basis)
        basis[i] = 0
        rows.append(point.pullback(y, e, "jacobian", file: file, line: line).reshaped(to: [x.count]))
    }
    return Tensor.stacked(rows, file: file, line: line).reshaped(to: shape, file: file, line: line)
}

/// The Hessian of a scalar-valued tensor function: the Jacobian of its gradient.
///
/// ```
/// hessian(f, at: x)[i…, j…] = ∂²f / ∂x[i…] ∂x[j…]      shape: x.shape + x.shape
/// ```
/// One backward pass for the gradient, recorded, then one per element of x.
///
/// ```swift
/// let A = Tensor<Double>([[1, 2], [3, 4]])
/// let H = hessian({ x in (x * A.matmul(x.reshaped(to: [2, 1])).reshaped(to: [2])).sum() },
///                 at: Tensor([1, -1]))             // A + Aᵀ
/// ```
/// Precondition: `f` returns one element; not inside `withoutGradients`.
public func hessian<Scalar>(
    _ f: @escaping (Tensor<Scalar>) -> Tensor<Scalar>, at x: Tensor<Scalar>,
    file: StaticString = #fileID, line: UInt = #line
) -> Tensor<Scalar> {
    jacobian(grad(f, file: file, line: line), at: x, file: file, line: line)
}

/// The Hessian–vector product of a scalar-valued tensor function, without forming the
/// Hessian (Pearlmutter's trick: the gradient of ⟨∇f, v⟩).
///
/// ```
/// hvp(f, at: x, v: v) = H·v = ∇ₓ ⟨∇f(x), v⟩,   H = ∇²f(x),   v of the shape of x
/// ```
/// Costs two backward passes, whatever the size of x.
///
/// ```swift
/// let Hv = hvp({ (x: Tensor<Double>) in (x * x * x).sum() }, at: Tensor([1, 2]),
///              v: Tensor([1, 1]))                  // 6x ⊙ v = [6, 12]
/// ```
/// Precondition: `f` returns one element; `v` has the shape of `x`; not inside
/// `withoutGradients`.
public func hvp<Scalar>(
    _ f: @escaping (Tensor<Scalar>) -> Tensor<Scalar>, at x: Tensor<Scalar>, v: Tensor<Scalar>,
    file: StaticString = #fileID, line: UInt = #line
) -> Tensor<Scalar> {
    if v.shape != x.shape {
        tensorError("hvp: v has shape \(v.shape), the input has shape \(x.shape)", file: file, line: line)
    }
    let (_, pullback) = vjp(grad(f, file: file, line: line), at: x, file: file, line: line)
    return pullback(v)
}
