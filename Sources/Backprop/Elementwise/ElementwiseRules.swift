// The table of elementwise functions: one rule type per function (see `ElementwiseRule`).
// A function added later may live in a file of its own (as `Softplus.swift`).
//
// ```
// function    value         derivative
// negate      −x          −1
// exp         eˣ          eˣ = y
// log         ln x        1/x            (x = 0: −∞ and +∞; x < 0: NaN)
// squareRoot  √x          1/(2√x)        (+∞ at 0)
// abs         |x|         sign(x)        (0 at x = 0)
// sin         sin x       cos x
// cos         cos x       −sin x
// tanh        tanh x      1 − y²         (0, not NaN, at ±1000)
// sigmoid     σ(x)        y(1 − y)       (evaluated without overflow)
// relu        max(0, x)   1 if x > 0 else 0   (0 at the kink, as PyTorch)
// leakyRelu   x or αx     1 if x > 0 else α   (α = p0)
// step        1 if x > t else 0   0 everywhere (t = p0; no gradient flows through a jump)
// clamp       min(max(x, lo), hi)   1 if lo < x < hi else 0   (lo = p0, hi = p1)
// ```
//
// Every rule keeps NaN: a NaN input gives a NaN value and a NaN derivative (the step's
// derivative is 0 everywhere). The threshold convention is strict, as the lecture's
// threshold unit Th(a) = 1 if a > 0: step(t) = [x > t], relu′(0) = 0, |x|′(0) = 0,
// leakyRelu′(0) = α, clamp′ = 0 at both bounds.

/// `negate`: −x.
///
/// ```
/// y = −x          −1
/// ```
@usableFromInline
enum NegateRule: ElementwiseRule {
    @usableFromInline static let name = "negate"
    @usableFromInline static let symbol = "neg"
    @usableFromInline static let usesOutput = false
    @inlinable @inline(__always)
    static func value<T: TensorScalar>(_ x: T, _ p0: T, _ p1: T) -> T { -x }
    @inlinable @inline(__always)
    static func derivative<T: TensorScalar>(_ x: T, _ y: T, _ p0: T, _ p1: T) -> T { -1 }
    @inlinable @inline(__always)
    static func gradient<T: TensorScalar>(_ g: T, _ x: T, _ y: T, _ p0: T, _ p1: T) -> T { -g }
    @usableFromInline static func valueText(x: String, parameter: String) -> String { "−\(x)" }
    @usableFromInline static func derivativeText(x: String, y: String, parameter: String) -> String { "−1" }
    @usableFromInline static func recordedGradient<S: TensorScalar>(_ g: Tensor<S>, x: Tensor<S>, y: Tensor<S>, _ p0: S, _ p1: S) -> Tensor<S> {
        -g
    }
}

/// `exp`: eˣ.
///
/// ```
/// y = eˣ          eˣ = y
/// ```
@usableFromInline
enum ExpRule: ElementwiseRule {
    @usableFromInline static let name = "exp"
    @usableFromInline static let symbol = "exp"
    @usableFromInline static let usesOutput = true
    @inlinable @inline(__always)
    static func value<T: TensorScalar>(_ x: T, _ p0: T, _ p1: T) -> T { T._exp(x) }
    @inlinable @inline(__always)
    static func derivative<T: TensorScalar>(_ x: T, _ y: T, _ p0: T, _ p1: T) -> T { y }
    @inlinable @inline(__always)
    static func gradient<T: TensorScalar>(_ g: T, _ x: T, _ y: T, _ p0: T, _ p1: T) -> T { g * y }
    @usableFromInline static func derivativeText(x: String, y: String, parameter: String) -> String { "e^\(x) = \(y)" }
    @usableFromInline static func recordedGradient<S: TensorScalar>(_ g: Tensor<S>, x: Tensor<S>, y: Tensor<S>, _ p0: S, _ p1: S) -> Tensor<S> {
        g * y
    }
}

/// `log`: ln x.
///
/// ```
/// y = ln x        1/x            (x = 0: −∞ and +∞; x < 0: NaN)
/// ```
@usableFromInline
enum LogRule: ElementwiseRule {
    @usableFromInline static let name = "log"
    @usableFromInline static let symbol = "log"
    @usableFromInline static let usesOutput = false
    @inlinable @inline(__always)
    static func value<T: TensorScalar>(_ x: T, _ p0: T, _ p1: T) -> T { T._log(x) }
    @inlinable @inline(__always)
    static func derivative<T: TensorScalar>(_ x: T, _ y: T, _ p0: T, _ p1: T) -> T { 1 / x }
    @inlinable @inline(__always)
    static func gradient<T: TensorScalar>(_ g: T, _ x: T, _ y: T, _ p0: T, _ p1: T) -> T { g / x }
    @usableFromInline static func derivativeText(x: String, y: String, parameter: String) -> String { "1 ÷ \(x)" }
    @usableFromInline static func recordedGradient<S: TensorScalar>(_ g: Tensor<S>, x: Tensor<S>, y: Tensor<S>, _ p0: S, _ p1: S) -> Tensor<S> {
        g / x
    }
}

