extension Tensor {
    /// New storage of `n` elements written by `body` (which must write all of them).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    @inline(__always)
    static func makeStorage(_ n: Int, _ body: (UnsafeMutableBufferPointer<Scalar>) -> Void) -> TensorStorage<Scalar> {
        TensorStorage<Scalar>(unsafeUninitializedCapacity: n) { buffer, initialized in
            body(buffer)
            initialized = n
        }
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func mapped(_ function: ElementwiseFunction, _ p0: Scalar = 0, _ p1: Scalar = 0) -> TensorStorage<Scalar> {
        Tensor.makeStorage(count) { out in
            storage.withUnsafeBufferPointer { Scalar._map(function, $0, out, p0, p1) }
        }
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func unary(
        _ function: ElementwiseFunction, _ op: @autoclosure () -> TensorOp<Scalar>, _ p0: Scalar = 0, _ p1: Scalar = 0,
        file: StaticString = #fileID, line: UInt = #line
    ) -> Tensor {
        Tensor.result(mapped(function, p0, p1), shape, op(), self, file: file, line: line)
    }

    /// Applies a function of the elementwise table that has no `TensorOp` case of its own.
    ///
    /// ```
    /// y = f(x; p0, p1)      ∂y/∂x = f′(x; p0, p1)
    /// ```
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func applying(
        _ function: ElementwiseFunction, _ p0: Scalar = 0, _ p1: Scalar = 0, file: StaticString = #fileID, line: UInt = #line
    ) -> Tensor {
        unary(function, .elementwise(function, p0: p0, p1: p1), p0, p1, file: file, line: line)
    }

    // MARK: Unary ops

    /// Elementwise negation.
    ///
    /// ```
    /// y = −x        ∂y/∂x = −1
    /// ```
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static prefix func - (x: Tensor) -> Tensor { x.unary(.negate, .negate) }

    /// Elementwise exponential.
    ///
    /// ```
    /// y = eˣ        ∂y/∂x = eˣ = y
    /// ```
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func exp(file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        unary(.exp, .exp, file: file, line: line)
    }

    /// Elementwise natural logarithm (NaN for negative inputs, −∞ at 0).
    ///
    /// ```
    /// y = ln x      ∂y/∂x = 1/x
    /// ```
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func log(file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        unary(.log, .log, file: file, line: line)
    }

    /// Elementwise square root.
    ///
    /// ```
    /// y = √x        ∂y/∂x = 1/(2√x)
    /// ```
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func squareRoot(file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        unary(.squareRoot, .squareRoot, file: file, line: line)
    }

    /// Elementwise absolute value. The derivative at 0 is taken as 0.
    ///
    /// ```
    /// y = |x|       ∂y/∂x = sign(x)   (0 at x = 0)
    /// ```
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func abs(file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        unary(.abs, .abs, file: file, line: line)
    }

    /// Elementwise sine.
    ///
    /// ```
    /// y = sin x     ∂y/∂x = cos x
    /// ```
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func sin(file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        unary(.sin, .sin, file: file, line: line)
    }

    /// Elementwise cosine.
    ///
    /// ```
    /// y = cos x     ∂y/∂x = −sin x
    /// ```
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func cos(file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        unary(.cos, .cos, file: file, line: line)
    }

    /// Elementwise hyperbolic tangent.
    ///
    /// ```
    /// y = tanh x    ∂y/∂x = 1 − y²
    /// ```
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func tanh(file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        unary(.tanh, .tanh, file: file, line: line)
    }

    /// Elementwise logistic sigmoid, computed stably (no overflow for large |x|).
    ///
    /// ```
    /// y = 1/(1+e⁻ˣ)  (x ≥ 0),  eˣ/(1+eˣ)  (x < 0)      ∂y/∂x = y(1 − y)
    /// ```
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func sigmoid(file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        unary(.sigmoid, .sigmoid, file: file, line: line)
    }

    /// Elementwise rectified linear unit. The derivative at 0 is taken as 0.
    ///
    /// ```
    /// y = max(x, 0)     ∂y/∂x = 1 if x > 0 else 0
    /// ```
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func relu(file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        unary(.relu, .relu, file: file, line: line)
    }

    /// Elementwise leaky ReLU with slope `alpha` for negative inputs (derivative at 0 is α).
    ///
    /// ```
    /// y = x (x > 0),  αx (x ≤ 0)      ∂y/∂x = 1 (x > 0),  α (x ≤ 0)
    /// ```
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func leakyRelu(alpha: Scalar = 0.01) -> Tensor { unary(.leakyRelu, .leakyRelu(alpha: alpha), alpha) }

    /// Elementwise Heaviside step: 1 where the element exceeds `threshold`, else 0 (the
    /// lecture's threshold unit, and `Value.step`); NaN stays NaN. Its derivative is zero
    /// everywhere (no gradient flows through it).
    ///
    /// ```
    /// y = 1 if x > t else 0      ∂y/∂x = 0
    /// ```
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func step(threshold: Scalar = 0) -> Tensor { unary(.step, .step(threshold: threshold), threshold) }

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
        return unary(.clamp, .clamp(lower: lower, upper: upper), lower, upper)
    }

    /// `upstream ⊙ f′(x)` as a constant, in one loop (first-order backward passes).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    static func elementwiseDerivative(
        _ function: ElementwiseFunction, x: Tensor, y: Tensor, upstream g: Tensor, _ p0: Scalar, _ p1: Scalar
    ) -> Tensor {
        let out = makeStorage(g.count) { o in
            x.storage.withUnsafeBufferPointer { xb in
                g.storage.withUnsafeBufferPointer { gb in
                    if y.storage.count == g.count {
                        y.storage.withUnsafeBufferPointer { Scalar._mapDerivative(function, xb, $0, gb, o, p0, p1) }
                    } else {  // y not saved (the function does not need it)
                        Scalar._mapDerivative(function, xb, xb, gb, o, p0, p1)
                    }
                }
            }
        }
        return Tensor(storage: out, shape: g.shape, node: nil)
    }


