// The elementwise functions of the shared table (`ElementwiseFunction`) as one tensor op,
// `Elementwise`, parameterised by the table entry, and the public methods of the functions
// that have a `TensorOpKind` of their own (negate … clamp). The other functions of the
// table (softplus, tan, …) are applied by their own files under Sources/Backprop/Elementwise
// through `applying(_:_:_:)` and recorded as the kind `elementwise`.

extension Tensor {
    /// Elementwise negation.
    ///
    /// ```
    /// y = −x        ∂y/∂x = −1
    /// ```
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static prefix func - (x: Tensor) -> Tensor { x.applying(.negate) }

    /// Elementwise exponential.
    ///
    /// ```
    /// y = eˣ        ∂y/∂x = eˣ = y
    /// ```
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func exp(file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        applying(.exp, file: file, line: line)
    }

    /// Elementwise natural logarithm (NaN for negative inputs, −∞ at 0).
    ///
    /// ```
    /// y = ln x      ∂y/∂x = 1/x
    /// ```
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func log(file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        applying(.log, file: file, line: line)
    }

    /// Elementwise square root.
    ///
    /// ```
    /// y = √x        ∂y/∂x = 1/(2√x)
    /// ```
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func squareRoot(file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        applying(.squareRoot, file: file, line: line)
    }

    /// Elementwise absolute value. The derivative at 0 is taken as 0.
    ///
    /// ```
    /// y = |x|       ∂y/∂x = sign(x)   (0 at x = 0)
    /// ```
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func abs(file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        applying(.abs, file: file, line: line)
    }

    /// Elementwise sine.
    ///
    /// ```
    /// y = sin x     ∂y/∂x = cos x
    /// ```
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func sin(file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        applying(.sin, file: file, line: line)
    }

    /// Elementwise cosine.
    ///
    /// ```
    /// y = cos x     ∂y/∂x = −sin x
    /// ```
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func cos(file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        applying(.cos, file: file, line: line)
    }

    /// Elementwise hyperbolic tangent.
    ///
    /// ```
    /// y = tanh x    ∂y/∂x = 1 − y²
    /// ```
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func tanh(file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        applying(.tanh, file: file, line: line)
    }

    /// Elementwise logistic sigmoid, computed stably (no overflow for large |x|).
    ///
    /// ```
    /// y = 1/(1+e⁻ˣ)  (x ≥ 0),  eˣ/(1+eˣ)  (x < 0)      ∂y/∂x = y(1 − y)
    /// ```
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func sigmoid(file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        applying(.sigmoid, file: file, line: line)
    }

    /// Elementwise rectified linear unit. The derivative at 0 is taken as 0.
    ///
    /// ```
    /// y = max(x, 0)     ∂y/∂x = 1 if x > 0 else 0
    /// ```
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func relu(file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        applying(.relu, file: file, line: line)
    }

    /// Elementwise leaky ReLU with slope `alpha` for negative inputs (derivative at 0 is α).
    ///
    /// ```
    /// y = x (x > 0),  αx (x ≤ 0)      ∂y/∂x = 1 (x > 0),  α (x ≤ 0)
    /// ```
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func leakyRelu(alpha: Scalar = 0.01) -> Tensor { applying(.leakyRelu, alpha) }

    /// Elementwise Heaviside step: 1 where the element exceeds `threshold`, else 0 (the
    /// lecture's threshold unit, and `Value.step`); NaN stays NaN. Its derivative is zero
    /// everywhere (no gradient flows through it).
    ///
    /// ```
    /// y = 1 if x > t else 0      ∂y/∂x = 0
    /// ```
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func step(threshold: Scalar = 0) -> Tensor { applying(.step, threshold) }

    /// Elementwise clamp to `[lower, upper]`. The derivative is 1 strictly inside the
    /// interval and 0 outside and at the bounds.
    ///
    /// ```
    /// y = min(max(x, lower), upper)      ∂y/∂x = 1 if lower < x < upper else 0
    /// ```
    /// Precondition: `lower <= upper`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func clamped(
        lower: Scalar, upper: Scalar, file: StaticString = #fileID, line: UInt = #line
    ) -> Tensor {
        if !(lower <= upper) { tensorError("clamped: lower bound \(lower) exceeds upper bound \(upper)", file: file, line: line) }
        return applying(.clamp, lower, upper, file: file, line: line)
    }
}

/// y = f(x; p0, p1) for a function f of the elementwise table, whose rule type gives the
/// value, the derivative and its recorded (differentiable) form.
///
/// ```
/// y = f(x; p0, p1)      x̄ = ḡ ⊙ f′(x; p0, p1)      (step: no gradient, f′ = 0)
/// ```
/// A first-order backward pass runs the fused loop `ḡ·f′(x)` (`elementwiseDerivative`);
/// a recorded one (`createGraph: true`, or a traced program) the rule's `recordedGradient`,
/// written in tensor ops. The program kernel is `.map(function, p0, p1)`.
struct Elementwise<Scalar: TensorScalar>: TensorOperation {
    /// The table entry.
    let function: ElementwiseFunction
    /// Whether the derivative reads the output (the table's `usesOutput`, kept here so
    /// that recording a node does not look the rule up).
    let savesOutput: Bool
    /// The parameters (α, threshold, bounds; 0 when unused).
    let p0: Scalar, p1: Scalar

    @inline(__always)
    init(_ function: ElementwiseFunction, _ p0: Scalar = 0, _ p1: Scalar = 0) {
        self.function = function
        self.savesOutput = function.usesOutput
        self.p0 = p0
        self.p1 = p1
    }

    /// The functions named before the table existed keep a kind of their own; the others
    /// are all `elementwise` (the function is in the key and the listing).
    var kind: TensorOpKind {
        switch function {
        case .negate: .negate
        case .exp: .exp
        case .log: .log
        case .squareRoot: .squareRoot
        case .abs: .abs
        case .sin: .sin
        case .cos: .cos
        case .tanh: .tanh
        case .sigmoid: .sigmoid
        case .relu: .relu
        case .leakyRelu: .leakyRelu
        case .step: .step
        case .clamp: .clamp
        default: .elementwise
        }
    }

    var listingName: String {
        switch function {
        case .step: "step[> \(p0)]"
        case .leakyRelu: "leakyRelu[\(p0)]"
        case .clamp: "clamp[\(p0), \(p1)]"
        default: function.name
        }
    }

    var keyParameters: [Int]? { [Int(function.rawValue), keyBits(p0), keyBits(p1)] }

    func forward(_ x: [Tensor<Scalar>]) -> Tensor<Scalar> {
        Tensor(storage: x[0].mapped(function, p0, p1), shape: x[0].shape, node: nil)
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func inputGradients(
        inputs x: NodeInputView<Scalar>, output y: Tensor<Scalar>, upstream g: Tensor<Scalar>
    ) -> NodeGradients<Scalar> {
        if function == .step { return NodeGradients(nil) }
        if !isRecordingGradients {
            // First-order pass: ḡ·f′(x) in one fused loop.
            return NodeGradients(Tensor.elementwiseDerivative(function, x: x[0], y: y, upstream: g, p0, p1))
        }
        // The table's recorded rule, ḡ·f′(x) in differentiable tensor ops (masks such as
        // sign(x) = [x > 0] − [−x > 0] are recorded steps, so that a traced program
        // recomputes them from its inputs).
        return NodeGradients(function.rule.recordedGradient(g, x: x[0], y: y, p0, p1))
    }

    func kernel(inputs: [[Int]], shape: [Int]) -> TensorProgram<Scalar>.Kernel? { .map(function, p0, p1) }
}
