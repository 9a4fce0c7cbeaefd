/// The elementwise functions shared by the scalar engine (`Value`), the tensor kernels
/// (`Tensor`, `TensorProgram`) and the teaching module's step-through rules.
///
/// Each case names one rule type (an `ElementwiseRule`, in `ElementwiseRules.swift` or a
/// file of its own) that defines the function once: its value, its derivative, its name
/// and symbol, and its derivative as text. `visit(_:)` is the only place that lists them.
///
/// ```
/// y = f(x; p0, p1)      ∂y/∂x = f′(x; p0, p1)      (p0, p1: α, threshold, bounds)
/// ```
public enum ElementwiseFunction: UInt8, CaseIterable, Sendable, CustomStringConvertible {
    /// −x, eˣ, ln x, √x, |x|, sin, cos, tanh, σ, max(x, 0).
    case negate, exp, log, squareRoot, abs, sin, cos, tanh, sigmoid, relu
    /// Parameterised: leaky relu (α = p0), step (threshold p0), clamp (p0...p1).
    case leakyRelu, step, clamp
    /// log(1 + eˣ), computed stably.
    case softplus
    /// tan, atan, log(1 + x), eˣ − 1, erf, erfc, and GELU x·Φ(x).
    case tan, atan, log1p, expm1, erf, erfc, gelu

    /// Calls `visitor` with the function's rule type: one `switch`, so that loops
    /// generic over the rule are specialised per function (no per-element dispatch).
    @inlinable @inline(__always)
    func visit<V: ElementwiseVisitor>(_ visitor: V) -> V.Result {
        switch self {
        case .negate: visitor.visit(NegateRule.self)
        case .exp: visitor.visit(ExpRule.self)
        case .log: visitor.visit(LogRule.self)
        case .squareRoot: visitor.visit(SquareRootRule.self)
        case .abs: visitor.visit(AbsRule.self)
        case .sin: visitor.visit(SinRule.self)
        case .cos: visitor.visit(CosRule.self)
        case .tanh: visitor.visit(TanhRule.self)
        case .sigmoid: visitor.visit(SigmoidRule.self)
        case .relu: visitor.visit(ReluRule.self)
        case .leakyRelu: visitor.visit(LeakyReluRule.self)
        case .step: visitor.visit(StepRule.self)
        case .clamp: visitor.visit(ClampRule.self)
        case .softplus: visitor.visit(SoftplusRule.self)
        case .tan: visitor.visit(TanRule.self)
        case .atan: visitor.visit(AtanRule.self)
        case .log1p: visitor.visit(Log1pRule.self)
        case .expm1: visitor.visit(Expm1Rule.self)
        case .erf: visitor.visit(ErfRule.self)
        case .erfc: visitor.visit(ErfcRule.self)
        case .gelu: visitor.visit(GeluRule.self)
        }
    }
}

/// A computation generic over one elementwise rule, run by `ElementwiseFunction.visit`.
@usableFromInline
protocol ElementwiseVisitor {
    associatedtype Result
    func visit<F: ElementwiseRule>(_ rule: F.Type) -> Result
}
