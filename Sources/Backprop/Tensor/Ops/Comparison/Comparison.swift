// Elementwise comparisons of broadcasting tensors (and of a tensor with a scalar):
// 0/1 masks of the same element type, recorded ops with zero gradient.

extension TensorOpKind {
    /// `a < b`, elementwise (a 0/1 mask).
    public static let isLess = TensorOpKind(rawValue: "isLess")
    /// `a ≤ b`, elementwise (a 0/1 mask).
    public static let isLessOrEqual = TensorOpKind(rawValue: "isLessOrEqual")
    /// `a > b`, elementwise (a 0/1 mask).
    public static let isGreater = TensorOpKind(rawValue: "isGreater")
    /// `a ≥ b`, elementwise (a 0/1 mask).
    public static let isGreaterOrEqual = TensorOpKind(rawValue: "isGreaterOrEqual")
    /// `a = b`, elementwise (a 0/1 mask).
    public static let isEqual = TensorOpKind(rawValue: "isEqual")
    /// `a ≠ b`, elementwise (a 0/1 mask).
    public static let isNotEqual = TensorOpKind(rawValue: "isNotEqual")
}

/// Which comparison a `Comparison` op makes.
enum ComparisonPredicate: Int, CaseIterable {
    case less, lessOrEqual, greater, greaterOrEqual, equal, notEqual

    /// The op kind of the predicate.
    var kind: TensorOpKind {
        switch self {
        case .less: .isLess
        case .lessOrEqual: .isLessOrEqual
        case .greater: .isGreater
        case .greaterOrEqual: .isGreaterOrEqual
        case .equal: .isEqual
        case .notEqual: .isNotEqual
        }
    }

    /// The predicate's symbol, for listings and messages.
    var symbol: String {
        switch self {
        case .less: "<"
        case .lessOrEqual: "≤"
        case .greater: ">"
        case .greaterOrEqual: "≥"
        case .equal: "="
        case .notEqual: "≠"
        }
    }

    /// IEEE comparison: false with a NaN operand, except `≠`, which is true.
    @inline(__always)
    func holds<Scalar: TensorScalar>(_ a: Scalar, _ b: Scalar) -> Bool {
        switch self {
        case .less: a < b
        case .lessOrEqual: a <= b
        case .greater: a > b
        case .greaterOrEqual: a >= b
        case .equal: a == b
        case .notEqual: a != b
        }
    }
}

extension Tensor {
    /// The mask `self < other` (1 where true, 0 where false), with broadcasting. A
    /// recorded op with zero derivative: a compiled program recomputes the mask from its
    /// inputs at every call. NaN compares false.
    ///
    /// ```
    /// y = [a < b]      ∂y/∂a = ∂y/∂b = 0
    /// ```
    public func isLess(than other: Tensor, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        compared(.less, other, file: file, line: line)
    }

    /// The mask `self < other` for a scalar `other`.
    ///
    /// ```
    /// y = [x < c]
    /// ```
    public func isLess(than other: Scalar, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        compared(.less, Tensor(other), file: file, line: line)
    }

    /// The mask `self ≤ other`, with broadcasting (zero derivative; NaN compares false).
    ///
    /// ```
    /// y = [a ≤ b]      ∂y/∂a = ∂y/∂b = 0
    /// ```
    public func isLessThanOrEqual(to other: Tensor, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        compared(.lessOrEqual, other, file: file, line: line)
    }

    /// The mask `self ≤ other` for a scalar `other`.
    ///
    /// ```
    /// y = [x ≤ c]
    /// ```
    public func isLessThanOrEqual(to other: Scalar, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        compared(.lessOrEqual, Tensor(other), file: file, line: line)
    }

    /// The mask `self > other`, with broadcasting (zero derivative; NaN compares false).
    ///
    /// ```
    /// y = [a > b]      ∂y/∂a = ∂y/∂b = 0
    /// ```
    public func isGreater(than other: Tensor, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        compared(.greater, other, file: file, line: line)
    }

