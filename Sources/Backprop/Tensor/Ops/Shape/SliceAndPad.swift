// sliced / padded: a sub-tensor, and a tensor placed inside zeros (each the other's
// adjoint).

extension Tensor {
    /// A sub-tensor: one range per leading axis (missing trailing axes are taken whole).
    ///
    /// ```
    /// y[i] = x[lower + i]      ∂L/∂x = ḡ padded with zeros
    /// ```
    /// Precondition: at most `rank` ranges, each within its axis.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func sliced(_ ranges: [Range<Int>], file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        if ranges.count > rank {
            tensorError("sliced: \(ranges.count) ranges for shape \(shape)", file: file, line: line)
        }
        for (k, r) in ranges.enumerated() where r.lowerBound < 0 || r.upperBound > shape[k] {
            tensorError("sliced: range \(r) is out of bounds for axis \(k) of shape \(shape)", file: file, line: line)
        }
        let full = ranges + shape[ranges.count...].map { 0..<$0 }
        let outShape = full.map(\.count)
        if outShape == shape { return unchangedView(file: file, line: line) }
        return Slice<Scalar>(lower: full.map(\.lowerBound), shape: outShape).apply([self], file: file, line: line)
    }

    /// This tensor placed inside a zero tensor of `shape`, starting at offsets `lower`
    /// (the adjoint of `sliced`).
    ///
    /// ```
    /// y[lower + i] = x[i], 0 elsewhere      ∂L/∂x = slice of ḡ
    /// ```
    /// Precondition: same rank, and `lower[k] + shape[k]` fits in the target shape.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func padded(to shape: [Int], at lower: [Int], file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        if shape.count != rank || lower.count != rank
            || zip(zip(lower, self.shape), shape).contains(where: { $0.0 < 0 || $0.0 + $0.1 > $1 })
        {
            tensorError("padded: a tensor of shape \(self.shape) at offsets \(lower) does not fit in \(shape)",
                        file: file, line: line)
        }
        if shape == self.shape { return unchangedView(file: file, line: line) }
        return Pad<Scalar>(lower: lower, shape: shape).apply([self], file: file, line: line)
    }
}

/// The sub-tensor of extents `shape` starting at `lower`.
///
/// ```
/// y[i] = x[lower + i]      x̄ = pad(ḡ, lower, x.shape)
/// ```
struct Slice<Scalar: TensorScalar>: TensorOperation {
    let lower: [Int]
    /// The result's shape.
    let shape: [Int]
    var kind: TensorOpKind { .slice }
    var keyParameters: [Int]? { lower }

    func forward(_ x: [Tensor<Scalar>]) -> Tensor<Scalar> {
        let strides = contiguousStrides(x[0].shape)
        let offset = zip(lower, strides).reduce(0) { $0 + $1.0 * $1.1 }
        return Tensor(storage: x[0].gatheredStorage(shape: shape, strides: strides, offset: offset), shape: shape, node: nil)
    }

    func inputGradients(
        inputs x: NodeInputView<Scalar>, output y: Tensor<Scalar>, upstream g: Tensor<Scalar>
    ) -> NodeGradients<Scalar> {
        NodeGradients(g.padded(to: x[0].shape, at: lower))
    }
}

/// Placement into zeros of `shape` at offsets `lower` (the adjoint of `Slice`).
///
/// ```
/// y[lower + i] = x[i], 0 elsewhere      x̄ = slice(ḡ, lower, x.shape)
/// ```
struct Pad<Scalar: TensorScalar>: TensorOperation {
    let lower: [Int]
    /// The result's shape.
    let shape: [Int]
    var kind: TensorOpKind { .pad }
    var keyParameters: [Int]? { lower }

    func forward(_ x: [Tensor<Scalar>]) -> Tensor<Scalar> {
        let strides = contiguousStrides(shape)
        let offset = zip(lower, strides).reduce(0) { $0 + $1.0 * $1.1 }
        var out = TensorStorage<Scalar>(repeating: 0, count: shape.reduce(1, *))
        x[0].scatter(into: &out, strides: strides, offset: offset)
        return Tensor(storage: out, shape: shape, node: nil)
    }

    func inputGradients(
        inputs x: NodeInputView<Scalar>, output y: Tensor<Scalar>, upstream g: Tensor<Scalar>
    ) -> NodeGradients<Scalar> {
        NodeGradients(g.sliced(zip(lower, x[0].shape).map { $0..<($0 + $1) }))
    }
}
