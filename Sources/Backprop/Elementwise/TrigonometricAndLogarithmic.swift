// tan, atan, log1p, expm1: rules of the elementwise table (each: value, derivative, its
// text, and the derivative in tensor ops for higher-order gradients), and their spellings
// on `Value` and `Tensor`.

/// `tan`: the tangent.
///
/// ```
/// y = tan x      ∂y/∂x = 1 + y² = 1/cos² x
/// ```
@usableFromInline
enum TanRule: ElementwiseRule {
    @usableFromInline static let name = "tan"
    @usableFromInline static let symbol = "tan"
    @usableFromInline static let usesOutput = true
    @inlinable @inline(__always)
    static func value<T: TensorScalar>(_ x: T, _ p0: T, _ p1: T) -> T { T._tan(x) }
    @inlinable @inline(__always)
    static func derivative<T: TensorScalar>(_ x: T, _ y: T, _ p0: T, _ p1: T) -> T { 1 + y * y }
    @usableFromInline static func derivativeText(x: String, y: String, parameter: String) -> String { "1 + \(y)²" }
    @usableFromInline static func recordedGradient<S: TensorScalar>(_ g: Tensor<S>, x: Tensor<S>, y: Tensor<S>, _ p0: S, _ p1: S) -> Tensor<S> {
        g * (y * y + 1)
    }
}

/// `atan`: the arc tangent.
///
/// ```
/// y = atan x      ∂y/∂x = 1/(1 + x²)
/// ```
@usableFromInline
enum AtanRule: ElementwiseRule {
    @usableFromInline static let name = "atan"
    @usableFromInline static let symbol = "atan"
    @usableFromInline static let usesOutput = false
    @inlinable @inline(__always)
    static func value<T: TensorScalar>(_ x: T, _ p0: T, _ p1: T) -> T { T._atan(x) }
    @inlinable @inline(__always)
    static func derivative<T: TensorScalar>(_ x: T, _ y: T, _ p0: T, _ p1: T) -> T { 1 / (1 + x * x) }
    @usableFromInline static func derivativeText(x: String, y: String, parameter: String) -> String { "1/(1 + \(x)²)" }
    @usableFromInline static func recordedGradient<S: TensorScalar>(_ g: Tensor<S>, x: Tensor<S>, y: Tensor<S>, _ p0: S, _ p1: S) -> Tensor<S> {
        g / (x * x + 1)
    }
}

/// `log1p`: log(1 + x), accurate for small x (no cancellation in 1 + x).
///
/// ```
/// y = log(1 + x)      ∂y/∂x = 1/(1 + x)      (x > −1)
/// ```
@usableFromInline
enum Log1pRule: ElementwiseRule {
    @usableFromInline static let name = "log1p"
    @usableFromInline static let symbol = "log1p"
    @usableFromInline static let usesOutput = false
    @inlinable @inline(__always)
    static func value<T: TensorScalar>(_ x: T, _ p0: T, _ p1: T) -> T { T._log1p(x) }
    @inlinable @inline(__always)
    static func derivative<T: TensorScalar>(_ x: T, _ y: T, _ p0: T, _ p1: T) -> T { 1 / (1 + x) }
    @usableFromInline static func derivativeText(x: String, y: String, parameter: String) -> String { "1/(1 + \(x))" }
    @usableFromInline static func recordedGradient<S: TensorScalar>(_ g: Tensor<S>, x: Tensor<S>, y: Tensor<S>, _ p0: S, _ p1: S) -> Tensor<S> {
        g / (x + 1)
    }
}

/// `expm1`: eˣ − 1, accurate for small x.
///
/// ```
/// y = eˣ − 1      ∂y/∂x = eˣ = y + 1
/// ```
@usableFromInline
enum Expm1Rule: ElementwiseRule {
    @usableFromInline static let name = "expm1"
    @usableFromInline static let symbol = "expm1"
    @usableFromInline static let usesOutput = true
    @inlinable @inline(__always)
    static func value<T: TensorScalar>(_ x: T, _ p0: T, _ p1: T) -> T { T._expm1(x) }
    @inlinable @inline(__always)
    static func derivative<T: TensorScalar>(_ x: T, _ y: T, _ p0: T, _ p1: T) -> T { y + 1 }
    @usableFromInline static func derivativeText(x: String, y: String, parameter: String) -> String { "\(y) + 1" }
    @usableFromInline static func recordedGradient<S: TensorScalar>(_ g: Tensor<S>, x: Tensor<S>, y: Tensor<S>, _ p0: S, _ p1: S) -> Tensor<S> {
        g * (y + 1)
    }
}

extension Value {
    /// The tangent. `y = tan x,  ∂y/∂x = 1 + y²`
    @inlinable public consuming func tan() -> Value { Value.elementwise(.tan, self) }
    /// The arc tangent. `y = atan x,  ∂y/∂x = 1/(1 + x²)`
    @inlinable public consuming func atan() -> Value { Value.elementwise(.atan, self) }
    /// log(1 + x), accurate for small x. `∂y/∂x = 1/(1 + x)`
    @inlinable public consuming func log1p() -> Value { Value.elementwise(.log1p, self) }
    /// eˣ − 1, accurate for small x. `∂y/∂x = eˣ`
    @inlinable public consuming func expm1() -> Value { Value.elementwise(.expm1, self) }
}

extension Tensor {
    /// Elementwise tangent.
    ///
    /// ```
    /// y = tan x      ∂y/∂x = 1 + y²
    /// ```
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func tan(file: StaticString = #fileID, line: UInt = #line) -> Tensor { applying(.tan, file: file, line: line) }

    /// Elementwise arc tangent.
    ///
    /// ```
    /// y = atan x      ∂y/∂x = 1/(1 + x²)
    /// ```
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func atan(file: StaticString = #fileID, line: UInt = #line) -> Tensor { applying(.atan, file: file, line: line) }

    /// Elementwise log(1 + x), accurate for small x.
    ///
    /// ```
    /// y = log(1 + x)      ∂y/∂x = 1/(1 + x)      (NaN for x < −1, −∞ at −1)
    /// ```
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func log1p(file: StaticString = #fileID, line: UInt = #line) -> Tensor { applying(.log1p, file: file, line: line) }

    /// Elementwise eˣ − 1, accurate for small x.
    ///
    /// ```
    /// y = eˣ − 1      ∂y/∂x = eˣ
    /// ```
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func expm1(file: StaticString = #fileID, line: UInt = #line) -> Tensor { applying(.expm1, file: file, line: line) }
}
