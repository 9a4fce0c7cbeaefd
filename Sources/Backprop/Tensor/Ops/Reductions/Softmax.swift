// softmax, logSoftmax and logSumExp along an axis: one op family with a shared stable
// kernel (max-subtracted) and a compiled-program kernel.

extension Tensor {
    /// Softmax along an axis, computed stably by subtracting the maximum.
    ///
    /// ```
    /// yᵢ = e^(xᵢ−m) / Σⱼ e^(xⱼ−m)      ∂L/∂x = y ⊙ (ḡ − Σⱼ ḡⱼ yⱼ)
    /// ```
    /// Precondition: `axis` is in `-rank..<rank`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func softmax(alongAxis axis: Int = -1, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        let k = normalizedAxes([axis], "softmax", file: file, line: line)[0]
        return SoftmaxFamily<Scalar>(function: .softmax, axis: k, keep: true).apply([self], file: file, line: line)
    }

    /// Log-softmax along an axis, computed stably.
    ///
    /// ```
    /// yᵢ = xᵢ − m − ln Σⱼ e^(xⱼ−m)      ∂L/∂x = ḡ − softmax(x) Σⱼ ḡⱼ
    /// ```
    /// Precondition: `axis` is in `-rank..<rank`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func logSoftmax(alongAxis axis: Int = -1, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        let k = normalizedAxes([axis], "logSoftmax", file: file, line: line)[0]
        return SoftmaxFamily<Scalar>(function: .logSoftmax, axis: k, keep: true).apply([self], file: file, line: line)
    }

    /// Log-sum-exp along an axis, computed stably.
    ///
    /// ```
    /// y = m + ln Σⱼ e^(xⱼ−m)      ∂y/∂xᵢ = softmax(x)ᵢ
    /// ```
    /// Precondition: `axis` is in `-rank..<rank`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func logSumExp(
        alongAxis axis: Int = -1, keepingDimensions: Bool = false, file: StaticString = #fileID, line: UInt = #line
    ) -> Tensor {
        let k = normalizedAxes([axis], "logSumExp", file: file, line: line)[0]
        return SoftmaxFamily<Scalar>(function: .logSumExp, axis: k, keep: keepingDimensions)
            .apply([self], file: file, line: line)
    }
}

/// Softmax, log-softmax or log-sum-exp along `axis` (a normalised, non-negative axis).
///
/// ```
/// softmax:     x̄ = y ⊙ (ḡ − Σ_axis ḡ ⊙ y)
/// logSoftmax:  x̄ = ḡ − eʸ ⊙ Σ_axis ḡ
/// logSumExp:   x̄ = ḡ ⊙ e^(x − y)        (ḡ, y with the reduced axis restored)
/// ```
struct SoftmaxFamily<Scalar: TensorScalar>: TensorOperation {
    let function: SoftmaxFunction
    let axis: Int
    /// logSumExp: whether the reduced axis is kept with extent 1 (true for the others).
    let keep: Bool

    var kind: TensorOpKind {
        switch function {
        case .softmax: .softmax
        case .logSoftmax: .logSoftmax
        case .logSumExp: .logSumExp
        }
    }
    var listingName: String { "\(kind.rawValue)[axis \(axis)]" }
    var keyParameters: [Int]? { function == .logSumExp ? [axis, keep ? 1 : 0] : [axis] }
    var savesOutput: Bool { true }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func forward(_ x: [Tensor<Scalar>]) -> Tensor<Scalar> {
        let shape = x[0].shape
        let outer = shape[..<axis].reduce(1, *), n = shape[axis], inner = shape[(axis + 1)...].reduce(1, *)
        var outShape = shape
        if function == .logSumExp {
            if keep { outShape[axis] = 1 } else { outShape.remove(at: axis) }
        }
        let out = Tensor.makeStorage(outShape.reduce(1, *)) { o in
            x[0].storage.withUnsafeBufferPointer { Scalar._softmax(function, $0, outer: outer, count: n, inner: inner, o) }
        }
        return Tensor(storage: out, shape: outShape, node: nil)
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func inputGradients(
        inputs x: NodeInputView<Scalar>, output y: Tensor<Scalar>, upstream g: Tensor<Scalar>
    ) -> NodeGradients<Scalar> {
        switch function {
        case .softmax:
            return NodeGradients(y * (g - (g * y).sum(alongAxes: [axis], keepingDimensions: true)))
        case .logSoftmax:
            return NodeGradients(g - y.exp() * g.sum(alongAxes: [axis], keepingDimensions: true))
        case .logSumExp:
            let gKeep = restoreReducedAxes(g, axes: [axis], keep: keep, inputShape: x[0].shape)
            let yKeep = restoreReducedAxes(y, axes: [axis], keep: keep, inputShape: x[0].shape)
            return NodeGradients(gKeep * (x[0] - yKeep).exp())
        }
    }

    func kernel(inputs x: [[Int]], shape: [Int]) -> TensorProgram<Scalar>.Kernel? {
        guard x[0].reduce(1, *) > 0 else { return nil }
        let outer = x[0][..<axis].reduce(1, *), inner = x[0][(axis + 1)...].reduce(1, *)
        return .softmax(function, outer: outer, count: x[0][axis], inner: inner)
    }
}