/// `squareRoot`: √x.
///
/// ```
/// y = √x          1/(2√x)        (+∞ at 0)
/// ```
@usableFromInline
enum SquareRootRule: ElementwiseRule {
    @usableFromInline static let name = "squareRoot"
    @usableFromInline static let symbol = "sqrt"
    @usableFromInline static let usesOutput = true
    @inlinable @inline(__always)
    static func value<T: TensorScalar>(_ x: T, _ p0: T, _ p1: T) -> T { x.squareRoot() }
    @inlinable @inline(__always)
    static func derivative<T: TensorScalar>(_ x: T, _ y: T, _ p0: T, _ p1: T) -> T { 0.5 / y }
    @inlinable @inline(__always)
    static func gradient<T: TensorScalar>(_ g: T, _ x: T, _ y: T, _ p0: T, _ p1: T) -> T { g * 0.5 / y }
    @usableFromInline static func derivativeText(x: String, y: String, parameter: String) -> String { "1 ÷ (2·√\(x))" }
    @usableFromInline static func recordedGradient<S: TensorScalar>(_ g: Tensor<S>, x: Tensor<S>, y: Tensor<S>, _ p0: S, _ p1: S) -> Tensor<S> {
        g * 0.5 / y
    }
}

/// `abs`: |x|.
///
/// ```
/// y = |x|         sign(x)        (0 at x = 0)
/// ```
@usableFromInline
enum AbsRule: ElementwiseRule {
    @usableFromInline static let name = "abs"
    @usableFromInline static let symbol = "abs"
    @usableFromInline static let usesOutput = false
    @inlinable @inline(__always)
    static func value<T: TensorScalar>(_ x: T, _ p0: T, _ p1: T) -> T { Swift.abs(x) }
    @inlinable @inline(__always)
    static func derivative<T: TensorScalar>(_ x: T, _ y: T, _ p0: T, _ p1: T) -> T { x > 0 ? 1 : (x < 0 ? -1 : (x == 0 ? 0 : x)) }
    @inlinable @inline(__always)
    static func gradient<T: TensorScalar>(_ g: T, _ x: T, _ y: T, _ p0: T, _ p1: T) -> T { x > 0 ? g : (x < 0 ? -g : (x == 0 ? 0 : x)) }
    @usableFromInline static func derivativeText(x: String, y: String, parameter: String) -> String { "sign(\(x))" }
    @usableFromInline static func recordedGradient<S: TensorScalar>(_ g: Tensor<S>, x: Tensor<S>, y: Tensor<S>, _ p0: S, _ p1: S) -> Tensor<S> {
        g * (x.step(threshold: 0) - (-x).step(threshold: 0))
    }
}

/// `sin`: sin x.
///
/// ```
/// y = sin x       cos x
/// ```
@usableFromInline
enum SinRule: ElementwiseRule {
    @usableFromInline static let name = "sin"
    @usableFromInline static let symbol = "sin"
    @usableFromInline static let usesOutput = false
    @inlinable @inline(__always)
    static func value<T: TensorScalar>(_ x: T, _ p0: T, _ p1: T) -> T { T._sin(x) }
    @inlinable @inline(__always)
    static func derivative<T: TensorScalar>(_ x: T, _ y: T, _ p0: T, _ p1: T) -> T { T._cos(x) }
    @inlinable @inline(__always)
    static func gradient<T: TensorScalar>(_ g: T, _ x: T, _ y: T, _ p0: T, _ p1: T) -> T { g * T._cos(x) }
    @usableFromInline static func derivativeText(x: String, y: String, parameter: String) -> String { "cos(\(x))" }
    @usableFromInline static func recordedGradient<S: TensorScalar>(_ g: Tensor<S>, x: Tensor<S>, y: Tensor<S>, _ p0: S, _ p1: S) -> Tensor<S> {
        g * x.cos()
    }
}

