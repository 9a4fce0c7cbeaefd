// permuted / transposed: the axes reordered.

extension Tensor {
    /// The axes reordered: axis k of the result is axis `axes[k]` of this tensor.
    ///
    /// ```
    /// y[i_{p(0)}, …] = x[i₀, …]      ∂L/∂x = permute(ḡ, p⁻¹)
    /// ```
    /// Precondition: `axes` is a permutation of `0..<rank`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func permuted(_ axes: [Int], file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        if axes.sorted() != Array(0..<rank) {
            tensorError("permuted: \(axes) is not a permutation of the axes of shape \(shape)", file: file, line: line)
        }
        if axes == Array(0..<rank) { return unchangedView(file: file, line: line) }
        return Permute<Scalar>(axes: axes).apply([self], file: file, line: line)
    }

    /// The matrix transpose; for rank > 2, the last two axes are swapped (batched transpose).
    ///
    /// ```
    /// yᵀ[j, i] = x[i, j]      ∂L/∂x = ḡᵀ
    /// ```
    /// Precondition: rank ≥ 2.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func transposed(file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        if rank < 2 { tensorError("transposed: needs rank ≥ 2, got shape \(shape)", file: file, line: line) }
        var axes = Array(0..<rank)
        axes.swapAt(rank - 1, rank - 2)
        return permuted(axes, file: file, line: line)
    }
}

/// Axis permutation: result axis k is input axis `axes[k]`.
///
/// ```
/// y = permute(x, p)      x̄ = permute(ḡ, p⁻¹)
/// ```
struct Permute<Scalar: TensorScalar>: TensorOperation {
    let axes: [Int]
    var kind: TensorOpKind { .permute }
    var listingName: String { "permute\(axes)" }
    var keyParameters: [Int]? { axes }

    func forward(_ x: [Tensor<Scalar>]) -> Tensor<Scalar> {
        let strides = contiguousStrides(x[0].shape)
        let outShape = axes.map { x[0].shape[$0] }
        return Tensor(storage: x[0].gatheredStorage(shape: outShape, strides: axes.map { strides[$0] }), shape: outShape, node: nil)
    }

    func inputGradients(
        inputs x: NodeInputView<Scalar>, output y: Tensor<Scalar>, upstream g: Tensor<Scalar>
    ) -> NodeGradients<Scalar> {
        var inverse = axes
        for (k, a) in axes.enumerated() { inverse[a] = k }
        return NodeGradients(g.permuted(inverse))
    }

    /// The slice kernel at offset 0: the result's elements in order, each read from the
    /// input through the permuted strides (`y[j] = x[Σₖ jₖ·stride(axes[k])]`).
    func kernel(inputs x: [[Int]], shape: [Int]) -> TensorProgram<Scalar>.Kernel? { .slice(offset: 0) }

    /// The result's axes; the input read through its permuted strides, the result contiguous.
    func kernelLoop(inputs x: [[Int]], shape: [Int]) -> OperandLoop? {
        let strides = contiguousStrides(x[0])
        return OperandLoop(shape: shape, axes.map { strides[$0] }, contiguousStrides(shape))
    }
}