    // MARK: Binary ops with broadcasting

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func binary(
        _ other: Tensor, _ function: BinaryFunction, _ op: @autoclosure () -> TensorOp<Scalar>, _ name: String,
        file: StaticString, line: UInt
    ) -> Tensor {
        // The result's shape, without allocating one for equal shapes, scalars and
        // trailing blocks (bias rows).
        let outShape: [Int]
        if shape == other.shape || (other.count == 1 && other.rank <= rank)
            || (other.rank <= rank && BroadcastPlan.isTrailingBlock(other.shape, of: shape)) {
            outShape = shape
        } else if (count == 1 && rank <= other.rank) || (rank <= other.rank && BroadcastPlan.isTrailingBlock(shape, of: other.shape)) {
            outShape = other.shape
        } else {
            switch broadcastShape(shape, other.shape) {
            case .success(let s): outShape = s
            case .failure(let f):
                tensorError(
                    "\(name): shapes \(shape) and \(other.shape) do not broadcast: axis \(f.axis) has extents \(f.left) and \(f.right) (must be equal or 1)",
                    file: file, line: line)
            }
        }
        let n = outShape.reduce(1, *)
        let out: TensorStorage<Scalar>
        var plan = BroadcastPlan(shape, other.shape, result: outShape)
        // Short blocks pay one kernel call each; fine while the whole result is small.
        if case .repeatedBlock(_, let block) = plan, block < (n <= 256 ? 1 : 4) {
            plan = .strided(left: broadcastStrides(shape, to: outShape), right: broadcastStrides(other.shape, to: outShape))
        }
        switch plan {
        case .elementwise, .scalar:
            out = Tensor.makeStorage(n) { o in
                storage.withUnsafeBufferPointer { a in
                    other.storage.withUnsafeBufferPointer { b in Scalar._combine(function, a, nil, b, nil, o) }
                }
            }
        case .repeatedBlock(.right, _):
            out = combinedWithRepeatedBlock(other, function, n, otherIsRight: true)
        case .repeatedBlock(.left, _):
            out = other.combinedWithRepeatedBlock(self, function, n, otherIsRight: false)
        case .expanded(.right, _):
            out = repeatedElements(other, function, n, otherIsRight: true)
        case .expanded(.left, _):
            out = other.repeatedElements(self, function, n, otherIsRight: false)
        case .strided(let left, let right):
            out = Tensor.makeStorage(n) { o in
                storage.withUnsafeBufferPointer { a in
                    other.storage.withUnsafeBufferPointer { b in
                        guard let ap = a.baseAddress, let bp = b.baseAddress, let op = o.baseAddress else { return }
                        Scalar._combineStrided(function, ap, bp, op, shape: outShape, aStrides: left, bStrides: right)
                    }
                }
            }
        }
        return Tensor.result(out, outShape, op(), self, other, file: file, line: line)
    }

