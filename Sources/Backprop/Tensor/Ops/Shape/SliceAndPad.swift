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

    func kernel(inputs x: [[Int]], shape: [Int]) -> TensorProgram<Scalar>.Kernel? {
        .slice(offset: zip(lower, contiguousStrides(x[0])).reduce(0) { $0 + $1.0 * $1.1 })
    }

    /// The result's axes; the input read through its own strides, the result contiguous.
    func kernelLoop(inputs x: [[Int]], shape: [Int]) -> OperandLoop? {
        OperandLoop(shape: shape, contiguousStrides(x[0]), contiguousStrides(shape))
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

    func kernel(inputs x: [[Int]], shape: [Int]) -> TensorProgram<Scalar>.Kernel? {
        .pad(offset: zip(lower, contiguousStrides(shape)).reduce(0) { $0 + $1.0 * $1.1 })
    }

    /// The input's axes; the result written through its own strides, the input contiguous.
    func kernelLoop(inputs x: [[Int]], shape: [Int]) -> OperandLoop? {
        OperandLoop(shape: x[0], contiguousStrides(shape), contiguousStrides(x[0]))
    }
}

extension TensorProgram {
    /// The kernels of `sliced` (`pad` false: out[j] = x[offset + strided(j)]) and `padded`
    /// (`pad` true: zeros, then out[offset + strided(i)] = x[i]); `loop` walks the smaller
    /// tensor, its first strides those of the larger.
    ///
    /// ```
    /// slice: y[i] = x[lower + i]      pad: y[lower + i] = x[i], 0 elsewhere
    /// ```
    static func copyRegion(pad: Bool, _ x: UnsafePointer<Scalar>, _ y: UnsafeMutableBufferPointer<Scalar>, offset: Int,
                           _ loop: OperandLoop) {
        guard let out = y.baseAddress else { return }
        if pad { y.update(repeating: 0) }
        let n = loop.runLength, (sWide, _, _) = loop.runStrides
        loop.forEachRun { wide, narrow, _, _ in
            if pad {
                let (src, dst) = (x + narrow, out + offset + wide)
                if sWide == 1 { dst.update(from: src, count: n) } else { for j in 0..<n { dst[j &* sWide] = src[j] } }
            } else {
                let (src, dst) = (x + offset + wide, out + narrow)
                if sWide == 1 { dst.update(from: src, count: n) } else { for j in 0..<n { dst[j] = src[j &* sWide] } }
            }
        }
    }
}
