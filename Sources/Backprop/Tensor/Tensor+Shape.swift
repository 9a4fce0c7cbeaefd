extension Tensor {
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func scatterStorage(_ index: [Int], count n: Int) -> TensorStorage<Scalar> {
        var out = TensorStorage<Scalar>(repeating: 0, count: n)
        out.withUnsafeMutableBufferPointer { o in
            storage.withUnsafeBufferPointer { x in
                index.withUnsafeBufferPointer { ix in Scalar._scatterAdd(x, ix, o) }
            }
        }
        return out
    }

    /// The same elements with a new shape (row-major order is kept; no copy). One
    /// extent may be -1 and is then inferred.
    ///
    /// ```
    /// y = x viewed as `shape`      ∂L/∂x = reshape(ḡ, x.shape)
    /// ```
    /// Precondition: the element counts agree.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func reshaped(to newShape: [Int], file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        var shape = newShape
        if let k = shape.firstIndex(of: -1) {
            let known = shape.enumerated().filter { $0.offset != k }.map(\.element).reduce(1, *)
            if known <= 0 || count % known != 0 {
                tensorError("reshape: cannot infer -1 in \(newShape) for \(count) elements (shape \(self.shape))",
                            file: file, line: line)
            }
            shape[k] = count / known
        }
        if shape.contains(where: { $0 < 0 }) || shape.reduce(1, *) != count {
            tensorError("reshape: cannot reshape \(self.shape) (\(count) elements) to \(newShape) (\(newShape.reduce(1, *)) elements)",
                        file: file, line: line)
        }
        if shape == self.shape { return unchangedView(file: file, line: line) }
        return Tensor.result(storage, shape, .reshape, self)
    }

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
        let strides = contiguousStrides(shape)
        let outShape = axes.map { shape[$0] }
        let index = stridedIndex(outShape, axes.map { strides[$0] })
        return Tensor.result(gatherStorage(index), outShape, .permute(axes: axes), self)
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
        let strides = contiguousStrides(shape)
        let offset = zip(full, strides).reduce(0) { $0 + $1.0.lowerBound * $1.1 }
        let index = stridedIndex(outShape, strides, offset: offset)
        return Tensor.result(gatherStorage(index), outShape, .slice(lower: full.map(\.lowerBound)), self)
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
        let strides = contiguousStrides(shape)
        let offset = zip(lower, strides).reduce(0) { $0 + $1.0 * $1.1 }
        let index = stridedIndex(self.shape, strides, offset: offset)
        return Tensor.result(scatterStorage(index, count: shape.reduce(1, *)), shape, .pad(lower: lower), self)
    }

    /// Rows (slices along axis 0) picked by index; indices may repeat.
    ///
    /// ```
    /// y[i, …] = x[indices[i], …]      ∂L/∂x[r] = Σ_{i: indices[i] = r} ḡ[i]
    /// ```
    /// Precondition: rank ≥ 1 and every index in `0..<shape[0]`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func selectingRows(_ indices: [Int], file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        if rank < 1 { tensorError("selectingRows: needs rank ≥ 1, got a scalar", file: file, line: line) }
        if let bad = indices.first(where: { $0 < 0 || $0 >= shape[0] }) {
            tensorError("selectingRows: row index \(bad) is out of range for shape \(shape)", file: file, line: line)
        }
        let rowSize = shape[1...].reduce(1, *)
        var index: [Int] = []
        index.reserveCapacity(indices.count * rowSize)
        for r in indices { index.append(contentsOf: (r * rowSize)..<((r + 1) * rowSize)) }
        return Tensor.result(gatherStorage(index), [indices.count] + shape[1...], .selectRows(indices: indices), self)
    }

    /// Rows added into a zero tensor with `rowCount` rows at the given row indices
    /// (repeated indices accumulate; the adjoint of `selectingRows`).
    ///
    /// ```
    /// y[r] = Σ_{i: indices[i] = r} x[i]      ∂L/∂x[i] = ḡ[indices[i]]
    /// ```
    /// Precondition: `shape[0] == indices.count`, every index in `0..<rowCount`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func scatteredRows(
        at indices: [Int], rowCount: Int, file: StaticString = #fileID, line: UInt = #line
    ) -> Tensor {
        if rank < 1 || shape[0] != indices.count {
            tensorError("scatteredRows: \(indices.count) indices for shape \(shape)", file: file, line: line)
        }
        if let bad = indices.first(where: { $0 < 0 || $0 >= rowCount }) {
            tensorError("scatteredRows: row index \(bad) is out of range for \(rowCount) rows", file: file, line: line)
        }
        let rowSize = shape[1...].reduce(1, *)
        var index: [Int] = []
        index.reserveCapacity(count)
        for r in indices { index.append(contentsOf: (r * rowSize)..<((r + 1) * rowSize)) }
        let outShape = [rowCount] + shape[1...]
        return Tensor.result(scatterStorage(index, count: rowCount * rowSize), outShape,
                             .scatterRows(indices: indices), self)
    }

    /// One element per row of a matrix, picked by class index (as in cross-entropy).
    ///
    /// ```
    /// y[i] = x[i, labels[i]]      ∂L/∂x[i, c] = ḡ[i]·[c = labels[i]]
    /// ```
    /// Precondition: `x` is `[n, c]`, `labels.count == n`, every label in `0..<c`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func gathered(
        atClassIndices labels: [Int], file: StaticString = #fileID, line: UInt = #line
    ) -> Tensor {
        if rank != 2 || shape[0] != labels.count {
            tensorError("gathered: needs a [n, classes] matrix with n = \(labels.count) labels, got shape \(shape)",
                        file: file, line: line)
        }
        if let bad = labels.first(where: { $0 < 0 || $0 >= shape[1] }) {
            tensorError("gathered: class index \(bad) is out of range for \(shape[1]) classes", file: file, line: line)
        }
        let index = labels.enumerated().map { $0.offset * shape[1] + $0.element }
        return Tensor.result(gatherStorage(index), [labels.count], .gather(classIndices: labels), self)
    }

    /// A `[n, classCount]` matrix of zeros with `x[i]` at column `labels[i]` of row i
    /// (the adjoint of `gathered(atClassIndices:)`).
    ///
    /// ```
    /// y[i, c] = x[i]·[c = labels[i]]      ∂L/∂x[i] = ḡ[i, labels[i]]
    /// ```
    /// Precondition: `x` is `[n]` with `n == labels.count`, every label in `0..<classCount`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func scattered(
        toClassIndices labels: [Int], classCount: Int, file: StaticString = #fileID, line: UInt = #line
    ) -> Tensor {
        if rank != 1 || shape[0] != labels.count {
            tensorError("scattered: needs a vector of \(labels.count) values, got shape \(shape)", file: file, line: line)
        }
        if let bad = labels.first(where: { $0 < 0 || $0 >= classCount }) {
            tensorError("scattered: class index \(bad) is out of range for \(classCount) classes", file: file, line: line)
        }
        let index = labels.enumerated().map { $0.offset * classCount + $0.element }
        return Tensor.result(scatterStorage(index, count: labels.count * classCount), [labels.count, classCount],
                             .scatterClasses(classIndices: labels), self)
    }

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
        var outShape = first.shape
        outShape[k] = 0
        for t in tensors {
            var a = t.shape, b = first.shape
            if a.count == b.count { a[k] = 0; b[k] = 0 }
            if a != b {
                tensorError("concatenated: shapes \(first.shape) and \(t.shape) differ outside axis \(k)",
                            file: file, line: line)
            }
            outShape[k] += t.shape[k]
        }
        let strides = contiguousStrides(outShape)
        var out = TensorStorage<Scalar>(repeating: 0, count: outShape.reduce(1, *))
        var start = 0
        for t in tensors {
            let index = stridedIndex(t.shape, strides, offset: start * strides[k])
            out.withUnsafeMutableBufferPointer { o in
                t.storage.withUnsafeBufferPointer { x in
                    index.withUnsafeBufferPointer { Scalar._scatterAdd(x, $0, o) }
                }
            }
            start += t.shape[k]
        }
        return Tensor.result(out, outShape, .concatenate(axis: k), tensors)
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

extension Tensor {
    /// The same tensor as a new result of an identity op (a reshape to its own shape),
    /// for view ops that change nothing: the result is a node of its own, so asking for
    /// the gradient with respect to it gives the gradient through it alone, not through
    /// every other use of this tensor. Constants are returned as they are.
    ///
    /// ```
    /// y = x,   ∂L/∂y = ḡ (the gradient reaching y only)
    /// ```
    @inline(__always)
    func unchangedView(file: StaticString, line: UInt) -> Tensor {
        node == nil ? self : Tensor.result(storage, shape, .reshape, self, file: file, line: line)
    }
}
