// The broadcasting arithmetic: a + b, a − b, a ⊙ b, a / b and aᵇ, one op type each
// (`Add`, `Subtract`, `Multiply`, `Divide`, `Power`), with their public methods and
// operators. The broadcasting loops they share are `binary` in Tensor+Elementwise.swift.

extension Tensor {
    /// Elementwise sum with broadcasting.
    ///
    /// ```
    /// y = a + b      ∂y/∂a = 1,  ∂y/∂b = 1   (summed over broadcast axes)
    /// ```
    /// Precondition: the shapes broadcast.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func adding(_ other: Tensor, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        binary(other, .add, Add(), "add", file: file, line: line)
    }

    /// Elementwise difference with broadcasting.
    ///
    /// ```
    /// y = a − b      ∂y/∂a = 1,  ∂y/∂b = −1
    /// ```
    /// Precondition: the shapes broadcast.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func subtracting(_ other: Tensor, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        binary(other, .subtract, Subtract(), "subtract", file: file, line: line)
    }

    /// Elementwise (Hadamard) product with broadcasting.
    ///
    /// ```
    /// y = a ⊙ b      ∂y/∂a = b,  ∂y/∂b = a
    /// ```
    /// Precondition: the shapes broadcast.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func multiplied(by other: Tensor, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        binary(other, .multiply, Multiply(), "multiply", file: file, line: line)
    }

    /// Elementwise quotient with broadcasting.
    ///
    /// ```
    /// y = a / b      ∂y/∂a = 1/b,  ∂y/∂b = −a/b²
    /// ```
    /// Precondition: the shapes broadcast.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func divided(by other: Tensor, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        binary(other, .divide, Divide(), "divide", file: file, line: line)
    }

    /// Elementwise power with broadcasting. The exponent's gradient uses ln a, so it is
    /// NaN for negative bases (it is only computed when the exponent requires gradients).
    ///
    /// ```
    /// y = aᵇ      ∂y/∂a = b·aᵇ⁻¹,  ∂y/∂b = aᵇ·ln a
    /// ```
    /// Precondition: the shapes broadcast.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func raised(toPower exponent: Tensor, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        binary(exponent, .power, Power(), "power", file: file, line: line)
    }

    /// Elementwise power with a constant exponent.
    ///
    /// ```
    /// y = aᵖ      ∂y/∂a = p·aᵖ⁻¹
    /// ```
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func raised(toPower exponent: Scalar) -> Tensor { raised(toPower: Tensor(exponent)) }

    /// Elementwise sum (see `adding(_:)`; operators cannot report the caller's line).
    ///
    /// ```
    /// y = a + b
    /// ```
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func + (a: Tensor, b: Tensor) -> Tensor { a.binary(b, .add, Add(), "add", file: #fileID, line: #line) }
    /// Elementwise difference (see `subtracting(_:)`).
    ///
    /// ```
    /// y = a − b
    /// ```
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func - (a: Tensor, b: Tensor) -> Tensor {
        a.binary(b, .subtract, Subtract(), "subtract", file: #fileID, line: #line)
    }
    /// Elementwise product (see `multiplied(by:)`).
    ///
    /// ```
    /// y = a ⊙ b
    /// ```
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func * (a: Tensor, b: Tensor) -> Tensor {
        a.binary(b, .multiply, Multiply(), "multiply", file: #fileID, line: #line)
    }
    /// Elementwise quotient (see `divided(by:)`).
    ///
    /// ```
    /// y = a / b
    /// ```
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func / (a: Tensor, b: Tensor) -> Tensor {
        a.binary(b, .divide, Divide(), "divide", file: #fileID, line: #line)
    }

    /// Adds a scalar to every element.
    ///
    /// ```
    /// y = a + s      ∂y/∂a = 1
    /// ```
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func + (a: Tensor, s: Scalar) -> Tensor { a + Tensor(s) }
    /// Adds a scalar to every element.
    ///
    /// ```
    /// y = s + b      ∂y/∂b = 1
    /// ```
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func + (s: Scalar, b: Tensor) -> Tensor { Tensor(s) + b }
    /// Subtracts a scalar from every element.
    ///
    /// ```
    /// y = a − s      ∂y/∂a = 1
    /// ```
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func - (a: Tensor, s: Scalar) -> Tensor { a - Tensor(s) }
    /// Subtracts every element from a scalar.
    ///
    /// ```
    /// y = s − b      ∂y/∂b = −1
    /// ```
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func - (s: Scalar, b: Tensor) -> Tensor { Tensor(s) - b }
    /// Multiplies every element by a scalar.
    ///
    /// ```
    /// y = a·s      ∂y/∂a = s
    /// ```
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func * (a: Tensor, s: Scalar) -> Tensor { a * Tensor(s) }
    /// Multiplies every element by a scalar.
    ///
    /// ```
    /// y = s·b      ∂y/∂b = s
    /// ```
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func * (s: Scalar, b: Tensor) -> Tensor { Tensor(s) * b }
    /// Divides every element by a scalar.
    ///
    /// ```
    /// y = a/s      ∂y/∂a = 1/s
    /// ```
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func / (a: Tensor, s: Scalar) -> Tensor { a / Tensor(s) }
    /// Divides a scalar by every element.
    ///
    /// ```
    /// y = s/b      ∂y/∂b = −s/b²
    /// ```
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func / (s: Scalar, b: Tensor) -> Tensor { Tensor(s) / b }
}

/// The compiled program's kernel for a broadcasting binary function: one loop over the
/// result for equal shapes, a scalar or a repeated block (a bias row), and for an operand
/// expanded along trailing axes (a column); any other broadcast reads both operands
/// through their broadcast strides (`broadcastingLoop`, the eager op's loop).
///
/// ```
/// out[i] = a[i mod aCount] ∘ b[i mod bCount]      or      a[i] ∘ b[i / inner]
/// ```
func broadcastingKernel<Scalar>(
    _ f: BinaryFunction, inputs x: [[Int]], shape: [Int]
) -> TensorProgram<Scalar>.Kernel? {
    switch BroadcastPlan(x[0], x[1], result: shape) {
    case .elementwise, .scalar, .repeatedBlock: .combine(f)
    case .expanded(let side, let inner): .combineExpanded(f, inner: inner, expandedOnRight: side == .right)
    case .strided: x[0].reduce(1, *) > 0 && x[1].reduce(1, *) > 0 ? .combineStrided(f) : nil
    }
}

/// The loop a broadcast the planner calls strided runs (nil for the other plans).
///
/// ```
/// out[i] = a[Σₖ iₖ·saₖ] ∘ b[Σₖ iₖ·sbₖ]      (sₖ = 0 along each operand's broadcast axes)
/// ```
func broadcastingLoop(inputs x: [[Int]], shape: [Int]) -> OperandLoop? {
    guard case .strided(let left, let right) = BroadcastPlan(x[0], x[1], result: shape) else { return nil }
    return OperandLoop(shape: shape, left, right)
}

/// a + b with broadcasting.
///
/// ```
/// y = a + b      ā = unbroadcast(ḡ),  b̄ = unbroadcast(ḡ)
/// ```
struct Add<Scalar: TensorScalar>: TensorOperation {
    var kind: TensorOpKind { .add }

    func forward(_ x: [Tensor<Scalar>]) -> Tensor<Scalar> { x[0] + x[1] }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func inputGradients(
        inputs x: NodeInputView<Scalar>, output y: Tensor<Scalar>, upstream g: Tensor<Scalar>
    ) -> NodeGradients<Scalar> {
        NodeGradients(x.requiresGradient(0) ? unbroadcast(g, to: x[0].shape) : nil,
                      x.requiresGradient(1) ? unbroadcast(g, to: x[1].shape) : nil)
    }

    func kernel(inputs x: [[Int]], shape: [Int]) -> TensorProgram<Scalar>.Kernel? {
        broadcastingKernel(.add, inputs: x, shape: shape)
    }

    func kernelLoop(inputs x: [[Int]], shape: [Int]) -> OperandLoop? { broadcastingLoop(inputs: x, shape: shape) }
}

/// a − b with broadcasting.
///
/// ```
/// y = a − b      ā = unbroadcast(ḡ),  b̄ = unbroadcast(−ḡ)
/// ```
struct Subtract<Scalar: TensorScalar>: TensorOperation {
    var kind: TensorOpKind { .subtract }

    func forward(_ x: [Tensor<Scalar>]) -> Tensor<Scalar> { x[0] - x[1] }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func inputGradients(
        inputs x: NodeInputView<Scalar>, output y: Tensor<Scalar>, upstream g: Tensor<Scalar>
    ) -> NodeGradients<Scalar> {
        NodeGradients(x.requiresGradient(0) ? unbroadcast(g, to: x[0].shape) : nil,
                      x.requiresGradient(1) ? unbroadcast(-g, to: x[1].shape) : nil)
    }

    func kernel(inputs x: [[Int]], shape: [Int]) -> TensorProgram<Scalar>.Kernel? {
        broadcastingKernel(.subtract, inputs: x, shape: shape)
    }

    func kernelLoop(inputs x: [[Int]], shape: [Int]) -> OperandLoop? { broadcastingLoop(inputs: x, shape: shape) }
}

/// a ⊙ b with broadcasting.
///
/// ```
/// y = a ⊙ b      ā = unbroadcast(ḡ ⊙ b),  b̄ = unbroadcast(ḡ ⊙ a)
/// ```
struct Multiply<Scalar: TensorScalar>: TensorOperation {
    var kind: TensorOpKind { .multiply }

    func forward(_ x: [Tensor<Scalar>]) -> Tensor<Scalar> { x[0] * x[1] }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func inputGradients(
        inputs x: NodeInputView<Scalar>, output y: Tensor<Scalar>, upstream g: Tensor<Scalar>
    ) -> NodeGradients<Scalar> {
        NodeGradients(x.requiresGradient(0) ? unbroadcast(g * x[1], to: x[0].shape) : nil,
                      x.requiresGradient(1) ? unbroadcast(g * x[0], to: x[1].shape) : nil)
    }

    func kernel(inputs x: [[Int]], shape: [Int]) -> TensorProgram<Scalar>.Kernel? {
        broadcastingKernel(.multiply, inputs: x, shape: shape)
    }

    func kernelLoop(inputs x: [[Int]], shape: [Int]) -> OperandLoop? { broadcastingLoop(inputs: x, shape: shape) }
}

/// a / b with broadcasting.
///
/// ```
/// y = a / b      ā = unbroadcast(ḡ / b),  b̄ = unbroadcast(−(ḡ ⊙ a) / b²)
/// ```
struct Divide<Scalar: TensorScalar>: TensorOperation {
    var kind: TensorOpKind { .divide }

    func forward(_ x: [Tensor<Scalar>]) -> Tensor<Scalar> { x[0] / x[1] }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func inputGradients(
        inputs x: NodeInputView<Scalar>, output y: Tensor<Scalar>, upstream g: Tensor<Scalar>
    ) -> NodeGradients<Scalar> {
        NodeGradients(x.requiresGradient(0) ? unbroadcast(g / x[1], to: x[0].shape) : nil,
                      x.requiresGradient(1) ? unbroadcast(-(g * x[0]) / (x[1] * x[1]), to: x[1].shape) : nil)
    }

    func kernel(inputs x: [[Int]], shape: [Int]) -> TensorProgram<Scalar>.Kernel? {
        broadcastingKernel(.divide, inputs: x, shape: shape)
    }

    func kernelLoop(inputs x: [[Int]], shape: [Int]) -> OperandLoop? { broadcastingLoop(inputs: x, shape: shape) }
}

/// aᵇ with broadcasting; the rule reads the output (for b̄).
///
/// ```
/// y = aᵇ      ā = unbroadcast(ḡ ⊙ b ⊙ aᵇ⁻¹),  b̄ = unbroadcast(ḡ ⊙ y ⊙ ln a)
/// ```
struct Power<Scalar: TensorScalar>: TensorOperation {
    var kind: TensorOpKind { .power }
    var savesOutput: Bool { true }

    func forward(_ x: [Tensor<Scalar>]) -> Tensor<Scalar> { x[0].raised(toPower: x[1]) }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func inputGradients(
        inputs x: NodeInputView<Scalar>, output y: Tensor<Scalar>, upstream g: Tensor<Scalar>
    ) -> NodeGradients<Scalar> {
        NodeGradients(x.requiresGradient(0) ? unbroadcast(g * x[1] * x[0].raised(toPower: x[1] - 1), to: x[0].shape) : nil,
                      x.requiresGradient(1) ? unbroadcast(g * y * x[0].log(), to: x[1].shape) : nil)
    }

    func kernel(inputs x: [[Int]], shape: [Int]) -> TensorProgram<Scalar>.Kernel? {
        broadcastingKernel(.power, inputs: x, shape: shape)
    }

    func kernelLoop(inputs x: [[Int]], shape: [Int]) -> OperandLoop? { broadcastingLoop(inputs: x, shape: shape) }
}
