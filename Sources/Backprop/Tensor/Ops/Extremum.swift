// maximum(a, b) and minimum(a, b): the elementwise larger (smaller) of two broadcasting
// tensors, defined in one place as a `TensorOperation`.

extension TensorOpKind {
    /// The elementwise larger of two broadcasting tensors.
    public static let maximum = TensorOpKind(rawValue: "maximum")
    /// The elementwise smaller of two broadcasting tensors.
    public static let minimum = TensorOpKind(rawValue: "minimum")
}

extension Tensor {
    /// The elementwise larger of two tensors, with broadcasting. NaN if either element is
    /// NaN (as PyTorch's `maximum`). The gradient goes to the larger element; at a tie
    /// each side gets half (what a central difference measures).
    ///
    /// ```
    /// y = max(a, b)    ∂y/∂a = [a > b] + ½[a = b],   ∂y/∂b = [b > a] + ½[a = b]
    /// ```
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func maximum(
        _ a: Tensor, _ b: Tensor, file: StaticString = #fileID, line: UInt = #line
    ) -> Tensor {
        Extremum(isMaximum: true, shape: Extremum<Scalar>.resultShape(a, b, "maximum", file: file, line: line))
            .apply([a, b], file: file, line: line)
    }

    /// The elementwise smaller of two tensors, with broadcasting. NaN if either element is
    /// NaN. The gradient goes to the smaller element; at a tie each side gets half.
    ///
    /// ```
    /// y = min(a, b)    ∂y/∂a = [a < b] + ½[a = b],   ∂y/∂b = [b < a] + ½[a = b]
    /// ```
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func minimum(
        _ a: Tensor, _ b: Tensor, file: StaticString = #fileID, line: UInt = #line
    ) -> Tensor {
        Extremum(isMaximum: false, shape: Extremum<Scalar>.resultShape(a, b, "minimum", file: file, line: line))
            .apply([a, b], file: file, line: line)
    }
}

/// `maximum(a, b)` or `minimum(a, b)` of two broadcasting tensors.
///
/// ```
/// y = max(a, b):  ā = unbroadcast(ḡ ⊙ w),  b̄ = unbroadcast(ḡ ⊙ (1 − w)),  w = (1 + [a > b] − [b > a]) / 2
/// ```
/// (for the minimum, w = (1 + [b > a] − [a > b]) / 2). The program kernel reads both
/// operands through broadcast strides (`OperandLoop`), with the forward's function.
struct Extremum<Scalar: TensorScalar>: TensorOperation {
    /// Maximum (true) or minimum (false).
    let isMaximum: Bool
    /// The broadcast shape of the two inputs.
    let shape: [Int]

    var kind: TensorOpKind { isMaximum ? .maximum : .minimum }

    var keyParameters: [Int]? { [isMaximum ? 1 : 0] }

    /// The broadcast shape of `a` and `b`, or a one-line error at the caller.
    static func resultShape(_ a: Tensor<Scalar>, _ b: Tensor<Scalar>, _ name: String, file: StaticString, line: UInt) -> [Int] {
        switch broadcastShape(a.shape, b.shape) {
        case .success(let s): return s
        case .failure(let f):
            tensorError(
                "\(name): shapes \(a.shape) and \(b.shape) do not broadcast: axis \(f.axis) has extents \(f.left) and \(f.right) (must be equal or 1)",
                file: file, line: line)
        }
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func forward(_ x: [Tensor<Scalar>]) -> Tensor<Scalar> {
        let a = x[0].shape == shape ? x[0] : x[0].broadcasted(to: shape)
        let b = x[1].shape == shape ? x[1] : x[1].broadcasted(to: shape)
        let n = shape.reduce(1, *)
        let maximum = isMaximum
        let out = Tensor.makeStorage(n) { o in
            a.storage.withUnsafeBufferPointer { a in
                b.storage.withUnsafeBufferPointer { b in
                    if maximum {
                        for i in 0..<n { o[i] = MaximumFunction.apply(a[i], b[i]) }
                    } else {
                        for i in 0..<n { o[i] = MinimumFunction.apply(a[i], b[i]) }
                    }
                }
            }
        }
        return Tensor(storage: out, shape: shape, node: nil)
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func inputGradients(
        inputs x: NodeInputView<Scalar>, output y: Tensor<Scalar>, upstream g: Tensor<Scalar>
    ) -> NodeGradients<Scalar> {
        // The masks are recorded steps (zero derivative), not constants, so that a traced
        // program recomputes them from its inputs.
        let aLarger = (x[0] - x[1]).step(threshold: 0), bLarger = (x[1] - x[0]).step(threshold: 0)
        let toA = (isMaximum ? 1 + aLarger - bLarger : 1 + bLarger - aLarger) * Scalar(0.5)
        return NodeGradients(x.requiresGradient(0) ? unbroadcast(g * toA, to: x[0].shape) : nil,
                             x.requiresGradient(1) ? unbroadcast(g * (1 - toA), to: x[1].shape) : nil)
    }

    func kernel(inputs: [[Int]], shape: [Int]) -> TensorProgram<Scalar>.Kernel? { .extremumOfTwo(isMax: isMaximum) }

    func kernelLoop(inputs x: [[Int]], shape: [Int]) -> OperandLoop? {
        OperandLoop(shape: shape, broadcastStrides(x[0], to: shape), broadcastStrides(x[1], to: shape))
    }
}

/// `maximum(a, b)` of two elements: NaN if either is NaN.
enum MaximumFunction: BinaryScalarFunction {
    @inline(__always) static func apply<T: TensorScalar>(_ u: T, _ v: T) -> T { u.isNaN || v.isNaN ? .nan : (u >= v ? u : v) }
}

/// `minimum(a, b)` of two elements: NaN if either is NaN.
enum MinimumFunction: BinaryScalarFunction {
    @inline(__always) static func apply<T: TensorScalar>(_ u: T, _ v: T) -> T { u.isNaN || v.isNaN ? .nan : (u <= v ? u : v) }
}

extension TensorProgram {
    /// The `maximum`/`minimum` kernel: both operands read through `loop`'s strides.
    ///
    /// ```
    /// out[i] = max(a[Σₖ iₖ·saₖ], b[Σₖ iₖ·sbₖ])      (min for isMax false; NaN if either is)
    /// ```
    static func extremumOfTwo(
        isMax: Bool, _ a: UnsafePointer<Scalar>, _ b: UnsafePointer<Scalar>, _ out: UnsafeMutablePointer<Scalar>,
        _ loop: OperandLoop
    ) {
        if isMax {
            TensorKernels.combineStrided(MaximumFunction.self, a, b, out, loop)
        } else {
            TensorKernels.combineStrided(MinimumFunction.self, a, b, out, loop)
        }
    }
}
