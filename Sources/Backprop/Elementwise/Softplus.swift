// softplus, added as the docs' "Adding an op" example: this file (the rule and the
// spellings on `Value` and `Tensor`), its case in `ElementwiseFunction`, and one entry in
// `ElementwiseConformanceTests.table`.

/// `softplus`: log(1 + eˣ), a smooth relu, evaluated without overflow or cancellation.
///
/// ```
/// y = log(1 + eˣ) = max(x, 0) + log1p(e^−|x|)      ∂y/∂x = σ(x)
/// ```
@usableFromInline
enum SoftplusRule: ElementwiseRule {
    @usableFromInline static let name = "softplus"
    @usableFromInline static let symbol = "softplus"
    @usableFromInline static let usesOutput = false
    @inlinable @inline(__always)
    static func value<T: TensorScalar>(_ x: T, _ p0: T, _ p1: T) -> T {
        // log1p(u) = u·ln(1 + u)/((1 + u) − 1): accurate for small u without a log1p hook.
        let u = T._exp(-Swift.abs(x)), w = 1 + u
        let log1p = w == 1 ? u : T._log(w) * u / (w - 1)
        return (x > 0 ? x : (x <= 0 ? 0 : x)) + log1p
    }
    @inlinable @inline(__always)
    static func derivative<T: TensorScalar>(_ x: T, _ y: T, _ p0: T, _ p1: T) -> T {
        SigmoidRule.value(x, p0, p1)
    }
    @usableFromInline static func derivativeText(x: String, y: String, parameter: String) -> String { "σ(\(x))" }
    @usableFromInline static func recordedGradient<S: TensorScalar>(_ g: Tensor<S>, x: Tensor<S>, y: Tensor<S>, _ p0: S, _ p1: S) -> Tensor<S> {
        g * x.sigmoid()
    }
}

extension Value {
    /// The softplus log(1 + eˣ), a smooth relu (no overflow for large |x|).
    ///
    /// ```
    /// y = log(1 + eˣ)      ∂y/∂x = σ(x)
    /// ```
    @inlinable public consuming func softplus() -> Value { Value.elementwise(.softplus, self) }
}

extension Tensor {
    /// Elementwise softplus log(1 + eˣ), a smooth relu (no overflow for large |x|).
    ///
    /// ```
    /// y = log(1 + eˣ)      ∂y/∂x = σ(x)
    /// ```
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func softplus(file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        applying(.softplus, file: file, line: line)
    }
}
