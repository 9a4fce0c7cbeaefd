/// The operations of the scalar graph: one case per op, one rule per case.
///
/// Each rule (``rule(_:_:_:)``) gives the forward value and the local partial
/// derivatives side by side. The `switch` there is exhaustive, so an op added here
/// without a rule does not compile. The local partials are stored on the graph at
/// forward time, so explanations can print them after the forward pass.
public enum ScalarOp: UInt8, CaseIterable, Sendable, CustomStringConvertible {
    /// A leaf created by the user (an input or a parameter). Its gradient accumulates.
    case leaf
    /// A constant: a `Double` operand, or a result computed without recording.
    case constant
    /// `x + y`
    case add
    /// `x − y`
    case subtract
    /// `x · y`
    case multiply
    /// `x / y`
    case divide
    /// `−x`
    case negate
    /// `xʸ` with a `Value` exponent.
    case power
    /// `xᶜ` with a constant exponent `c` (the op's argument).
    case powerConstant
    /// `eˣ`
    case exp
    /// `ln x`
    case log
    /// `√x`
    case sqrt
    /// `sin x`
    case sin
    /// `cos x`
    case cos
    /// `tanh x`
    case tanh
    /// `σ(x) = 1 / (1 + e⁻ˣ)`
    case sigmoid
    /// `max(0, x)`
    case relu
    /// `x` for `x > 0`, else `α·x` (α is the op's argument).
    case leakyRelu
    /// `1` for `x > t`, else `0` (the threshold `t` is the op's argument).
    case step
    /// `|x|`
    case abs
    /// `max(x, y)`
    case max
    /// `min(x, y)`
    case min

    /// The number of graph inputs the op takes (0, 1 or 2).
    public var arity: Int {
        switch self {
        case .leaf, .constant: return 0
        case .negate, .powerConstant, .exp, .log, .sqrt, .sin, .cos, .tanh, .sigmoid,
             .relu, .leakyRelu, .step, .abs:
            return 1
        case .add, .subtract, .multiply, .divide, .power, .max, .min: return 2
        }
    }

    /// A short name for printing graphs ("+", "tanh", …).
    public var description: String {
        switch self {
        case .leaf: return "leaf"
        case .constant: return "const"
        case .add: return "+"
        case .subtract: return "−"
        case .multiply: return "×"
        case .divide: return "÷"
        case .negate: return "neg"
        case .power: return "pow"
        case .powerConstant: return "pow"
        case .exp: return "exp"
        case .log: return "log"
        case .sqrt: return "sqrt"
        case .sin: return "sin"
        case .cos: return "cos"
        case .tanh: return "tanh"
        case .sigmoid: return "σ"
        case .relu: return "relu"
        case .leakyRelu: return "leakyRelu"
        case .step: return "step"
        case .abs: return "abs"
        case .max: return "max"
        case .min: return "min"
        }
    }

