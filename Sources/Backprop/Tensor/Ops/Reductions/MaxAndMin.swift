// max / min along axes (reductions), ties sharing the gradient evenly.

extension Tensor {
    /// The largest element, as a scalar tensor (see `max(alongAxes:)` for ties).
    ///
    /// ```
    /// y = maxᵢ xᵢ
    /// ```
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func max(file: StaticString = #fileID, line: UInt = #line) -> Tensor { max(alongAxes: Array(0..<rank), file: file, line: line) }

    /// Maxima along the given axes. When several elements tie for the maximum the
    /// gradient is split evenly among them (as a subgradient: 1/k each for k ties).
    ///
    /// ```
    /// y[j] = max_{i ↦ j} x[i]      ∂y[j]/∂x[i] = [x[i] = y[j]] / #{i' ↦ j : x[i'] = y[j]}
    /// ```
    /// Precondition: every axis is in `-rank..<rank`; the reduced axes are not empty.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func max(
        alongAxes axes: [Int], keepingDimensions: Bool = false, file: StaticString = #fileID, line: UInt = #line
    ) -> Tensor {
        extremum(isMax: true, alongAxes: axes, keepingDimensions: keepingDimensions, file: file, line: line)
    }

    /// The smallest element, as a scalar tensor (see `min(alongAxes:)` for ties).
    ///
    /// ```
    /// y = minᵢ xᵢ
    /// ```
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func min(file: StaticString = #fileID, line: UInt = #line) -> Tensor { min(alongAxes: Array(0..<rank), file: file, line: line) }

    /// Minima along the given axes; ties split the gradient evenly (as for `max`).
    ///
    /// ```
    /// y[j] = min_{i ↦ j} x[i]      ∂y[j]/∂x[i] = [x[i] = y[j]] / #ties
    /// ```
    /// Precondition: every axis is in `-rank..<rank`; the tensor is not empty.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func min(
        alongAxes axes: [Int], keepingDimensions: Bool = false, file: StaticString = #fileID, line: UInt = #line
    ) -> Tensor {
        extremum(isMax: false, alongAxes: axes, keepingDimensions: keepingDimensions, file: file, line: line)
    }

    /// The shared body of `max(alongAxes:)` and `min(alongAxes:)`: checks the arguments.
    func extremum(isMax: Bool, alongAxes axes: [Int], keepingDimensions keep: Bool, file: StaticString, line: UInt) -> Tensor {
        let name = isMax ? "max" : "min"
        let axes = normalizedAxes(axes, name, file: file, line: line)
        if count == 0 { tensorError("\(name): empty tensor of shape \(shape)", file: file, line: line) }
        return ReduceExtremum<Scalar>(isMax: isMax, axes: axes, keep: keep).apply([self], file: file, line: line)
    }
}

/// The maximum or minimum over the (sorted, non-negative) `axes`.
///
/// ```
/// x̄ = ḡ ⊙ mask / Σ_axes mask,   mask = [x = y]   (ḡ, y with the reduced axes restored)
/// ```
struct ReduceExtremum<Scalar: TensorScalar>: TensorOperation {
    let isMax: Bool
    let axes: [Int]
    let keep: Bool

    var kind: TensorOpKind { isMax ? .max : .min }
    var listingName: String { "\(kind.rawValue)[axes \(axes)]" }
    var keyParameters: [Int]? { axes + [keep ? 1 : 0] }
    var savesOutput: Bool { true }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func forward(_ x: [Tensor<Scalar>]) -> Tensor<Scalar> {
        let (out, outShape) = x[0].reduced(isMax ? .max : .min, axes: axes, keep: keep, initial: isMax ? -.infinity : .infinity)
        return Tensor(storage: out, shape: outShape, node: nil)
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func inputGradients(
        inputs x: NodeInputView<Scalar>, output y: Tensor<Scalar>, upstream g: Tensor<Scalar>
    ) -> NodeGradients<Scalar> {
        // Ties share the gradient evenly: mask / (number of extremal elements). The
        // mask [x = y] is 1 − [y − x > 0] for a maximum (1 − [x − y > 0] for a minimum):
        // recorded steps (zero derivative), not constants, so that a traced program
        // recomputes it from its inputs.
        let yKeep = restoreReducedAxes(y, axes: axes, keep: keep, inputShape: x[0].shape)
        let mask = 1 - (isMax ? yKeep - x[0] : x[0] - yKeep).step(threshold: 0)
        let share = mask / mask.sum(alongAxes: axes, keepingDimensions: true)
        return NodeGradients(restoreReducedAxes(g, axes: axes, keep: keep, inputShape: x[0].shape) * share)
    }

    /// Over a contiguous run of axes (max pooling's last axis; every axis), the kernel runs
    /// the eager forward's loops (`Tensor.reduced`) into the program's buffer; axes that are
    /// not adjacent run `forward`.
    func kernel(inputs x: [[Int]], shape: [Int]) -> TensorProgram<Scalar>.Kernel? {
        guard x[0].reduce(1, *) > 0, let (outer, count, inner) = middleOfReduction(axes, x[0]) else { return nil }
        return .extremum(isMax: isMax, outer: outer, count: count, inner: inner)
    }
}