    /// The mask `self > other` for a scalar `other`.
    ///
    /// ```
    /// y = [x > c]
    /// ```
    public func isGreater(than other: Scalar, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        compared(.greater, Tensor(other), file: file, line: line)
    }

    /// The mask `self ≥ other`, with broadcasting (zero derivative; NaN compares false).
    ///
    /// ```
    /// y = [a ≥ b]      ∂y/∂a = ∂y/∂b = 0
    /// ```
    public func isGreaterThanOrEqual(to other: Tensor, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        compared(.greaterOrEqual, other, file: file, line: line)
    }

    /// The mask `self ≥ other` for a scalar `other`.
    ///
    /// ```
    /// y = [x ≥ c]
    /// ```
    public func isGreaterThanOrEqual(to other: Scalar, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        compared(.greaterOrEqual, Tensor(other), file: file, line: line)
    }

    /// The mask `self = other`, with broadcasting (zero derivative; NaN equals nothing,
    /// not even NaN).
    ///
    /// ```
    /// y = [a = b]      ∂y/∂a = ∂y/∂b = 0
    /// ```
    public func isEqual(to other: Tensor, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        compared(.equal, other, file: file, line: line)
    }

    /// The mask `self = other` for a scalar `other`.
    ///
    /// ```
    /// y = [x = c]
    /// ```
    public func isEqual(to other: Scalar, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        compared(.equal, Tensor(other), file: file, line: line)
    }

    /// The mask `self ≠ other`, with broadcasting (zero derivative; true where either
    /// element is NaN).
    ///
    /// ```
    /// y = [a ≠ b]      ∂y/∂a = ∂y/∂b = 0
    /// ```
    public func isNotEqual(to other: Tensor, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        compared(.notEqual, other, file: file, line: line)
    }

    /// The mask `self ≠ other` for a scalar `other`.
    ///
    /// ```
    /// y = [x ≠ c]
    /// ```
    public func isNotEqual(to other: Scalar, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        compared(.notEqual, Tensor(other), file: file, line: line)
    }

    /// The comparison op on `self` and `other`, or a one-line error at the caller when the
    /// shapes do not broadcast.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func compared(_ predicate: ComparisonPredicate, _ other: Tensor, file: StaticString, line: UInt) -> Tensor {
        let shape = Extremum<Scalar>.resultShape(self, other, predicate.kind.rawValue, file: file, line: line)
        return Comparison<Scalar>(predicate: predicate, shape: shape).apply([self, other], file: file, line: line)
    }
}

