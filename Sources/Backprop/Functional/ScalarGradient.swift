/// A function returning the value and the derivative of a function of one scalar
/// `Value` (the scalar engine's `jax.value_and_grad`).
///
/// ```
/// valueAndGrad(f)(x) = (f(x), f′(x))
/// ```
/// Each call builds a fresh graph from a new leaf and runs one backward pass. The
/// scalar engine has no recorded backward pass, so these do not nest; use tensors of
/// one element for higher derivatives.
///
/// ```swift
/// let (y, dy) = valueAndGrad { (x: Value) in x * x.sin() }(2)   // 2 sin 2, sin 2 + 2 cos 2
/// ```
/// Precondition: not inside `withoutGradients`.
public func valueAndGrad(
    _ f: @escaping (Value) -> Value, file: StaticString = #fileID, line: UInt = #line
) -> (Double) -> (value: Double, gradient: Double) {
    let many = valueAndGrad({ (x: [Value]) in f(x[0]) }, file: file, line: line)
    return { x in
        let (value, gradient) = many([x])
        return (value, gradient[0])
    }
}

/// A function returning the derivative of a function of one scalar `Value`.
///
/// ```
/// grad(f)(x) = f′(x)
/// ```
///
/// ```swift
/// let slope = grad { (x: Value) in x.tanh() }(0)         // 1 − tanh² 0 = 1
/// ```
/// Precondition: not inside `withoutGradients`.
public func grad(
    _ f: @escaping (Value) -> Value, file: StaticString = #fileID, line: UInt = #line
) -> (Double) -> Double {
    let both = valueAndGrad(f, file: file, line: line)
    return { both($0).gradient }
}

/// A function returning the value and the gradient of a function of several scalar
/// `Value`s.
///
/// ```
/// valueAndGrad(f)(x) = (f(x), [∂f/∂x₀, …, ∂f/∂xₙ₋₁])
/// ```
///
/// ```swift
/// let (y, g) = valueAndGrad { (v: [Value]) in v[0] * v[1] + v[1] }([2, 3])   // 9, [3, 3]
/// ```
/// Precondition: not inside `withoutGradients`.
public func valueAndGrad(
    _ f: @escaping ([Value]) -> Value, file: StaticString = #fileID, line: UInt = #line
) -> ([Double]) -> (value: Double, gradient: [Double]) {
    { x in
        if !isRecordingGradients {
            tensorError("valueAndGrad: called inside withoutGradients, where no graph is recorded to differentiate",
                        file: file, line: line)
        }
        let leaves = x.map { Value($0) }
        let y = f(leaves)
        y.backward()
        return (y.value, leaves.map(\.grad))
    }
}

/// A function returning the gradient of a function of several scalar `Value`s.
///
/// ```
/// grad(f)(x) = [∂f/∂x₀, …, ∂f/∂xₙ₋₁]
/// ```
///
/// ```swift
/// let g = grad { (v: [Value]) in (v[0] * v[1]).exp() }([0, 1])   // [e⁰·1, e⁰·0] = [1, 0]
/// ```
/// Precondition: not inside `withoutGradients`.
public func grad(
    _ f: @escaping ([Value]) -> Value, file: StaticString = #fileID, line: UInt = #line
) -> ([Double]) -> [Double] {
    let both = valueAndGrad(f, file: file, line: line)
    return { both($0).gradient }
}
