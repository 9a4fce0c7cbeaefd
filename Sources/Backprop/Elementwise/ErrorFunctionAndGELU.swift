// erf, erfc and gelu: rules of the elementwise table and their spellings on `Value` and `Tensor`.

/// `erf`: the error function.
///
/// ```
/// y = erf x = (2/√π) ∫₀ˣ e^(−t²) dt      ∂y/∂x = (2/√π) e^(−x²)
/// ```
@usableFromInline
enum ErfRule: ElementwiseRule {
    @usableFromInline static let name = "erf"
    @usableFromInline static let symbol = "erf"
    @usableFromInline static let usesOutput = false
    /// 2/√π.
    @usableFromInline static let twoOverRootPi = 1.1283791670955126
    @inlinable @inline(__always)
    static func value<T: TensorScalar>(_ x: T, _ p0: T, _ p1: T) -> T { T._erf(x) }
    @inlinable @inline(__always)
    static func derivative<T: TensorScalar>(_ x: T, _ y: T, _ p0: T, _ p1: T) -> T { T(twoOverRootPi) * T._exp(-x * x) }
    @usableFromInline static func derivativeText(x: String, y: String, parameter: String) -> String { "(2/√π)·e^(−\(x)²)" }
    @usableFromInline static func recordedGradient<S: TensorScalar>(_ g: Tensor<S>, x: Tensor<S>, y: Tensor<S>, _ p0: S, _ p1: S) -> Tensor<S> {
        g * ((-(x * x)).exp() * S(twoOverRootPi))
    }
}

/// `erfc`: the complementary error function 1 − erf x, without cancellation for large x.
///
/// ```
/// y = erfc x = 1 − erf x      ∂y/∂x = −(2/√π) e^(−x²)
/// ```
@usableFromInline
enum ErfcRule: ElementwiseRule {
    @usableFromInline static let name = "erfc"
    @usableFromInline static let symbol = "erfc"
    @usableFromInline static let usesOutput = false
    @inlinable @inline(__always)
    static func value<T: TensorScalar>(_ x: T, _ p0: T, _ p1: T) -> T { T._erfc(x) }
    @inlinable @inline(__always)
    static func derivative<T: TensorScalar>(_ x: T, _ y: T, _ p0: T, _ p1: T) -> T { -(T(ErfRule.twoOverRootPi) * T._exp(-x * x)) }
    @usableFromInline static func derivativeText(x: String, y: String, parameter: String) -> String { "−(2/√π)·e^(−\(x)²)" }
    @usableFromInline static func recordedGradient<S: TensorScalar>(_ g: Tensor<S>, x: Tensor<S>, y: Tensor<S>, _ p0: S, _ p1: S) -> Tensor<S> {
        g * -((-(x * x)).exp() * S(ErfRule.twoOverRootPi))
    }
}

/// `gelu`: the Gaussian error linear unit, exact form (PyTorch's `gelu`, not its tanh
/// approximation). Φ is computed as ½·erfc(−x/√2), which keeps its tiny values for
/// negative x where 1 + erf(x/√2) cancels (at x = −7 the erf form loses every digit).
///
/// ```
/// y = x·Φ(x) = ½x·erfc(−x/√2)      ∂y/∂x = Φ(x) + x·φ(x),  φ(x) = e^(−x²/2)/√(2π)
/// ```
@usableFromInline
enum GeluRule: ElementwiseRule {
    @usableFromInline static let name = "gelu"
    @usableFromInline static let symbol = "gelu"
    @usableFromInline static let usesOutput = false
    /// 1/√2 and 1/√(2π).
    @usableFromInline static let invRoot2 = 0.7071067811865476, invRoot2Pi = 0.3989422804014327
    @inlinable @inline(__always)
    static func value<T: TensorScalar>(_ x: T, _ p0: T, _ p1: T) -> T { x * T._erfc(-x * T(invRoot2)) / 2 }
    @inlinable @inline(__always)
    static func derivative<T: TensorScalar>(_ x: T, _ y: T, _ p0: T, _ p1: T) -> T {
        T._erfc(-x * T(invRoot2)) / 2 + x * T(invRoot2Pi) * T._exp(-x * x / 2)
    }
    @usableFromInline static func derivativeText(x: String, y: String, parameter: String) -> String { "Φ(\(x)) + \(x)·φ(\(x))" }
    @usableFromInline static func recordedGradient<S: TensorScalar>(_ g: Tensor<S>, x: Tensor<S>, y: Tensor<S>, _ p0: S, _ p1: S) -> Tensor<S> {
        // The same operations, in the same order, as `derivative` (so both engines agree bit for bit).
        g * ((x * S(-invRoot2)).erfc() * S(0.5) + x * S(invRoot2Pi) * ((-x) * x * S(0.5)).exp())
    }
}

extension Value {
    /// The error function. `∂y/∂x = (2/√π) e^(−x²)`
    @inlinable public consuming func erf() -> Value { Value.elementwise(.erf, self) }
    /// The complementary error function 1 − erf x. `∂y/∂x = −(2/√π) e^(−x²)`
    @inlinable public consuming func erfc() -> Value { Value.elementwise(.erfc, self) }
    /// The Gaussian error linear unit x·Φ(x) (exact form). `∂y/∂x = Φ(x) + x·φ(x)`
    @inlinable public consuming func gelu() -> Value { Value.elementwise(.gelu, self) }
}

extension Tensor {
    /// Elementwise error function.
    ///
    /// ```
    /// y = erf x      ∂y/∂x = (2/√π) e^(−x²)
    /// ```
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func erf(file: StaticString = #fileID, line: UInt = #line) -> Tensor { applying(.erf, file: file, line: line) }

    /// Elementwise complementary error function 1 − erf x (accurate where erf x is near 1).
    ///
    /// ```
    /// y = erfc x      ∂y/∂x = −(2/√π) e^(−x²)
    /// ```
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func erfc(file: StaticString = #fileID, line: UInt = #line) -> Tensor { applying(.erfc, file: file, line: line) }

    /// Elementwise GELU, exact form, as PyTorch's `gelu` (approximate: "none").
    ///
    /// ```
    /// y = x·Φ(x) = ½x·erfc(−x/√2)      ∂y/∂x = Φ(x) + x·φ(x)
    /// ```
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func gelu(file: StaticString = #fileID, line: UInt = #line) -> Tensor { applying(.gelu, file: file, line: line) }
}
