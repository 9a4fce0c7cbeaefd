// cumulativeSum(alongAxis:reverse:): running sums along one axis (from the start, or from
// the end), each the other's adjoint.

extension TensorOpKind {
    /// Running sums along an axis.
    public static let cumulativeSum = TensorOpKind(rawValue: "cumulativeSum")
}

extension Tensor {
    /// Running sums along `axis` (as `torch.cumsum`): element k is the sum of elements
    /// 0…k, or, with `reverse`, of elements k…n−1. The gradient is the running sum of
    /// the upstream gradient in the other direction.
    ///
    /// ```
    /// y[k] = Σ_{i ≤ k} x[i]      ∂L/∂x[k] = Σ_{i ≥ k} ḡ[i]
    /// reverse: y[k] = Σ_{i ≥ k} x[i],   ∂L/∂x[k] = Σ_{i ≤ k} ḡ[i]
    /// ```
    /// Precondition: `axis` in `-rank..<rank`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func cumulativeSum(
        alongAxis axis: Int, reverse: Bool = false, file: StaticString = #fileID, line: UInt = #line
    ) -> Tensor {
        if rank == 0 { tensorError("cumulativeSum: needs rank ≥ 1, got a scalar", file: file, line: line) }
        let a = normalizedAxes([axis], "cumulativeSum", file: file, line: line)[0]
        return CumulativeSum<Scalar>(axis: a, reverse: reverse).apply([self], file: file, line: line)
    }
}

/// Running sums along `axis` (from the end when `reverse`), the tensor viewed as
/// `[outer, n, inner]`.
///
/// ```
/// y[o, k, i] = Σ_{p ≤ k} x[o, p, i]      x̄ = cumulativeSum(ḡ, reverse: !reverse)
/// ```
struct CumulativeSum<Scalar: TensorScalar>: TensorOperation {
    /// The (non-negative) axis.
    let axis: Int
    let reverse: Bool

    var kind: TensorOpKind { .cumulativeSum }
    var listingName: String { "cumulativeSum[axis \(axis)\(reverse ? ", reverse" : "")]" }
    var keyParameters: [Int]? { [axis, reverse ? 1 : 0] }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func forward(_ x: [Tensor<Scalar>]) -> Tensor<Scalar> {
        let s = x[0].shape
        let outer = s[..<axis].reduce(1, *), n = s[axis], inner = s[(axis + 1)...].reduce(1, *)
        let reverse = reverse
        let out = Tensor<Scalar>.makeStorage(x[0].count) { o in
            x[0].storage.withUnsafeBufferPointer { p in
                for j in 0..<outer {
                    let base = j * n * inner
                    for step in 0..<n {
                        let k = reverse ? n - 1 - step : step
                        let row = base + k * inner
                        if step == 0 {
                            for i in 0..<inner { o[row + i] = p[row + i] }
                        } else {
                            let previous = reverse ? row + inner : row - inner
                            for i in 0..<inner { o[row + i] = o[previous + i] + p[row + i] }
                        }
                    }
                }
            }
        }
        return Tensor(storage: out, shape: s, node: nil)
    }

    func inputGradients(
        inputs x: NodeInputView<Scalar>, output y: Tensor<Scalar>, upstream g: Tensor<Scalar>
    ) -> NodeGradients<Scalar> {
        NodeGradients(g.cumulativeSum(alongAxis: axis, reverse: !reverse))
    }

    func kernel(inputs x: [[Int]], shape: [Int]) -> TensorProgram<Scalar>.Kernel? {
        let s = x[0]
        return .scan(product: false, reverse: reverse, outer: s[..<axis].reduce(1, *), count: s[axis],
                     inner: s[(axis + 1)...].reduce(1, *))
    }
}

extension TensorProgram {
    /// The kernel of `cumulativeSum` and `cumulativeProduct`: running sums (products)
    /// along the middle axis of `[outer, count, inner]`, from the end when `reverse`, in
    /// the order of the eager forward computation.
    ///
    /// ```
    /// y[o, k, i] = y[o, k − 1, i] ⊕ x[o, k, i],   y[o, 0, i] = x[o, 0, i]      (⊕ ∈ {+, ·})
    /// ```
    static func scan(
        product: Bool, reverse: Bool, _ x: UnsafePointer<Scalar>, _ y: UnsafeMutablePointer<Scalar>,
        outer: Int, count n: Int, inner: Int
    ) {
        for j in 0..<outer {
            let base = j &* n &* inner
            for step in 0..<n {
                let k = reverse ? n - 1 - step : step
                let row = base &+ k &* inner
                let (src, dst) = (x + row, y + row)
                if step == 0 {
                    dst.update(from: src, count: inner)
                } else {
                    let previous = reverse ? dst + inner : dst - inner
                    if product {
                        for i in 0..<inner { dst[i] = previous[i] * src[i] }
                    } else {
                        for i in 0..<inner { dst[i] = previous[i] + src[i] }
                    }
                }
            }
        }
    }
}
