/// The op a graph node records. Most ops are defined in one place each, as a
/// `TensorOperation` (Sources/Backprop/Tensor/Ops), and recorded as `.operation(op)`;
/// the cases below are the ops on the small-network hot path that are still written as enum cases,
/// with a line in each switch here: `kind`, `key`, `listingName`, `savesOutput`, the
/// rule `inputGradients` and `evaluate`, and in `TensorProgramBuilder.kernel`. Every
/// rule is written with differentiable `Tensor` ops, so a backward pass run with
/// `createGraph: true` is itself recorded and can be differentiated again.
///
/// ```
/// y = op(x₁, …, xₙ)   rule: ḡ ↦ (ḡ·∂y/∂x₁, …, ḡ·∂y/∂xₙ)   (vector–Jacobian products)
/// ```
enum TensorOp<Scalar: TensorScalar> {
    /// Broadcasting binary ops: a + b, a − b, a ⊙ b, a / b, aᵇ.
    case add, subtract, multiply, divide, power
    /// Elementwise: −x, eˣ, ln x, √x, |x|, sin, cos, tanh, σ, relu (values and
    /// derivatives from the table, `ElementwiseFunction`).
    case negate, exp, log, squareRoot, abs, sin, cos, tanh, sigmoid, relu
    /// Leaky relu with slope α for x ≤ 0.
    ///
    /// The four cases with a `Scalar` payload are `indirect` (boxed): every other
    /// payload has the same layout for Float and Double, so the enum (and the graph
    /// node holding it) gets a fixed layout, and unspecialised generic code copies and
    /// destroys it without looking up type metadata at run time.
    indirect case leakyRelu(alpha: Scalar)
    /// Heaviside step [x > threshold] (derivative zero).
    indirect case step(threshold: Scalar)
    /// min(max(x, lower), upper).
    indirect case clamp(lower: Scalar, upper: Scalar)
    /// A function of the elementwise table without a case of its own here (as softplus).
    indirect case elementwise(ElementwiseFunction, p0: Scalar, p1: Scalar)
    /// A fully connected layer in one op: x·Wᵀ (+ b), x [batch, in], W [out, in], b [out].
    case linear
    /// An op defined in one place, as a `TensorOperation` (Sources/Backprop/Tensor/Ops).
    indirect case operation(any TensorOperation<Scalar>)

    /// The op's kind, without parameters.
    ///
    /// ```
    /// .leakyRelu(alpha: 0.1).kind == .leakyRelu
    /// ```
    var kind: TensorOpKind {
        switch self {
        case .add: .add
        case .subtract: .subtract
        case .multiply: .multiply
        case .divide: .divide
        case .power: .power
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
        case .elementwise: .elementwise
        case .linear: .linear
        case .operation(let op): op.kind
        }
    }

    /// The op with its parameters as a hashable value, for finding repeated
    /// computations: two ops with equal keys compute the same function of their inputs.
    /// Scalars compare by bit pattern (so 0 and −0, whose products differ in sign, stay
    /// apart). Nil for ops that are not compared: `where` (its mask is a tensor) and
    /// custom ops (which may not be pure).
    ///
    /// ```
    /// a.key == b.key  ⇒  a(x₁, …, xₙ) = b(x₁, …, xₙ)
    /// ```
    var key: Key? {
        func bits(_ x: Scalar) -> Int { keyBits(x) }
        let parameters: [Int]
        switch self {
        case .add, .subtract, .multiply, .divide, .power, .negate, .exp, .log, .squareRoot, .abs, .sin, .cos,
             .tanh, .sigmoid, .relu, .linear:
            parameters = []
        case .leakyRelu(let alpha): parameters = [bits(alpha)]
        case .step(let threshold): parameters = [bits(threshold)]
        case .clamp(let lower, let upper): parameters = [bits(lower), bits(upper)]
        case .elementwise(let function, let p0, let p1): parameters = [Int(function.rawValue), bits(p0), bits(p1)]
        case .operation(let op):
            guard let parameters = op.keyParameters else { return nil }
            return Key(kind: op.kind, parameters: parameters)
        }
        return Key(kind: kind, parameters: parameters)
    }

    /// The op's name in a program listing, with the parameters that change its meaning.
    ///
    /// ```
    /// .matmul(transposingA: true, transposingB: false).listingName == "matmul[Aᵀ·B]"
    /// ```
    var listingName: String {
        switch self {
        case .step(let threshold): return "step[> \(threshold)]"
        case .leakyRelu(let alpha): return "leakyRelu[\(alpha)]"
        case .clamp(let lower, let upper): return "clamp[\(lower), \(upper)]"
        case .operation(let op): return op.listingName
        default: return kind.rawValue
        }
    }

