// selectingRows(indexedBy:) / scatteredRows(indexedBy:rowCount:): rows picked (and added
// back) at indices held in a tensor, so that the indices are an operand of the op — a
// program input when compiled — rather than a parameter frozen at trace time.

extension TensorOpKind {
    /// Rows picked at the indices held in a tensor operand (an embedding lookup).
    public static let rowLookup = TensorOpKind(rawValue: "rowLookup")
    /// Rows added into zeros at the indices held in a tensor operand (its adjoint).
    public static let rowScatter = TensorOpKind(rawValue: "rowScatter")
}

extension Tensor {
    /// The rows (slices along axis 0) of `self` at the indices held in `indices`, a tensor
    /// of any shape whose elements are whole numbers in `0..<shape[0]` (an embedding
    /// lookup, PyTorch's `weight[indices]` / `F.embedding`). Indices may repeat; their
    /// gradients add up. The indices are an operand of the op, not a parameter: compiled
    /// into a `TensorProgram`, each run reads the indices it is given (pass them as an
    /// input), unlike `selectingRows(_:)`, whose `[Int]` is frozen at trace time. The
    /// indices get no gradient.
    ///
    /// ```
    /// y[i₁, …, iₖ, …] = x[indices[i₁, …, iₖ], …]       shape: indices.shape + x.shape[1...]
    /// ∂L/∂x[r] = Σ_{i: indices[i] = r} ḡ[i]          (scatter-add)
    /// ```
    /// ```swift
    /// let table = Tensor<Double>(shape: [3, 2], scalars: [0, 1, 10, 11, 20, 21])
    /// let rows = table.selectingRows(indexedBy: Tensor(shape: [2, 2], scalars: [2, 0, 2, 1]))
    /// print(rows.shape, rows.scalars)   // [2, 2, 2] [20, 21, 0, 1, 20, 21, 10, 11]
    /// ```
    /// Precondition: rank ≥ 1; every index a whole number in `0..<shape[0]` (checked at
    /// every run, compiled too: a bad one stops with a message naming it and the row count).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func selectingRows(indexedBy indices: Tensor, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        if rank < 1 { tensorError("selectingRows(indexedBy:): needs a table of rank ≥ 1, got a scalar", file: file, line: line) }
        return RowLookup<Scalar>(file: file, line: line).apply([self, indices], file: file, line: line)
    }

    /// `self`, of shape `indices.shape + rest`, added into a zero tensor of shape
    /// `[rowCount] + rest` at the rows named by `indices` (repeated indices accumulate):
    /// the adjoint of ``selectingRows(indexedBy:file:line:)``, with the indices an operand.
    ///
    /// ```
    /// y[r, …] = Σ_{i: indices[i] = r} x[i, …]      ∂L/∂x[i, …] = ḡ[indices[i], …]
    /// ```
    /// Precondition: `shape` starts with `indices.shape`; every index a whole number in
    /// `0..<rowCount`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func scatteredRows(
        indexedBy indices: Tensor, rowCount: Int, file: StaticString = #fileID, line: UInt = #line
    ) -> Tensor {
        if rank < indices.rank || Array(shape.prefix(indices.rank)) != indices.shape || rowCount < 0 {
            tensorError("scatteredRows(indexedBy:): values of shape \(shape) do not start with the indices' shape \(indices.shape)"
                        + (rowCount < 0 ? " (rowCount \(rowCount) is negative)" : ""), file: file, line: line)
        }
        return RowScatter<Scalar>(rowCount: rowCount, file: file, line: line).apply([self, indices], file: file, line: line)
    }
}

/// The indices held in `indices` as integers, each checked to be a whole number in
/// `0..<rowCount`; a bad one stops with a message naming it, its position and the count.
///
/// ```
/// rows[i] = Int(indices[i])      0 ≤ rows[i] < rowCount
/// ```
func rowIndices<Scalar: TensorScalar>(
    _ indices: Tensor<Scalar>, rowCount: Int, _ name: String, file: StaticString, line: UInt
) -> [Int] {
    indices.storage.withUnsafeBufferPointer { values in
        var rows = [Int](repeating: 0, count: values.count)
        for (i, v) in values.enumerated() {
            guard v.isFinite, v.rounded() == v, v >= 0, v < Scalar(rowCount) else {
                let position = indices.rank <= 1 ? "element \(i)" : "element \(i) (row-major) of shape \(indices.shape)"
                let what = v.isFinite && v.rounded() == v ? "index \(Int(v))" : "index \(v) (not a whole number)"
                tensorError("\(name): \(what) at \(position) of the indices is out of range for \(rowCount) rows (0..<\(rowCount))",
                            file: file, line: line)
            }
            rows[i] = Int(v)
        }
        return rows
    }
}