    /// The rule table: forward value and local partial derivatives of every op.
    ///
    /// `x` and `y` are the input values (`y` is ignored by unary ops) and `c` is the
    /// op's constant argument (exponent, α, threshold; ignored otherwise). Returns
    /// `(value, ∂value/∂x, ∂value/∂y)`.
    ///
    /// ```
    /// op            value            ∂/∂x                    ∂/∂y
    /// add           x + y            1                       1
    /// subtract      x − y            1                       −1
    /// multiply      x·y              y                       x
    /// divide        x / y            1/y                     −x/y²
    /// negate        −x               −1
    /// power         xʸ               y·xʸ⁻¹                  xʸ·ln x   (x > 0; 0 if x = 0 < y; NaN if x < 0)
    /// powerConstant xᶜ               c·xᶜ⁻¹                  (0 when c = 0)
    /// exp           eˣ               eˣ
    /// log           ln x             1/x                     (x = 0: −∞ and +∞)
    /// sqrt          √x               1/(2√x)                 (x = 0: +∞)
    /// sin, cos      sin x, cos x     cos x, −sin x
    /// tanh          t = tanh x       1 − t²
    /// sigmoid       s = σ(x)         s(1 − s)                (evaluated without overflow)
    /// relu          max(0, x)        1 if x > 0 else 0
    /// leakyRelu     x or αx          1 if x > 0 else α
    /// step          1 if x > c else 0   0 everywhere (the jump has no useful derivative)
    /// abs           |x|              sign(x), 0 at x = 0
    /// max, min      larger/smaller   1 to the chosen input, 0 to the other; ½ each on a tie
///
/// NaN in, NaN out: relu, step, abs, max and min never hide a NaN input.
    /// ```
    @inlinable
    public static func rule(_ op: ScalarOp, _ x: Double, _ y: Double, _ c: Double)
        -> (value: Double, dx: Double, dy: Double)
    {
        switch op {
        case .leaf, .constant:
            return (x, 0, 0)
        case .add:
            return (x + y, 1, 1)
        case .subtract:
            return (x - y, 1, -1)
        case .multiply:
            return (x * y, y, x)
        case .divide:
            return (x / y, 1 / y, -x / (y * y))
        case .negate:
            return (-x, -1, 0)
        case .power:
            let v = LibM.pow(x, y)
            let dx = y == 0 ? 0 : y * LibM.pow(x, y - 1)
            let dy: Double
            if x > 0 { dy = v * LibM.log(x) } else if x == 0 && y > 0 { dy = 0 } else { dy = .nan }
            return (v, dx, dy)
        case .powerConstant:
            let v = c == 2 ? x * x : LibM.pow(x, c)
            let dx = c == 0 ? 0 : (c == 2 ? 2 * x : c * LibM.pow(x, c - 1))
            return (v, dx, 0)
        case .exp:
            let e = LibM.exp(x)
            return (e, e, 0)
        case .log:
            return (LibM.log(x), 1 / x, 0)
        case .sqrt:
            let s = LibM.sqrt(x)
            return (s, 0.5 / s, 0)
        case .sin:
            return (LibM.sin(x), LibM.cos(x), 0)
        case .cos:
            return (LibM.cos(x), -LibM.sin(x), 0)
        case .tanh:
            let t = LibM.tanh(x)
            return (t, 1 - t * t, 0)
        case .sigmoid:
            let s = stableSigmoid(x)
            return (s, s * (1 - s), 0)
        case .relu:
            return x > 0 ? (x, 1, 0) : (x.isNaN ? (x, x, 0) : (0, 0, 0))
        case .leakyRelu:
            return x > 0 ? (x, 1, 0) : (c * x, c, 0)
        case .step:
            return (x.isNaN ? x : (x > c ? 1 : 0), 0, 0)
        case .abs:
            return x > 0 ? (x, 1, 0) : (x < 0 ? (-x, -1, 0) : (Swift.abs(x), x.isNaN ? x : 0, 0))
        case .max:
            if x.isNaN || y.isNaN { return (.nan, .nan, .nan) }
            return x > y ? (x, 1, 0) : (x < y ? (y, 0, 1) : (x, 0.5, 0.5))
        case .min:
            if x.isNaN || y.isNaN { return (.nan, .nan, .nan) }
            return x < y ? (x, 1, 0) : (x > y ? (y, 0, 1) : (x, 0.5, 0.5))
        }
    }
}

/// σ(x) = 1 / (1 + e⁻ˣ), evaluated so that no intermediate overflows:
/// for x < 0 it uses eˣ / (1 + eˣ). σ(±1000) is exactly 1 or 0, never NaN.
@inlinable
public func stableSigmoid(_ x: Double) -> Double {
    if x >= 0 {
        return 1 / (1 + LibM.exp(-x))
    } else {
        let e = LibM.exp(x)
        return e / (1 + e)
    }
}
