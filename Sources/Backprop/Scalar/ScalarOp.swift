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
    case squareRoot
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
    /// A function of the elementwise table without a case of its own here (as
    /// `softplus`); the node records which (see `Value.elementwiseFunction`).
    case elementwise

    /// The number of graph inputs the op takes (0, 1 or 2).
    public var arity: Int {
        switch self {
        case .leaf, .constant: return 0
        case .negate, .powerConstant, .exp, .log, .squareRoot, .sin, .cos, .tanh, .sigmoid,
             .relu, .leakyRelu, .step, .abs, .elementwise:
            return 1
        case .add, .subtract, .multiply, .divide, .power, .max, .min: return 2
        }
    }

    /// The function of the elementwise table this op applies (nil for other ops, and
    /// for `.elementwise`, whose function is recorded in the node).
    ///
    /// ```
    /// ScalarOp.squareRoot.elementwiseFunction == .squareRoot
    /// ```
    public var elementwiseFunction: ElementwiseFunction? {
        switch self {
        case .negate: .negate
        case .exp: .exp
        case .log: .log
        case .squareRoot: .squareRoot
        case .sin: .sin
        case .cos: .cos
        case .tanh: .tanh
        case .sigmoid: .sigmoid
        case .relu: .relu
        case .leakyRelu: .leakyRelu
        case .step: .step
        case .abs: .abs
        default: nil
        }
    }

    /// A short name for printing graphs ("+", "tanh", …): the table's symbol for
    /// elementwise functions.
    public var description: String {
        if let function = elementwiseFunction { return function.symbol }
        switch self {
        case .leaf: return "leaf"
        case .constant: return "const"
        case .add: return "+"
        case .subtract: return "−"
        case .multiply: return "×"
        case .divide: return "÷"
        case .power: return "pow"
        case .powerConstant: return "pow"
        case .max: return "max"
        case .min: return "min"
        case .elementwise: return "elementwise"
        default: return "?"
        }
    }

    /// The rule table: forward value and local partial derivatives of every op.
    ///
    /// `x` and `y` are the input values (`y` is ignored by unary ops; for `.elementwise`
    /// it is the function's raw value) and `c` is the op's constant argument (exponent,
    /// α, threshold; ignored otherwise). Returns `(value, ∂value/∂x, ∂value/∂y)`.
    /// The elementwise functions (exp … abs) come from the table (`ElementwiseFunction`),
    /// shared with the tensor kernels; their rows below are a summary.
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
    /// relu          max(0, x)        1 if x > 0 else 0       (0 at the kink, as PyTorch)
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
            return apply(NegateRule.self, x, c)
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
        case .exp: return apply(ExpRule.self, x, c)
        case .log: return apply(LogRule.self, x, c)
        case .squareRoot: return apply(SquareRootRule.self, x, c)
        case .sin: return apply(SinRule.self, x, c)
        case .cos: return apply(CosRule.self, x, c)
        case .tanh: return apply(TanhRule.self, x, c)
        case .sigmoid: return apply(SigmoidRule.self, x, c)
        case .relu: return apply(ReluRule.self, x, c)
        case .leakyRelu: return apply(LeakyReluRule.self, x, c)
        case .step: return apply(StepRule.self, x, c)
        case .abs: return apply(AbsRule.self, x, c)
        case .elementwise:
            guard let function = ElementwiseFunction(rawValue: UInt8(truncatingIfNeeded: Int(y))) else { return (.nan, .nan, 0) }
            return function.visit(ScalarRule(x: x, c: c))
        case .max:
            if x.isNaN || y.isNaN { return (.nan, .nan, .nan) }
            return x > y ? (x, 1, 0) : (x < y ? (y, 0, 1) : (x, 0.5, 0.5))
        case .min:
            if x.isNaN || y.isNaN { return (.nan, .nan, .nan) }
            return x < y ? (x, 1, 0) : (x > y ? (y, 0, 1) : (x, 0.5, 0.5))
        }
    }
}

extension ScalarOp {
    /// One table function at one point: `(f(x), f′(x), 0)`, the argument `c` as p0.
    @inlinable @inline(__always)
    static func apply<F: ElementwiseRule>(_: F.Type, _ x: Double, _ c: Double) -> (value: Double, dx: Double, dy: Double) {
        let v = F.value(x, c, 0)
        return (v, F.derivative(x, v, c, 0), 0)
    }
}

/// `ScalarOp.apply` for a function known only at run time (`.elementwise` nodes).
@usableFromInline
struct ScalarRule: ElementwiseVisitor {
    @usableFromInline let x: Double, c: Double
    @inlinable init(x: Double, c: Double) { self.x = x; self.c = c }
    @inlinable func visit<F: ElementwiseRule>(_ rule: F.Type) -> (value: Double, dx: Double, dy: Double) {
        ScalarOp.apply(rule, x, c)
    }
}

/// σ(x) = 1 / (1 + e⁻ˣ), evaluated so that no intermediate overflows (the table's
/// sigmoid): for x < 0 it uses eˣ / (1 + eˣ). σ(±1000) is exactly 1 or 0, never NaN.
///
/// ```
/// σ(x) = 1 / (1 + e⁻ˣ)
/// ```
@inlinable
public func stableSigmoid(_ x: Double) -> Double { SigmoidRule.value(x, 0, 0) }