/// `cos`: cos x.
///
/// ```
/// y = cos x       −sin x
/// ```
@usableFromInline
enum CosRule: ElementwiseRule {
    @usableFromInline static let name = "cos"
    @usableFromInline static let symbol = "cos"
    @usableFromInline static let usesOutput = false
    @inlinable @inline(__always)
    static func value<T: TensorScalar>(_ x: T, _ p0: T, _ p1: T) -> T { T._cos(x) }
    @inlinable @inline(__always)
    static func derivative<T: TensorScalar>(_ x: T, _ y: T, _ p0: T, _ p1: T) -> T { -T._sin(x) }
    @inlinable @inline(__always)
    static func gradient<T: TensorScalar>(_ g: T, _ x: T, _ y: T, _ p0: T, _ p1: T) -> T { -(g * T._sin(x)) }
    @usableFromInline static func derivativeText(x: String, y: String, parameter: String) -> String { "−sin(\(x))" }
    @usableFromInline static func recordedGradient<S: TensorScalar>(_ g: Tensor<S>, x: Tensor<S>, y: Tensor<S>, _ p0: S, _ p1: S) -> Tensor<S> {
        -(g * x.sin())
    }
}

/// `tanh`: tanh x.
///
/// ```
/// y = tanh x      1 − y²         (0, not NaN, at ±1000)
/// ```
@usableFromInline
enum TanhRule: ElementwiseRule {
    @usableFromInline static let name = "tanh"
    @usableFromInline static let symbol = "tanh"
    @usableFromInline static let usesOutput = true
    @inlinable @inline(__always)
    static func value<T: TensorScalar>(_ x: T, _ p0: T, _ p1: T) -> T { T._tanh(x) }
    @inlinable @inline(__always)
    static func derivative<T: TensorScalar>(_ x: T, _ y: T, _ p0: T, _ p1: T) -> T { 1 - y * y }
    @inlinable @inline(__always)
    static func gradient<T: TensorScalar>(_ g: T, _ x: T, _ y: T, _ p0: T, _ p1: T) -> T { g * (1 - y * y) }
    @usableFromInline static func derivativeText(x: String, y: String, parameter: String) -> String { "1 − \(y)²" }
    @usableFromInline static func recordedGradient<S: TensorScalar>(_ g: Tensor<S>, x: Tensor<S>, y: Tensor<S>, _ p0: S, _ p1: S) -> Tensor<S> {
        g * (1 - y * y)
    }
}

/// `sigmoid`: σ(x).
///
/// ```
/// y = σ(x)        y(1 − y)       (evaluated without overflow)
/// ```
@usableFromInline
enum SigmoidRule: ElementwiseRule {
    @usableFromInline static let name = "sigmoid"
    @usableFromInline static let symbol = "σ"
    @usableFromInline static let usesOutput = true
    @inlinable @inline(__always)
    static func value<T: TensorScalar>(_ x: T, _ p0: T, _ p1: T) -> T {
        if x >= 0 { return 1 / (1 + T._exp(-x)) }
        let e = T._exp(x)  // eˣ/(1 + eˣ) for x < 0: no overflow of e⁻ˣ
        return e / (1 + e)
    }
    @inlinable @inline(__always)
    static func derivative<T: TensorScalar>(_ x: T, _ y: T, _ p0: T, _ p1: T) -> T { y * (1 - y) }
    @inlinable @inline(__always)
    static func gradient<T: TensorScalar>(_ g: T, _ x: T, _ y: T, _ p0: T, _ p1: T) -> T { g * (y * (1 - y)) }
    @usableFromInline static func valueText(x: String, parameter: String) -> String { "σ(\(x))" }
    @usableFromInline static func derivativeText(x: String, y: String, parameter: String) -> String { "\(y)·(1 − \(y))" }
    @usableFromInline static func recordedGradient<S: TensorScalar>(_ g: Tensor<S>, x: Tensor<S>, y: Tensor<S>, _ p0: S, _ p1: S) -> Tensor<S> {
        g * (y * (1 - y))
    }
}

/// `relu`: max(0, x).
///
/// ```
/// y = max(0, x)   1 if x > 0 else 0   (0 at the kink, as PyTorch)
/// ```
@usableFromInline
enum ReluRule: ElementwiseRule {
    @usableFromInline static let name = "relu"
    @usableFromInline static let symbol = "relu"
    @usableFromInline static let usesOutput = false
    @inlinable @inline(__always)
    static func value<T: TensorScalar>(_ x: T, _ p0: T, _ p1: T) -> T { x <= 0 ? 0 : x }
    @inlinable @inline(__always)
    static func derivative<T: TensorScalar>(_ x: T, _ y: T, _ p0: T, _ p1: T) -> T { x > 0 ? 1 : (x <= 0 ? 0 : x) }
    @inlinable @inline(__always)
    static func gradient<T: TensorScalar>(_ g: T, _ x: T, _ y: T, _ p0: T, _ p1: T) -> T { x > 0 ? g : (x <= 0 ? 0 : x) }
    @usableFromInline static func derivativeText(x: String, y: String, parameter: String) -> String { "1 if \(x) > 0, else 0" }
    @usableFromInline static func recordedGradient<S: TensorScalar>(_ g: Tensor<S>, x: Tensor<S>, y: Tensor<S>, _ p0: S, _ p1: S) -> Tensor<S> {
        g * x.step(threshold: 0)
    }
}

