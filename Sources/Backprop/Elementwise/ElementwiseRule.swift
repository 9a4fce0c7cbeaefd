/// One elementwise function, defined once for every engine: its value, its derivative,
/// its name and symbol, and its derivative as text for the teaching module.
///
/// The scalar engine (`ScalarOp.rule`), the tensor kernels (`TensorKernels.map` and
/// `mapDerivative`, used eagerly, by backward and by `TensorProgram`'s `.map` kernel)
/// and `LocalRules` in BackpropTeaching all read these definitions; the vectorised C
/// kernels of exp, log, tanh and σ (and relu's backward loop) are checked against them
/// by `ElementwiseConformanceTests`.
///
/// NaN in, NaN out: a NaN input gives a NaN value and (except for the step, whose
/// derivative is 0 everywhere) a NaN derivative.
///
/// ```
/// y = value(x, p0, p1)      ∂y/∂x = derivative(x, y, p0, p1)      x̄ = gradient(ȳ, x, y, p0, p1)
/// ```
@usableFromInline
protocol ElementwiseRule {
    /// The op's name, as the method that applies it (`squareRoot`, `relu`).
    static var name: String { get }
    /// The short symbol printed in graphs and walkthroughs (`sqrt`, `σ`).
    static var symbol: String { get }
    /// Whether `derivative` reads the output y (so the tensor graph keeps it).
    static var usesOutput: Bool { get }
    /// f(x) with parameters `p0`, `p1` (α, threshold, bounds; 0 when unused).
    static func value<T: TensorScalar>(_ x: T, _ p0: T, _ p1: T) -> T
    /// f′(x), given x and y = f(x).
    static func derivative<T: TensorScalar>(_ x: T, _ y: T, _ p0: T, _ p1: T) -> T
    /// ȳ·f′(x): the fused backward loop (defaults to `g * derivative`; a rule overrides
    /// it to keep a cheaper or branch-free form with the same value).
    static func gradient<T: TensorScalar>(_ g: T, _ x: T, _ y: T, _ p0: T, _ p1: T) -> T
    /// The forward formula as text, given the operand's name and the parameter's text.
    static func valueText(x: String, parameter: String) -> String
    /// ∂y/∂x as text, given the operand's name x, the result's name y, and the parameter.
    static func derivativeText(x: String, y: String, parameter: String) -> String
    /// The recorded (differentiable) backward rule: `g·f′(x)` written with tensor ops, so
    /// that a backward pass with `createGraph: true` can be differentiated again.
    static func recordedGradient<S: TensorScalar>(_ g: Tensor<S>, x: Tensor<S>, y: Tensor<S>, _ p0: S, _ p1: S) -> Tensor<S>
}

extension ElementwiseRule {
    @inlinable @inline(__always)
    static func gradient<T: TensorScalar>(_ g: T, _ x: T, _ y: T, _ p0: T, _ p1: T) -> T {
        g * derivative(x, y, p0, p1)
    }
    @usableFromInline static func valueText(x: String, parameter: String) -> String { "\(symbol)(\(x))" }
}

extension ElementwiseFunction {
    /// The rule type, for the uses off the hot paths (names, text, one scalar).
    var rule: any ElementwiseRule.Type { visit(RuleType()) }

    /// The op's name, as the method that applies it on `Value` and `Tensor` ("squareRoot").
    public var name: String { rule.name }
    /// The short symbol printed in graphs and walkthroughs ("sqrt", "σ").
    public var symbol: String { rule.symbol }
    /// The name.
    public var description: String { name }
    /// Whether the derivative is computed from the output y = f(x).
    public var usesOutput: Bool { rule.usesOutput }

    /// The value f(x).
    ///
    /// ```
    /// y = f(x; p0, p1)
    /// ```
    public func value<T: TensorScalar>(_ x: T, _ p0: T = 0, _ p1: T = 0) -> T { rule.value(x, p0, p1) }

    /// The derivative f′(x) (from the table; y = f(x) is computed here).
    ///
    /// ```
    /// ∂y/∂x = f′(x; p0, p1)
    /// ```
    public func derivative<T: TensorScalar>(_ x: T, _ p0: T = 0, _ p1: T = 0) -> T {
        let r = rule
        return r.derivative(x, r.value(x, p0, p1), p0, p1)
    }

    /// The forward formula as text ("σ(s_1)"), given the operand's name and the parameter's text.
    ///
    /// ```
    /// "relu(x)", "step(x > t)"
    /// ```
    public func valueText(x: String, parameter: String) -> String { rule.valueText(x: x, parameter: parameter) }

    /// ∂y/∂x as text ("y·(1 − y)"), given the operand's name, the result's name and the parameter's text.
    ///
    /// ```
    /// "1 if x > 0, else 0"
    /// ```
    public func derivativeText(x: String, y: String, parameter: String) -> String {
        rule.derivativeText(x: x, y: y, parameter: parameter)
    }
}

/// Returns the rule type itself.
struct RuleType: ElementwiseVisitor {
    func visit<F: ElementwiseRule>(_ rule: F.Type) -> any ElementwiseRule.Type { rule }
}
