// argmax / argmin along one axis: the index of the largest (smallest) element, as a
// tensor of the same element type holding whole numbers. Not differentiable.

extension TensorOpKind {
    /// The index of the largest element along an axis.
    public static let argmax = TensorOpKind(rawValue: "argmax")
    /// The index of the smallest element along an axis.
    public static let argmin = TensorOpKind(rawValue: "argmin")
}

extension Tensor {
    /// The index of the largest element along `axis`, as a tensor of the same element
    /// type holding whole numbers (usable as the indices of `gathered(_:alongAxis:)`).
    /// Ties give the first index; a NaN counts as the largest (the first NaN's index, as
    /// NumPy's `argmax`). Not differentiable: the result is a recorded op with zero
    /// derivative, so a compiled program recomputes it at each call.
    ///
    /// ```
    /// y[j] = min { i : x[j, i] = max_i' x[j, i'] }      ∂y/∂x = 0
    /// ```
    /// Precondition: `axis` in `-rank..<rank`, its extent not 0 (indices of `Float`
    /// are exact up to 2²⁴).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func argmax(
        alongAxis axis: Int, keepingDimensions: Bool = false, file: StaticString = #fileID, line: UInt = #line
    ) -> Tensor {
        argExtremum(isMax: true, axis, keepingDimensions, file: file, line: line)
    }

    /// The index of the smallest element along `axis` (ties: the first; NaN counts as the
    /// smallest), as a tensor of whole numbers. Not differentiable (zero derivative).
    ///
    /// ```
    /// y[j] = min { i : x[j, i] = min_i' x[j, i'] }      ∂y/∂x = 0
    /// ```
    /// Precondition: `axis` in `-rank..<rank`, its extent not 0.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func argmin(
        alongAxis axis: Int, keepingDimensions: Bool = false, file: StaticString = #fileID, line: UInt = #line
    ) -> Tensor {
        argExtremum(isMax: false, axis, keepingDimensions, file: file, line: line)
    }

    /// The shared body of `argmax` and `argmin`: checks the arguments.
    func argExtremum(isMax: Bool, _ axis: Int, _ keep: Bool, file: StaticString, line: UInt) -> Tensor {
        let name = isMax ? "argmax" : "argmin"
        if rank == 0 { tensorError("\(name): needs rank ≥ 1, got a scalar", file: file, line: line) }
        let a = normalizedAxes([axis], name, file: file, line: line)[0]
        if shape[a] == 0 { tensorError("\(name): axis \(axis) of shape \(shape) is empty", file: file, line: line) }
        return ArgExtremum<Scalar>(isMax: isMax, axis: a, keep: keep).apply([self], file: file, line: line)
    }
}

/// The index of the maximum (minimum) along `axis`; the first of ties, NaN first.
///
/// ```
/// y[o, i] = argmax_k x[o, k, i]   (x viewed as [outer, n, inner]),   x̄ = 0
/// ```
struct ArgExtremum<Scalar: TensorScalar>: TensorOperation {
    let isMax: Bool
    /// The (non-negative) axis.
    let axis: Int
    let keep: Bool

    var kind: TensorOpKind { isMax ? .argmax : .argmin }
    var listingName: String { "\(kind.rawValue)[axis \(axis)]" }
    var keyParameters: [Int]? { [isMax ? 1 : 0, axis, keep ? 1 : 0] }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func forward(_ x: [Tensor<Scalar>]) -> Tensor<Scalar> {
        let s = x[0].shape
        let outer = s[..<axis].reduce(1, *), n = s[axis], inner = s[(axis + 1)...].reduce(1, *)
        var outShape = s
        if keep { outShape[axis] = 1 } else { outShape.remove(at: axis) }
        let isMax = isMax
        let out = Tensor<Scalar>.makeStorage(outer * inner) { o in
            x[0].storage.withUnsafeBufferPointer { p in
                for j in 0..<outer {
                    for i in 0..<inner {
                        let base = j * n * inner + i
                        var best = 0, value = p[base]
                        if !value.isNaN {
                            for k in 1..<Swift.max(n, 1) {
                                let v = p[base + k * inner]
                                if v.isNaN { best = k; break }
                                if isMax ? v > value : v < value { best = k; value = v }
                            }
                        }
                        o[j * inner + i] = Scalar(best)
                    }
                }
            }
        }
        return Tensor(storage: out, shape: outShape, node: nil)
    }

    func inputGradients(
        inputs x: NodeInputView<Scalar>, output y: Tensor<Scalar>, upstream g: Tensor<Scalar>
    ) -> NodeGradients<Scalar> {
        NodeGradients(nil)
    }

    func kernel(inputs x: [[Int]], shape: [Int]) -> TensorProgram<Scalar>.Kernel? {
        let s = x[0]
        return .argExtremum(isMax: isMax, outer: s[..<axis].reduce(1, *), count: s[axis], inner: s[(axis + 1)...].reduce(1, *))
    }
}

extension TensorProgram {
    /// The kernel of `argmax` / `argmin` along the middle axis of `[outer, count, inner]`:
    /// the first index of the extremum, a NaN's index if there is one (the first).
    ///
    /// ```
    /// y[o, i] = min { k : x[o, k, i] = max_k' x[o, k', i] }
    /// ```
    static func argExtremum(
        isMax: Bool, _ x: UnsafePointer<Scalar>, _ y: UnsafeMutablePointer<Scalar>, outer: Int, count n: Int, inner: Int
    ) {
        for j in 0..<outer {
            for i in 0..<inner {
                let column = x + (j &* n &* inner &+ i)
                var best = 0, value = column[0]
                if !value.isNaN {
                    var k = 1
                    while k < n {
                        let v = column[k &* inner]
                        if v.isNaN { best = k; break }
                        if isMax ? v > value : v < value { best = k; value = v }
                        k &+= 1
                    }
                }
                y[j &* inner &+ i] = Scalar(best)
            }
        }
    }
}