/// Rows picked at the indices held in operand 1.
///
/// ```
/// y[i] = x[indices[i]]      x̄ = rowScatter(ḡ, indices),  no gradient for the indices
/// ```
/// The program kernel reads the indices of each run (and checks them, stopping with the
/// eager message).
struct RowLookup<Scalar: TensorScalar>: TensorOperation {
    /// Where the op was called (for a bad index found at run time).
    let file: StaticString
    let line: UInt

    var kind: TensorOpKind { .rowLookup }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func forward(_ x: [Tensor<Scalar>]) -> Tensor<Scalar> {
        let table = x[0], rowSize = table.shape[1...].reduce(1, *)
        let rows = rowIndices(x[1], rowCount: table.shape[0], "selectingRows(indexedBy:)", file: file, line: line)
        let out = Tensor<Scalar>.makeStorage(rows.count * rowSize) { o in
            table.storage.withUnsafeBufferPointer { t in
                guard let source = t.baseAddress, let target = o.baseAddress else { return }
                for (i, r) in rows.enumerated() {
                    (target + i * rowSize).update(from: source + r * rowSize, count: rowSize)
                }
            }
        }
        return Tensor(storage: out, shape: x[1].shape + table.shape[1...], node: nil)
    }

    func inputGradients(
        inputs x: NodeInputView<Scalar>, output y: Tensor<Scalar>, upstream g: Tensor<Scalar>
    ) -> NodeGradients<Scalar> {
        NodeGradients(x.requiresGradient(0) ? g.scatteredRows(indexedBy: x[1], rowCount: x[0].shape[0], file: file, line: line) : nil,
                      nil)
    }

    func kernel(inputs x: [[Int]], shape: [Int]) -> TensorProgram<Scalar>.Kernel? {
        .rows(scatter: false, rowCount: x[0][0], rowSize: x[0][1...].reduce(1, *))
    }
}

/// Rows added into zeros at the indices held in operand 1 (the adjoint of `RowLookup`).
///
/// ```
/// y[r] = Σ_{i: indices[i] = r} x[i]      x̄ = rowLookup(ḡ, indices)
/// ```
struct RowScatter<Scalar: TensorScalar>: TensorOperation {
    let rowCount: Int
    let file: StaticString
    let line: UInt

    var kind: TensorOpKind { .rowScatter }
    var keyParameters: [Int]? { [rowCount] }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func forward(_ x: [Tensor<Scalar>]) -> Tensor<Scalar> {
        let values = x[0], rest = Array(values.shape[x[1].rank...]), rowSize = rest.reduce(1, *)
        let rows = rowIndices(x[1], rowCount: rowCount, "scatteredRows(indexedBy:)", file: file, line: line)
        var out = TensorStorage<Scalar>(repeating: 0, count: rowCount * rowSize)
        out.withUnsafeMutableBufferPointer { o in
            values.storage.withUnsafeBufferPointer { v in
                guard let source = v.baseAddress, let target = o.baseAddress else { return }
                for (i, r) in rows.enumerated() {
                    let from = source + i * rowSize, to = target + r * rowSize
                    for j in 0..<rowSize { to[j] += from[j] }
                }
            }
        }
        return Tensor(storage: out, shape: [rowCount] + rest, node: nil)
    }

    func inputGradients(
        inputs x: NodeInputView<Scalar>, output y: Tensor<Scalar>, upstream g: Tensor<Scalar>
    ) -> NodeGradients<Scalar> {
        NodeGradients(x.requiresGradient(0) ? g.selectingRows(indexedBy: x[1], file: file, line: line) : nil, nil)
    }

    func kernel(inputs x: [[Int]], shape: [Int]) -> TensorProgram<Scalar>.Kernel? {
        .rows(scatter: true, rowCount: rowCount, rowSize: x[0][x[1].count...].reduce(1, *))
    }
}

extension TensorProgram {
    /// The kernel of `selectingRows(indexedBy:)` and `scatteredRows(indexedBy:rowCount:)`:
    /// copies the row of `x` at each index, or adds each row of `x` into zeros at its
    /// index (in the order of the eager scatter). The indices were checked.
    ///
    /// ```
    /// lookup:  y[j] = x[indices[j]]
    /// scatter: y[indices[j]] += x[j]
    /// ```
    static func rows(
        scatter: Bool, _ x: UnsafePointer<Scalar>, _ indices: UnsafePointer<Scalar>, _ indexCount: Int,
        _ y: UnsafeMutableBufferPointer<Scalar>, rowSize: Int
    ) {
        guard let out = y.baseAddress else { return }
        if scatter { y.update(repeating: 0) }
        for j in 0..<indexCount {
            let r = Int(indices[j]) &* rowSize, i = j &* rowSize
            if scatter {
                let (src, dst) = (x + i, out + r)
                for e in 0..<rowSize { dst[e] += src[e] }
            } else {
                (out + i).update(from: x + r, count: rowSize)
            }
        }
    }
}