/// `leakyRelu`: x or αx.
///
/// ```
/// y = x or αx     1 if x > 0 else α   (α = p0)
/// ```
@usableFromInline
enum LeakyReluRule: ElementwiseRule {
    @usableFromInline static let name = "leakyRelu"
    @usableFromInline static let symbol = "leakyRelu"
    @usableFromInline static let usesOutput = false
    @inlinable @inline(__always)
    static func value<T: TensorScalar>(_ x: T, _ p0: T, _ p1: T) -> T { x > 0 ? x : p0 * x }
    @inlinable @inline(__always)
    static func derivative<T: TensorScalar>(_ x: T, _ y: T, _ p0: T, _ p1: T) -> T { x > 0 ? 1 : (x <= 0 ? p0 : x) }
    @inlinable @inline(__always)
    static func gradient<T: TensorScalar>(_ g: T, _ x: T, _ y: T, _ p0: T, _ p1: T) -> T { x > 0 ? g : (x <= 0 ? g * p0 : x) }
    @usableFromInline static func valueText(x: String, parameter: String) -> String { "leakyRelu(\(x); \(parameter))" }
    @usableFromInline static func derivativeText(x: String, y: String, parameter: String) -> String { "1 if \(x) > 0, else \(parameter)" }
    @usableFromInline static func recordedGradient<S: TensorScalar>(_ g: Tensor<S>, x: Tensor<S>, y: Tensor<S>, _ p0: S, _ p1: S) -> Tensor<S> {
        g * (x.step(threshold: 0) * (1 - p0) + p0)
    }
}

/// `step`: 1 if x > t else 0.
///
/// ```
/// y = 1 if x > t else 0   0 everywhere (t = p0; no gradient flows through a jump)
/// ```
@usableFromInline
enum StepRule: ElementwiseRule {
    @usableFromInline static let name = "step"
    @usableFromInline static let symbol = "step"
    @usableFromInline static let usesOutput = false
    @inlinable @inline(__always)
    static func value<T: TensorScalar>(_ x: T, _ p0: T, _ p1: T) -> T { x > p0 ? 1 : (x <= p0 ? 0 : x) }
    @inlinable @inline(__always)
    static func derivative<T: TensorScalar>(_ x: T, _ y: T, _ p0: T, _ p1: T) -> T { 0 }
    @inlinable @inline(__always)
    static func gradient<T: TensorScalar>(_ g: T, _ x: T, _ y: T, _ p0: T, _ p1: T) -> T { 0 }
    @usableFromInline static func valueText(x: String, parameter: String) -> String { "step(\(x) > \(parameter))" }
    @usableFromInline static func derivativeText(x: String, y: String, parameter: String) -> String { "0" }
    @usableFromInline static func recordedGradient<S: TensorScalar>(_ g: Tensor<S>, x: Tensor<S>, y: Tensor<S>, _ p0: S, _ p1: S) -> Tensor<S> {
        g * S(0)
    }
}

/// `clamp`: min(max(x, lo), hi).
///
/// ```
/// y = min(max(x, lo), hi)   1 if lo < x < hi else 0   (lo = p0, hi = p1)
/// ```
@usableFromInline
enum ClampRule: ElementwiseRule {
    @usableFromInline static let name = "clamp"
    @usableFromInline static let symbol = "clamp"
    @usableFromInline static let usesOutput = false
    @inlinable @inline(__always)
    static func value<T: TensorScalar>(_ x: T, _ p0: T, _ p1: T) -> T { Swift.min(Swift.max(x, p0), p1) }
    @inlinable @inline(__always)
    static func derivative<T: TensorScalar>(_ x: T, _ y: T, _ p0: T, _ p1: T) -> T { x > p0 && x < p1 ? 1 : (x.isNaN ? x : 0) }
    @inlinable @inline(__always)
    static func gradient<T: TensorScalar>(_ g: T, _ x: T, _ y: T, _ p0: T, _ p1: T) -> T { x > p0 && x < p1 ? g : (x.isNaN ? x : 0) }
    @usableFromInline static func valueText(x: String, parameter: String) -> String { "clamp(\(x); \(parameter))" }
    @usableFromInline static func derivativeText(x: String, y: String, parameter: String) -> String { "1 if \(x) is strictly inside the bounds, else 0" }
    @usableFromInline static func recordedGradient<S: TensorScalar>(_ g: Tensor<S>, x: Tensor<S>, y: Tensor<S>, _ p0: S, _ p1: S) -> Tensor<S> {
        g * (x.step(threshold: p0) * (-x).step(threshold: -p1))
    }
}
