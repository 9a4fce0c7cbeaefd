extension Tensor {
    /// A tensor of the given shape holding `scalars` in row-major order.
    ///
    /// ```
    /// x[i₀, …, iₙ₋₁] = scalars[Σ iₖ·strideₖ]
    /// ```
    /// Precondition: `scalars.count == shape.reduce(1, *)` and no extent is negative.
    /// With `requiresGradient` the tensor is a parameter (a leaf that accumulates gradients).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public init(
        shape: [Int], scalars: [Scalar], requiresGradient: Bool = false,
        file: StaticString = #fileID, line: UInt = #line
    ) {
        if shape.contains(where: { $0 < 0 }) { tensorError("Tensor(shape:): negative extent in \(shape)", file: file, line: line) }
        let n = shape.reduce(1, *)
        if n != scalars.count {
            tensorError("Tensor(shape:scalars:): shape \(shape) needs \(n) scalars, got \(scalars.count)",
                        file: file, line: line)
        }
        self.init(storage: scalars, shape: shape, node: requiresGradient ? TensorNode(leafShape: shape) : nil)
    }

    /// A scalar (rank-0) tensor.
    ///
    /// ```
    /// shape = [],  x.scalar = value
    /// ```
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public init(_ value: Scalar, requiresGradient: Bool = false) {
        let storage = TensorStorage<Scalar>(unsafeUninitializedCapacity: 1) { out, n in
            out.initializeElement(at: 0, to: value)
            n = 1
        }
        self.init(storage: storage, shape: [], node: requiresGradient ? TensorNode(leafShape: []) : nil)
    }

    /// A vector (rank-1 tensor).
    ///
    /// ```
    /// shape = [scalars.count]
    /// ```
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public init(_ scalars: [Scalar], requiresGradient: Bool = false) {
        self.init(storage: scalars, shape: [scalars.count],
                  node: requiresGradient ? TensorNode(leafShape: [scalars.count]) : nil)
    }

    /// A matrix from its rows.
    ///
    /// ```
    /// x[i, j] = rows[i][j],  shape = [rows.count, rows[0].count]
    /// ```
    /// Precondition: all rows have the same length.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public init(_ rows: [[Scalar]], requiresGradient: Bool = false, file: StaticString = #fileID, line: UInt = #line) {
        let literal = TensorLiteral<Scalar>.array(rows.map { .array($0.map { .scalar($0) }) })
        self.init(literal: literal, requiresGradient: requiresGradient, file: file, line: line)
    }

    /// A tensor from a nested literal, e.g. `Tensor<Double>(literal: [[1, 2], [3, 4]])`.
    ///
    /// ```
    /// x[i][j]… = literal[i][j]…
    /// ```
    /// Precondition: the nesting is rectangular (siblings have equal shapes).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public init(
        literal: TensorLiteral<Scalar>, requiresGradient: Bool = false,
        file: StaticString = #fileID, line: UInt = #line
    ) {
        var scalars: [Scalar] = []
        guard let shape = literal.flatten(into: &scalars) else {
            tensorError("Tensor(literal:): nested arrays are not rectangular", file: file, line: line)
        }
        self.init(shape: shape, scalars: scalars, requiresGradient: requiresGradient, file: file, line: line)
    }

    /// A tensor of zeros.
    ///
    /// ```
    /// x = 0
    /// ```
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func zeros(shape: [Int], requiresGradient: Bool = false) -> Tensor {
        full(shape: shape, value: 0, requiresGradient: requiresGradient)
    }

    /// A tensor of ones.
    ///
    /// ```
    /// x = 1
    /// ```
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func ones(shape: [Int], requiresGradient: Bool = false) -> Tensor {
        full(shape: shape, value: 1, requiresGradient: requiresGradient)
    }

    /// A tensor with every element equal to `value`.
    ///
    /// ```
    /// x = value
    /// ```
    /// Precondition: no extent is negative.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func full(
        shape: [Int], value: Scalar, requiresGradient: Bool = false, file: StaticString = #fileID, line: UInt = #line
    ) -> Tensor {
        Tensor(shape: shape, scalars: [Scalar](repeating: value, count: Swift.max(0, shape.reduce(1, *))),
               requiresGradient: requiresGradient, file: file, line: line)
    }

    /// The n×n identity matrix.
    ///
    /// ```
    /// I[i, j] = 1 if i = j else 0
    /// ```
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func identity(_ n: Int, requiresGradient: Bool = false,
                                file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        if n < 0 { tensorError("identity: n = \(n) must not be negative", file: file, line: line) }
        var scalars = [Scalar](repeating: 0, count: n * n)
        for i in 0..<n { scalars[i * n + i] = 1 }
        return Tensor(shape: [n, n], scalars: scalars, requiresGradient: requiresGradient)
    }

    /// Normally distributed values from a seedable generator (Box–Muller on our own
    /// uniform numbers, so a seed gives the same tensor on every platform).
    ///
    /// ```
    /// x ~ 𝒩(mean, standardDeviation²)
    /// ```
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func randomNormal(
        shape: [Int], mean: Scalar = 0, standardDeviation: Scalar = 1,
        using generator: inout SeededGenerator, requiresGradient: Bool = false,
        file: StaticString = #fileID, line: UInt = #line
    ) -> Tensor {
        random("randomNormal", shape: shape, requiresGradient: requiresGradient, file: file, line: line) {
            mean + standardDeviation * Scalar(generator.nextNormal())
        }
    }

    /// Uniformly distributed values in `[lower, upper)` from a seedable generator.
    ///
    /// ```
    /// x ~ U[lower, upper)
    /// ```
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func randomUniform(
        shape: [Int], lower: Scalar = 0, upper: Scalar = 1,
        using generator: inout SeededGenerator, requiresGradient: Bool = false,
        file: StaticString = #fileID, line: UInt = #line
    ) -> Tensor {
        random("randomUniform", shape: shape, requiresGradient: requiresGradient, file: file, line: line) {
            lower + (upper - lower) * Scalar(generator.nextUnitInterval())
        }
    }

    /// A tensor of `shape` filled in order by `draw` (the shared body of `randomNormal`
    /// and `randomUniform`); `name` names the caller in the error for a negative extent.
    ///
    /// ```
    /// x[i] = draw()   i = 0, 1, …, n − 1
    /// ```
    @inline(__always)
    static func random(
        _ name: String, shape: [Int], requiresGradient: Bool, file: StaticString, line: UInt, draw: () -> Scalar
    ) -> Tensor {
        if shape.contains(where: { $0 < 0 }) { tensorError("\(name): negative extent in \(shape)", file: file, line: line) }
        let scalars = (0..<shape.reduce(1, *)).map { _ in draw() }
        return Tensor(shape: shape, scalars: scalars, requiresGradient: requiresGradient)
    }
}