    /// An op's kind and parameters (each kind lays its parameters out in one fixed way).
    struct Key: Hashable {
        let kind: TensorOpKind
        let parameters: [Int]
    }

    /// Whether the rule uses the op's output values (kept in the node). A
    /// `TensorOperation` is asked out of line, and the elementwise cases are tested
    /// without building the `(function, p0, p1)` tuple: inlined into unspecialised code,
    /// the tuple's type metadata would be looked up at run time on every recorded op.
    var savesOutput: Bool {
        switch self {
        case .power:
            return true
        case .operation(let op):
            return TensorOp.savesOutput(of: op)
        case .negate: return ElementwiseFunction.negate.usesOutput
        case .exp: return ElementwiseFunction.exp.usesOutput
        case .log: return ElementwiseFunction.log.usesOutput
        case .squareRoot: return ElementwiseFunction.squareRoot.usesOutput
        case .abs: return ElementwiseFunction.abs.usesOutput
        case .sin: return ElementwiseFunction.sin.usesOutput
        case .cos: return ElementwiseFunction.cos.usesOutput
        case .tanh: return ElementwiseFunction.tanh.usesOutput
        case .sigmoid: return ElementwiseFunction.sigmoid.usesOutput
        case .relu: return ElementwiseFunction.relu.usesOutput
        case .leakyRelu: return ElementwiseFunction.leakyRelu.usesOutput
        case .clamp: return ElementwiseFunction.clamp.usesOutput
        case .elementwise(let function, _, _): return function.usesOutput
        default:
            return false
        }
    }

    /// `op.savesOutput`, out of line.
    @inline(never)
    static func savesOutput(of op: any TensorOperation<Scalar>) -> Bool { op.savesOutput }

    /// The kernel function of an elementwise op with a fused derivative, and its parameters.
    var elementwiseFunction: (ElementwiseFunction, Scalar, Scalar)? {
        switch self {
        case .negate: (.negate, 0, 0)
        case .exp: (.exp, 0, 0)
        case .log: (.log, 0, 0)
        case .squareRoot: (.squareRoot, 0, 0)
        case .abs: (.abs, 0, 0)
        case .sin: (.sin, 0, 0)
        case .cos: (.cos, 0, 0)
        case .tanh: (.tanh, 0, 0)
        case .sigmoid: (.sigmoid, 0, 0)
        case .relu: (.relu, 0, 0)
        case .leakyRelu(let alpha): (.leakyRelu, alpha, 0)
        case .clamp(let lower, let upper): (.clamp, lower, upper)
        case .elementwise(let function, let p0, let p1): (function, p0, p1)
        default: nil
        }
    }