    /// `self ∘ other` (or `other ∘ self` when `otherIsRight` is false) where `other` is
    /// a block repeated `n / other.count` times to fill `self`'s `n` elements.
    ///
    /// ```
    /// out[j·m + i] = f(self[j·m + i], other[i]),   m = other.count
    /// ```
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func combinedWithRepeatedBlock(
        _ other: Tensor, _ function: BinaryFunction, _ n: Int, otherIsRight: Bool
    ) -> TensorStorage<Scalar> {
        let block = other.count
        return Tensor.makeStorage(n) { o in
            storage.withUnsafeBufferPointer { a in
                other.storage.withUnsafeBufferPointer { b in
                    for start in stride(from: 0, to: n, by: block) {
                        let out = UnsafeMutableBufferPointer(rebasing: o[start..<(start + block)])
                        let part = UnsafeBufferPointer(rebasing: a[start..<(start + block)])
                        if otherIsRight {
                            Scalar._combine(function, part, nil, b, nil, out)
                        } else {
                            Scalar._combine(function, b, nil, part, nil, out)
                        }
                    }
                }
            }
        }
    }

    /// `self ⊕ e` (or `e ⊕ self`) where each element e of `other` covers a contiguous
    /// run of `n / other.count` elements of `self`: one scalar-broadcast kernel call per run.
    func repeatedElements(_ other: Tensor, _ function: BinaryFunction, _ n: Int, otherIsRight: Bool) -> TensorStorage<Scalar> {
        let run = n / other.count
        return Tensor.makeStorage(n) { o in
            storage.withUnsafeBufferPointer { a in
                other.storage.withUnsafeBufferPointer { b in
                    for j in 0..<other.count {
                        let range = (j * run)..<((j + 1) * run)
                        let out = UnsafeMutableBufferPointer(rebasing: o[range])
                        let part = UnsafeBufferPointer(rebasing: a[range]), e = UnsafeBufferPointer(rebasing: b[j..<(j + 1)])
                        if otherIsRight {
                            Scalar._combine(function, part, nil, e, nil, out)
                        } else {
                            Scalar._combine(function, e, nil, part, nil, out)
                        }
                    }
                }
            }
        }
    }

    /// Elementwise sum with broadcasting.
    ///
    /// ```
    /// y = a + b      ∂y/∂a = 1,  ∂y/∂b = 1   (summed over broadcast axes)
    /// ```
    /// Precondition: the shapes broadcast.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func adding(_ other: Tensor, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        binary(other, .add, .add, "add", file: file, line: line)
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
        binary(other, .subtract, .subtract, "subtract", file: file, line: line)
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
        binary(other, .multiply, .multiply, "multiply", file: file, line: line)
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
        binary(other, .divide, .divide, "divide", file: file, line: line)
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
        binary(exponent, .power, .power, "power", file: file, line: line)
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
    public static func + (a: Tensor, b: Tensor) -> Tensor { a.binary(b, .add, .add, "add", file: #fileID, line: #line) }
    /// Elementwise difference (see `subtracting(_:)`).
    ///
    /// ```
    /// y = a − b
    /// ```
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func - (a: Tensor, b: Tensor) -> Tensor {
        a.binary(b, .subtract, .subtract, "subtract", file: #fileID, line: #line)
    }
    /// Elementwise product (see `multiplied(by:)`).
    ///
    /// ```
    /// y = a ⊙ b
    /// ```
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func * (a: Tensor, b: Tensor) -> Tensor {
        a.binary(b, .multiply, .multiply, "multiply", file: #fileID, line: #line)
    }
    /// Elementwise quotient (see `divided(by:)`).
    ///
    /// ```
    /// y = a / b
    /// ```
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func / (a: Tensor, b: Tensor) -> Tensor {
        a.binary(b, .divide, .divide, "divide", file: #fileID, line: #line)
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
