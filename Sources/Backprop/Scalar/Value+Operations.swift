// The public operations of the scalar graph. Forward values and local derivatives
// come from the one rule table, `ScalarOp.rule` (which takes the elementwise functions
// from the table shared with the tensor engine, `ElementwiseFunction`); these are only
// the spellings.

// MARK: - Arithmetic

extension Value {
    /// Sum. `∂(x + y)/∂x = 1`, `∂(x + y)/∂y = 1`.
    @inlinable public static func + (x: consuming Value, y: consuming Value) -> Value { binary(.add, x, y) }
    /// Sum with a constant.
    @inlinable public static func + (x: consuming Value, y: Double) -> Value { binary(.add, x, constant: y, constantFirst: false) }
    /// Sum with a constant.
    @inlinable public static func + (x: Double, y: consuming Value) -> Value { binary(.add, y, constant: x, constantFirst: true) }

    /// Difference. `∂(x − y)/∂x = 1`, `∂(x − y)/∂y = −1`.
    @inlinable public static func - (x: consuming Value, y: consuming Value) -> Value { binary(.subtract, x, y) }
    /// Difference with a constant.
    @inlinable public static func - (x: consuming Value, y: Double) -> Value { binary(.subtract, x, constant: y, constantFirst: false) }
    /// Difference with a constant.
    @inlinable public static func - (x: Double, y: consuming Value) -> Value { binary(.subtract, y, constant: x, constantFirst: true) }

    /// Product. `∂(x·y)/∂x = y`, `∂(x·y)/∂y = x`.
    @inlinable public static func * (x: consuming Value, y: consuming Value) -> Value { binary(.multiply, x, y) }
    /// Product with a constant.
    @inlinable public static func * (x: consuming Value, y: Double) -> Value { binary(.multiply, x, constant: y, constantFirst: false) }
    /// Product with a constant.
    @inlinable public static func * (x: Double, y: consuming Value) -> Value { binary(.multiply, y, constant: x, constantFirst: true) }

    /// Quotient. `∂(x/y)/∂x = 1/y`, `∂(x/y)/∂y = −x/y²`.
    @inlinable public static func / (x: consuming Value, y: consuming Value) -> Value { binary(.divide, x, y) }
    /// Quotient by a constant.
    @inlinable public static func / (x: consuming Value, y: Double) -> Value { binary(.divide, x, constant: y, constantFirst: false) }
    /// Quotient of a constant.
    @inlinable public static func / (x: Double, y: consuming Value) -> Value { binary(.divide, y, constant: x, constantFirst: true) }

    /// Negation. `∂(−x)/∂x = −1`.
    @inlinable public static prefix func - (x: consuming Value) -> Value { unary(.negate, x) }

    /// `x += y` records `x + y` and rebinds `x` to it.
    @inlinable public static func += (x: inout Value, y: Value) { x = x + y }
    /// `x += c` records `x + c`.
    @inlinable public static func += (x: inout Value, y: Double) { x = x + y }
    /// `x -= y` records `x − y`.
    @inlinable public static func -= (x: inout Value, y: Value) { x = x - y }
    /// `x -= c` records `x − c`.
    @inlinable public static func -= (x: inout Value, y: Double) { x = x - y }
    /// `x *= y` records `x · y`.
    @inlinable public static func *= (x: inout Value, y: Value) { x = x * y }
    /// `x *= c` records `x · c`.
    @inlinable public static func *= (x: inout Value, y: Double) { x = x * y }
}

// MARK: - Powers

extension Value {
    /// `xᶜ` for a constant exponent.
    ///
    /// ```
    /// ∂xᶜ/∂x = c·xᶜ⁻¹
    /// ```
    @inlinable public consuming func raised(to exponent: Double) -> Value { Value.unary(.powerConstant, self, argument: exponent) }

    /// `xʸ` with a differentiable exponent.
    ///
    /// ```
    /// ∂xʸ/∂x = y·xʸ⁻¹      ∂xʸ/∂y = xʸ·ln x
    /// ```
    /// ∂/∂y needs `x > 0`; it is 0 at `x = 0` with `y > 0` and NaN for `x < 0`.
    @inlinable public consuming func raised(to exponent: Value) -> Value { Value.binary(.power, self, exponent) }

    /// `x²`. `∂x²/∂x = 2x`.
    @inlinable public consuming func squared() -> Value { raised(to: 2) }
}

// MARK: - Elementary functions

extension Value {
    /// `eˣ`. `∂eˣ/∂x = eˣ`.
    @inlinable public consuming func exp() -> Value { Value.unary(.exp, self) }

    /// `ln x`. `∂ ln x/∂x = 1/x`.
    ///
    /// At `x = 0` the value is −∞ and the local derivative +∞ (so an upstream
    /// gradient of 0 gives NaN, as in IEEE arithmetic); negative `x` gives NaN.
    @inlinable public consuming func log() -> Value { Value.unary(.log, self) }

    /// `√x`. `∂√x/∂x = 1/(2√x)`, +∞ at 0.
    @inlinable public consuming func squareRoot() -> Value { Value.unary(.squareRoot, self) }

    /// `sin x`. `∂ sin x/∂x = cos x`.
    @inlinable public consuming func sin() -> Value { Value.unary(.sin, self) }

    /// `cos x`. `∂ cos x/∂x = −sin x`.
    @inlinable public consuming func cos() -> Value { Value.unary(.cos, self) }

    /// `tanh x`. `∂ tanh x/∂x = 1 − tanh² x` (0, not NaN, at ±1000).
    @inlinable public consuming func tanh() -> Value { Value.unary(.tanh, self) }

    /// The logistic sigmoid, evaluated without overflow.
    ///
    /// ```
    /// σ(x) = 1 / (1 + e⁻ˣ)      ∂σ/∂x = σ(x)·(1 − σ(x))
    /// ```
    @inlinable public consuming func sigmoid() -> Value { Value.unary(.sigmoid, self) }

    /// `max(0, x)`. Derivative 1 for `x > 0`, else 0 (0 at the kink, as PyTorch).
    @inlinable public consuming func relu() -> Value { Value.unary(.relu, self) }

    /// `x` for `x > 0`, else `slope·x`. Derivative 1 or `slope`.
    @inlinable public consuming func leakyRelu(slope: Double = 0.01) -> Value { Value.unary(.leakyRelu, self, argument: slope) }

    /// The threshold unit: 1 for `x > threshold`, else 0 (the lecture's `Th`, and
    /// `Tensor.step`); NaN stays NaN.
    ///
    /// Its derivative is 0 everywhere (undefined at the jump): gradients do not flow
    /// through a step, which is why threshold networks are set by hand, not trained.
    @inlinable public consuming func step(threshold: Double = 0) -> Value { Value.unary(.step, self, argument: threshold) }

    /// `|x|`. Derivative `sign(x)`, 0 at `x = 0`.
    @inlinable public consuming func abs() -> Value { Value.unary(.abs, self) }

    /// The larger of two values. The gradient goes to the larger; a tie splits it ½ / ½.
    @inlinable public static func maximum(_ x: Value, _ y: Value) -> Value { binary(.max, x, y) }

    /// The smaller of two values. The gradient goes to the smaller; a tie splits it ½ / ½.
    @inlinable public static func minimum(_ x: Value, _ y: Value) -> Value { binary(.min, x, y) }
}
