// concatenated / stacked: tensors joined along an axis.

extension Tensor {
    /// Tensors joined along an existing axis.
    ///
    /// ```
    /// y = [x₁ | x₂ | …] along axis      ∂L/∂xₖ = the matching slice of ḡ
    /// ```
    /// Precondition: at least one tensor; equal ranks; equal extents except along `axis`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func concatenated(
        _ tensors: [Tensor], alongAxis axis: Int = 0, file: StaticString = #fileID, line: UInt = #line
    ) -> Tensor {
        guard let first = tensors.first else { tensorError("concatenated: no tensors", file: file, line: line) }
        let k = first.normalizedAxes([axis], "concatenated", file: file, line: line)[0]
        for t in tensors {
            var a = t.shape, b = first.shape
            if a.count == b.count { a[k] = 0; b[k] = 0 }
            if a != b {
                tensorError("concatenated: shapes \(first.shape) and \(t.shape) differ outside axis \(k)",
                            file: file, line: line)
            }
        }
        return Concatenate<Scalar>(axis: k).apply(tensors, file: file, line: line)
    }

    /// Tensors of equal shape joined along a new axis (a reshape then `concatenated`).
    ///
    /// ```
    /// y[…, k, …] = xₖ      ∂L/∂xₖ = ḡ[…, k, …]
    /// ```
    /// Precondition: at least one tensor, all of the same shape; `axis` in `0...rank`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func stacked(
        _ tensors: [Tensor], alongAxis axis: Int = 0, file: StaticString = #fileID, line: UInt = #line
    ) -> Tensor {
        guard let first = tensors.first else { tensorError("stacked: no tensors", file: file, line: line) }
        if axis < 0 || axis > first.rank {
            tensorError("stacked: axis \(axis) is out of range for shape \(first.shape)", file: file, line: line)
        }
        if let bad = tensors.first(where: { $0.shape != first.shape }) {
            tensorError("stacked: shapes \(first.shape) and \(bad.shape) differ", file: file, line: line)
        }
        var shape = first.shape
        shape.insert(1, at: axis)
        return concatenated(tensors.map { $0.reshaped(to: shape) }, alongAxis: axis, file: file, line: line)
    }
}

/// Concatenation along an axis (any number of inputs).
///
/// ```
/// y = [x₁ | … | xₙ]      x̄ₖ = ḡ[…, start_k ..< start_k + extent_k, …]
/// ```
struct Concatenate<Scalar: TensorScalar>: TensorOperation {
    let axis: Int
    var kind: TensorOpKind { .concatenate }
    var keyParameters: [Int]? { [axis] }

    func forward(_ x: [Tensor<Scalar>]) -> Tensor<Scalar> {
        var outShape = x[0].shape
        outShape[axis] = x.reduce(0) { $0 + $1.shape[axis] }
        let strides = contiguousStrides(outShape)
        var out = TensorStorage<Scalar>(repeating: 0, count: outShape.reduce(1, *))
        var start = 0
        for t in x {
            t.scatter(into: &out, strides: strides, offset: start * strides[axis])
            start += t.shape[axis]
        }
        return Tensor(storage: out, shape: outShape, node: nil)
    }

    func inputGradients(
        inputs x: NodeInputView<Scalar>, output y: Tensor<Scalar>, upstream g: Tensor<Scalar>
    ) -> NodeGradients<Scalar> {
        var start = 0
        return NodeGradients(x.indices.map { i in
            let size = x[i].shape[axis]
            defer { start += size }
            guard x.requiresGradient(i) else { return nil }
            var ranges = g.shape.map { 0..<$0 }
            ranges[axis] = start..<(start + size)
            return g.sliced(ranges)
        })
    }

    /// Copies each input's rows into place (the instruction's `parts`, set by the builder).
    func kernel(inputs x: [[Int]], shape: [Int]) -> TensorProgram<Scalar>.Kernel? {
        let outer = shape[..<axis].reduce(1, *)
        guard outer > 0, shape.reduce(1, *) > 0 else { return nil }
        return .concatenate(outer: outer)
    }
}

extension TensorProgram {
    /// The concatenation kernel: row r of the result (of `outer` rows) is row r of every
    /// part in turn, each `width` elements long.
    ///
    /// ```
    /// out[r, offsetₖ ..< offsetₖ + widthₖ] = xₖ[r, 0 ..< widthₖ]      offsetₖ = Σ_{j<k} widthⱼ
    /// ```
    static func concatenate(
        _ parts: [(slot: Int, width: Int)], _ p: UnsafeMutablePointer<UnsafeMutablePointer<Scalar>>,
        into out: UnsafeMutablePointer<Scalar>, outer: Int
    ) {
        let rowWidth = parts.reduce(0) { $0 + $1.width }
        var offset = 0
        for part in parts where part.width > 0 {
            let x = p[part.slot], width = part.width
            for r in 0..<outer { (out + (r &* rowWidth &+ offset)).update(from: x + r &* width, count: width) }
            offset += width
        }
    }
}