    /// The reverse-mode rule table: the gradient of the loss with respect to each
    /// input, given the gradient `upstream` with respect to `output` (nil for inputs
    /// that do not require gradients, and for ops whose derivative is zero).
    ///
    /// ```
    /// x̄ᵢ = ȳ · ∂y/∂xᵢ   (reduced to xᵢ's shape when xᵢ was broadcast)
    /// ```
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func inputGradients(
        inputs x: NodeInputView<Scalar>, output y: Tensor<Scalar>, upstream g: Tensor<Scalar>
    ) -> NodeGradients<Scalar> {
        if !isRecordingGradients, let (function, p0, p1) = elementwiseFunction {
            // First-order pass of an elementwise op: g·f′(x) in one fused loop (the
            // composed rules below are used when the backward pass is recorded).
            return NodeGradients(Tensor.elementwiseDerivative(function, x: x[0], y: y, upstream: g, p0, p1))
        }
        /// Gradient for input i, computed only when input i requires it.
        func grad(_ i: Int, _ body: () -> Tensor<Scalar>) -> Tensor<Scalar>? { x.requiresGradient(i) ? body() : nil }
        switch self {
        case .add:
            return NodeGradients(grad(0) { unbroadcast(g, to: x[0].shape) }, grad(1) { unbroadcast(g, to: x[1].shape) })
        case .subtract:
            return NodeGradients(grad(0) { unbroadcast(g, to: x[0].shape) }, grad(1) { unbroadcast(-g, to: x[1].shape) })
        case .multiply:
            return NodeGradients(grad(0) { unbroadcast(g * x[1], to: x[0].shape) },
                    grad(1) { unbroadcast(g * x[0], to: x[1].shape) })
        case .divide:
            return NodeGradients(grad(0) { unbroadcast(g / x[1], to: x[0].shape) },
                    grad(1) { unbroadcast(-(g * x[0]) / (x[1] * x[1]), to: x[1].shape) })
        case .power:
            return NodeGradients(grad(0) { unbroadcast(g * x[1] * x[0].raised(toPower: x[1] - 1), to: x[0].shape) },
                    grad(1) { unbroadcast(g * y * x[0].log(), to: x[1].shape) })
        case .negate, .exp, .log, .squareRoot, .abs, .sin, .cos, .tanh, .sigmoid, .relu, .leakyRelu, .clamp,
             .elementwise:
            // The table's recorded rule, g·f′(x) in differentiable tensor ops (masks such
            // as sign(x) = [x > 0] − [−x > 0] are recorded steps, so that a traced program
            // recomputes them from its inputs).
            let (function, p0, p1) = elementwiseFunction!
            return NodeGradients(function.rule.recordedGradient(g, x: x[0], y: y, p0, p1))
        case .step:
            return NodeGradients(nil)
        case .linear:
            // y = x·Wᵀ + b:  ∂L/∂x = Ḡ·W,  ∂L/∂W = Ḡᵀ·x,  ∂L/∂b = Σ_rows Ḡ.
            @inline(__always) func mm(_ a: Tensor<Scalar>, _ b: Tensor<Scalar>, _ ta: Bool) -> Tensor<Scalar> {
                isRecordingGradients ? a.matmul(b, transposingSelf: ta)
                    : Tensor.matmulConstant(a, transposingA: ta, b, transposingB: false)
            }
            let gx = grad(0) { mm(g, x[1], false) }, gw = grad(1) { mm(g, x[0], true) }
            if x.count == 3 {
                // One row: the bias gradient is that row (a reshape, not a reduction).
                let gb = grad(2) { g.shape[0] == 1 ? g.reshaped(to: [g.shape[1]]) : g.sum(alongAxes: [0]) }
                return NodeGradients(gx, gw, gb)
            }
            return NodeGradients(gx, gw)
        case .operation(let op):
            return op.inputGradients(inputs: x, output: y, upstream: g)
        }
    }
}

extension TensorOp {
    /// The op's forward computation on constant inputs, giving a result of `shape`: how a
    /// `TensorProgram` replays an op that has no dedicated kernel there. Beside the rule
    /// table, and just as exhaustive: a new case does not compile without it.
    ///
    /// ```
    /// y = op(x₁, …, xₙ)
    /// ```
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func evaluate(_ x: [Tensor<Scalar>], shape: [Int]) -> Tensor<Scalar> {
        switch self {
        case .add: x[0] + x[1]
        case .subtract: x[0] - x[1]
        case .multiply: x[0] * x[1]
        case .divide: x[0] / x[1]
        case .power: x[0].raised(toPower: x[1])
        case .negate: -x[0]
        case .exp: x[0].exp()
        case .log: x[0].log()
        case .squareRoot: x[0].squareRoot()
        case .abs: x[0].abs()
        case .sin: x[0].sin()
        case .cos: x[0].cos()
        case .tanh: x[0].tanh()
        case .sigmoid: x[0].sigmoid()
        case .relu: x[0].relu()
        case .leakyRelu(let alpha): x[0].leakyRelu(alpha: alpha)
        case .step(let threshold): x[0].step(threshold: threshold)
        case .clamp(let lower, let upper): x[0].clamped(lower: lower, upper: upper)
        case .elementwise(let function, let p0, let p1): x[0].applying(function, p0, p1)
        case .linear: x[0].linear(weight: x[1], bias: x.count == 3 ? x[2] : nil)
        case .operation(let op): op.forward(x)
        }
    }
}

/// Reshapes a reduced gradient back to the input's rank (size-1 reduced axes), so it
/// broadcasts against the input.
@_specialize(where Scalar == Float)
@_specialize(where Scalar == Double)
func restoreReducedAxes<Scalar>(
    _ g: Tensor<Scalar>, axes: [Int], keep: Bool, inputShape: [Int]
) -> Tensor<Scalar> {
    if keep { return g }
    var shape = inputShape
    for a in axes { shape[a] = 1 }
    return g.reshaped(to: shape)
}
