// sum and mean: reductions over a set of axes (all of them, or those given).

extension Tensor {
    /// The sum of all elements, as a scalar (rank-0) tensor.
    ///
    /// ```
    /// y = Σᵢ xᵢ      ∂y/∂xᵢ = 1
    /// ```
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func sum(file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        // All axes: one pass into one element, no index or shape arithmetic.
        var out = TensorStorage<Scalar>(repeating: 0, count: 1)
        if count > 0 {
            out.withUnsafeMutableBufferPointer { o in storage.withUnsafeBufferPointer { Scalar._reduce(.sum, $0, nil, o) } }
        }
        return Tensor.result(out, [], Sum(axes: Array(0..<rank), keepingDimensions: false), self, file: file, line: line)
    }

    /// Sums along the given axes (negative axes count from the end), dropping them or
    /// keeping them with extent 1.
    ///
    /// ```
    /// y[j] = Σ_{i ↦ j} x[i]      ∂y/∂x = 1 (the gradient is broadcast back)
    /// ```
    /// Precondition: every axis is in `-rank..<rank`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func sum(
        alongAxes axes: [Int], keepingDimensions: Bool = false, file: StaticString = #fileID, line: UInt = #line
    ) -> Tensor {
        let axes = normalizedAxes(axes, "sum", file: file, line: line)
        let (out, outShape) = reduced(.sum, axes: axes, keep: keepingDimensions, initial: 0)
        return Tensor.result(out, outShape, Sum(axes: axes, keepingDimensions: keepingDimensions), self, file: file, line: line)
    }

    /// The mean of all elements, as a scalar tensor.
    ///
    /// ```
    /// y = (1/n) Σᵢ xᵢ      ∂y/∂xᵢ = 1/n
    /// ```
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func mean(file: StaticString = #fileID, line: UInt = #line) -> Tensor { mean(alongAxes: Array(0..<rank), file: file, line: line) }

    /// Means along the given axes.
    ///
    /// ```
    /// y[j] = (1/n) Σ_{i ↦ j} x[i]      ∂y/∂x = 1/n,  n = Π extents of the axes
    /// ```
    /// Precondition: every axis is in `-rank..<rank`; the averaged axes are not empty.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func mean(
        alongAxes axes: [Int], keepingDimensions: Bool = false, file: StaticString = #fileID, line: UInt = #line
    ) -> Tensor {
        let axes = normalizedAxes(axes, "mean", file: file, line: line)
        let n = axes.reduce(1) { $0 * shape[$1] }
        if n == 0 { tensorError("mean: no elements to average along axes \(axes) of shape \(shape)", file: file, line: line) }
        var (out, outShape) = reduced(.sum, axes: axes, keep: keepingDimensions, initial: 0)
        let scale = 1 / Scalar(n)
        for i in out.indices { out[i] *= scale }
        return Tensor.result(out, outShape, Mean(axes: axes, keepingDimensions: keepingDimensions), self, file: file, line: line)
    }
}

/// Sum over the (sorted, non-negative) axes, dropping them or keeping them with extent 1.
///
/// ```
/// y[j] = Σ_{i ↦ j} x[i]      x̄ = broadcast(ḡ, x.shape)
/// ```
/// The program kernel reduces the middle of `[outer, count, inner]` when the axes are
/// contiguous.
struct Sum<Scalar: TensorScalar>: TensorOperation {
    let axes: [Int]
    let keepingDimensions: Bool

    var kind: TensorOpKind { .sum }
    var listingName: String { "sum[axes \(axes)]" }
    var keyParameters: [Int]? { axes + [keepingDimensions ? 1 : 0] }

    func forward(_ x: [Tensor<Scalar>]) -> Tensor<Scalar> {
        x[0].sum(alongAxes: axes, keepingDimensions: keepingDimensions)
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func inputGradients(
        inputs x: NodeInputView<Scalar>, output y: Tensor<Scalar>, upstream g: Tensor<Scalar>
    ) -> NodeGradients<Scalar> {
        if g.count == 1 { return NodeGradients(g.broadcasted(to: x[0].shape)) }  // a full sum
        return NodeGradients(restoreReducedAxes(g, axes: axes, keep: keepingDimensions, inputShape: x[0].shape)
            .broadcasted(to: x[0].shape))
    }

    func kernel(inputs x: [[Int]], shape: [Int]) -> TensorProgram<Scalar>.Kernel? {
        guard x[0].reduce(1, *) > 0, let (outer, count, inner) = middleOfReduction(axes, x[0]) else { return nil }
        return .reduceMiddle(outer: outer, count: count, inner: inner, scale: 1)
    }
}

/// Mean over the (sorted, non-negative) axes.
///
/// ```
/// y[j] = (1/n) Σ_{i ↦ j} x[i]      x̄ = broadcast(ḡ, x.shape) / n,   n = Π extents of the axes
/// ```
struct Mean<Scalar: TensorScalar>: TensorOperation {
    let axes: [Int]
    let keepingDimensions: Bool

    var kind: TensorOpKind { .mean }
    var listingName: String { "mean[axes \(axes)]" }
    var keyParameters: [Int]? { axes + [keepingDimensions ? 1 : 0] }

    func forward(_ x: [Tensor<Scalar>]) -> Tensor<Scalar> {
        x[0].mean(alongAxes: axes, keepingDimensions: keepingDimensions)
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func inputGradients(
        inputs x: NodeInputView<Scalar>, output y: Tensor<Scalar>, upstream g: Tensor<Scalar>
    ) -> NodeGradients<Scalar> {
        let n = axes.reduce(1) { $0 * x[0].shape[$1] }
        return NodeGradients(restoreReducedAxes(g, axes: axes, keep: keepingDimensions, inputShape: x[0].shape)
            .broadcasted(to: x[0].shape) / Scalar(n))
    }

    func kernel(inputs x: [[Int]], shape: [Int]) -> TensorProgram<Scalar>.Kernel? {
        guard x[0].reduce(1, *) > 0, let (outer, count, inner) = middleOfReduction(axes, x[0]), count > 0 else { return nil }
        return .reduceMiddle(outer: outer, count: count, inner: inner, scale: 1 / Scalar(count))
    }
}

/// `[outer, count, inner]` for a contiguous run of reduced axes of `input`, or nil.
///
/// ```
/// outer = Π input[..<first],  count = Π input[first...last],  inner = Π input[(last+1)...]
/// ```
func middleOfReduction(_ axes: [Int], _ input: [Int]) -> (Int, Int, Int)? {
    guard let first = axes.first, let last = axes.last, last - first == axes.count - 1 else { return nil }
    let outer = input[..<first].reduce(1, *), inner = input[(last + 1)...].reduce(1, *)
    return (outer, input[first...last].reduce(1, *), inner)
}