/// A nested array literal of scalars, for writing tensors as `[[1, 2], [3, 4]]`.
///
/// ```
/// let x: Tensor<Double> = [[1, 2], [3, 4]]     // shape [2, 2]
/// ```
public enum TensorLiteral<Scalar: TensorScalar>: ExpressibleByArrayLiteral, ExpressibleByFloatLiteral,
    ExpressibleByIntegerLiteral
{
    /// One element.
    case scalar(Scalar)
    /// A nested array.
    case array([TensorLiteral])

    /// A nested array.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public init(arrayLiteral elements: TensorLiteral...) { self = .array(elements) }
    /// One element.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public init(floatLiteral value: Double) { self = .scalar(Scalar(value)) }
    /// One element.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public init(integerLiteral value: Int) { self = .scalar(Scalar(value)) }

    /// Appends the elements in row-major order and returns the shape (nil when ragged).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func flatten(into scalars: inout [Scalar]) -> [Int]? {
        switch self {
        case .scalar(let s):
            scalars.append(s)
            return []
        case .array(let elements):
            var inner: [Int]? = nil
            for e in elements {
                guard let s = e.flatten(into: &scalars) else { return nil }
                if let inner, inner != s { return nil }
                inner = s
            }
            return [elements.count] + (inner ?? [])
        }
    }
}

extension Tensor: ExpressibleByArrayLiteral {
    /// A tensor from a nested array literal: `let x: Tensor<Double> = [[1, 2], [3, 4]]`.
    ///
    /// ```
    /// shape = nesting extents, e.g. [2, 2]
    /// ```
    /// Precondition: the nesting is rectangular.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public init(arrayLiteral elements: TensorLiteral<Scalar>...) {
        self.init(literal: .array(elements))
    }
}