extension Tensor {
    /// Pointwise `a < b` as a 0/1 mask (`a.isLess(than: b)`).
    ///
    /// ```
    /// y = [a < b]
    /// ```
    public static func .< (a: Tensor, b: Tensor) -> Tensor { a.compared(.less, b, file: #fileID, line: #line) }
    /// Pointwise `a < c` for a scalar `c`.
    ///
    /// ```
    /// y = [a < c]
    /// ```
    public static func .< (a: Tensor, c: Scalar) -> Tensor { a.compared(.less, Tensor(c), file: #fileID, line: #line) }
    /// Pointwise `c < b` for a scalar `c`.
    ///
    /// ```
    /// y = [c < b]
    /// ```
    public static func .< (c: Scalar, b: Tensor) -> Tensor { Tensor(c).compared(.less, b, file: #fileID, line: #line) }

    /// Pointwise `a ≤ b` as a 0/1 mask.
    ///
    /// ```
    /// y = [a ≤ b]
    /// ```
    public static func .<= (a: Tensor, b: Tensor) -> Tensor { a.compared(.lessOrEqual, b, file: #fileID, line: #line) }
    /// Pointwise `a ≤ c` for a scalar `c`.
    ///
    /// ```
    /// y = [a ≤ c]
    /// ```
    public static func .<= (a: Tensor, c: Scalar) -> Tensor { a.compared(.lessOrEqual, Tensor(c), file: #fileID, line: #line) }
    /// Pointwise `c ≤ b` for a scalar `c`.
    ///
    /// ```
    /// y = [c ≤ b]
    /// ```
    public static func .<= (c: Scalar, b: Tensor) -> Tensor { Tensor(c).compared(.lessOrEqual, b, file: #fileID, line: #line) }

    /// Pointwise `a > b` as a 0/1 mask.
    ///
    /// ```
    /// y = [a > b]
    /// ```
    public static func .> (a: Tensor, b: Tensor) -> Tensor { a.compared(.greater, b, file: #fileID, line: #line) }
    /// Pointwise `a > c` for a scalar `c`.
    ///
    /// ```
    /// y = [a > c]
    /// ```
    public static func .> (a: Tensor, c: Scalar) -> Tensor { a.compared(.greater, Tensor(c), file: #fileID, line: #line) }
    /// Pointwise `c > b` for a scalar `c`.
    ///
    /// ```
    /// y = [c > b]
    /// ```
    public static func .> (c: Scalar, b: Tensor) -> Tensor { Tensor(c).compared(.greater, b, file: #fileID, line: #line) }

    /// Pointwise `a ≥ b` as a 0/1 mask.
    ///
    /// ```
    /// y = [a ≥ b]
    /// ```
    public static func .>= (a: Tensor, b: Tensor) -> Tensor { a.compared(.greaterOrEqual, b, file: #fileID, line: #line) }
    /// Pointwise `a ≥ c` for a scalar `c`.
    ///
    /// ```
    /// y = [a ≥ c]
    /// ```
    public static func .>= (a: Tensor, c: Scalar) -> Tensor { a.compared(.greaterOrEqual, Tensor(c), file: #fileID, line: #line) }
    /// Pointwise `c ≥ b` for a scalar `c`.
    ///
    /// ```
    /// y = [c ≥ b]
    /// ```
    public static func .>= (c: Scalar, b: Tensor) -> Tensor { Tensor(c).compared(.greaterOrEqual, b, file: #fileID, line: #line) }

    /// Pointwise `a = b` as a 0/1 mask.
    ///
    /// ```
    /// y = [a = b]
    /// ```
    public static func .== (a: Tensor, b: Tensor) -> Tensor { a.compared(.equal, b, file: #fileID, line: #line) }
    /// Pointwise `a = c` for a scalar `c`.
    ///
    /// ```
    /// y = [a = c]
    /// ```
    public static func .== (a: Tensor, c: Scalar) -> Tensor { a.compared(.equal, Tensor(c), file: #fileID, line: #line) }
    /// Pointwise `c = b` for a scalar `c`.
    ///
    /// ```
    /// y = [c = b]
    /// ```
    public static func .== (c: Scalar, b: Tensor) -> Tensor { Tensor(c).compared(.equal, b, file: #fileID, line: #line) }

    /// Pointwise `a ≠ b` as a 0/1 mask.
    ///
    /// ```
    /// y = [a ≠ b]
    /// ```
    public static func .!= (a: Tensor, b: Tensor) -> Tensor { a.compared(.notEqual, b, file: #fileID, line: #line) }
    /// Pointwise `a ≠ c` for a scalar `c`.
    ///
    /// ```
    /// y = [a ≠ c]
    /// ```
    public static func .!= (a: Tensor, c: Scalar) -> Tensor { a.compared(.notEqual, Tensor(c), file: #fileID, line: #line) }
    /// Pointwise `c ≠ b` for a scalar `c`.
    ///
    /// ```
    /// y = [c ≠ b]
    /// ```
    public static func .!= (c: Scalar, b: Tensor) -> Tensor { Tensor(c).compared(.notEqual, b, file: #fileID, line: #line) }
}

/// A comparison of two broadcasting tensors as a 0/1 mask of the same element type.
///
/// ```
/// y = [a ∘ b]  (∘ ∈ <, ≤, >, ≥, =, ≠),   ā = b̄ = 0
/// ```
/// A recorded op (not a constant), so that a traced program recomputes the mask at each
/// call. The program kernel reads both operands through broadcast strides (`OperandLoop`).
struct Comparison<Scalar: TensorScalar>: TensorOperation {
    let predicate: ComparisonPredicate
    /// The broadcast shape of the two inputs.
    let shape: [Int]

    var kind: TensorOpKind { predicate.kind }
    var listingName: String { "compare[\(predicate.symbol)]" }
    var keyParameters: [Int]? { [predicate.rawValue] }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func forward(_ x: [Tensor<Scalar>]) -> Tensor<Scalar> {
        let a = x[0].shape == shape ? x[0] : x[0].broadcasted(to: shape)
        let b = x[1].shape == shape ? x[1] : x[1].broadcasted(to: shape)
        let n = shape.reduce(1, *)
        let predicate = predicate
        let out = Tensor<Scalar>.makeStorage(n) { o in
            a.storage.withUnsafeBufferPointer { a in
                b.storage.withUnsafeBufferPointer { b in
                    for i in 0..<n { o[i] = predicate.holds(a[i], b[i]) ? 1 : 0 }
                }
            }
        }
        return Tensor(storage: out, shape: shape, node: nil)
    }

    func inputGradients(
        inputs x: NodeInputView<Scalar>, output y: Tensor<Scalar>, upstream g: Tensor<Scalar>
    ) -> NodeGradients<Scalar> {
        NodeGradients(nil, nil)
    }

    func kernel(inputs: [[Int]], shape: [Int]) -> TensorProgram<Scalar>.Kernel? { .compare(predicate) }

    func kernelLoop(inputs x: [[Int]], shape: [Int]) -> OperandLoop? {
        OperandLoop(shape: shape, broadcastStrides(x[0], to: shape), broadcastStrides(x[1], to: shape))
    }
}

/// The comparisons as 0/1-valued binary functions, for the program kernel's loops.
enum LessFunction: BinaryScalarFunction {
    @inline(__always) static func apply<T: TensorScalar>(_ a: T, _ b: T) -> T { a < b ? 1 : 0 }
}
enum LessOrEqualFunction: BinaryScalarFunction {
    @inline(__always) static func apply<T: TensorScalar>(_ a: T, _ b: T) -> T { a <= b ? 1 : 0 }
}
enum GreaterFunction: BinaryScalarFunction {
    @inline(__always) static func apply<T: TensorScalar>(_ a: T, _ b: T) -> T { a > b ? 1 : 0 }
}
enum GreaterOrEqualFunction: BinaryScalarFunction {
    @inline(__always) static func apply<T: TensorScalar>(_ a: T, _ b: T) -> T { a >= b ? 1 : 0 }
}
enum NotEqualFunction: BinaryScalarFunction {
    @inline(__always) static func apply<T: TensorScalar>(_ a: T, _ b: T) -> T { a != b ? 1 : 0 }
}

extension TensorProgram {
    /// The comparison kernel: out[i] = [a ∘ b] with both operands read through `loop`'s
    /// strides (contiguous and repeated-element runs get loops of their own).
    ///
    /// ```
    /// out[i] = [a[Σₖ iₖ·saₖ] ∘ b[Σₖ iₖ·sbₖ]]
    /// ```
    static func compare(
        _ predicate: ComparisonPredicate, _ a: UnsafePointer<Scalar>, _ b: UnsafePointer<Scalar>,
        _ out: UnsafeMutablePointer<Scalar>, _ loop: OperandLoop
    ) {
        switch predicate {
        case .less: TensorKernels.combineStrided(LessFunction.self, a, b, out, loop)
        case .lessOrEqual: TensorKernels.combineStrided(LessOrEqualFunction.self, a, b, out, loop)
        case .greater: TensorKernels.combineStrided(GreaterFunction.self, a, b, out, loop)
        case .greaterOrEqual: TensorKernels.combineStrided(GreaterOrEqualFunction.self, a, b, out, loop)
        case .equal: TensorKernels.combineStrided(EqualFunction.self, a, b, out, loop)
        case .notEqual: TensorKernels.combineStrided(NotEqualFunction.self, a, b, out, loop)
        }
    }
}
