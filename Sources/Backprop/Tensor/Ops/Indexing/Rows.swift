// selectingRows / scatteredRows: rows picked by index and rows added into zeros at
// indices (each the other's adjoint).

extension Tensor {
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
        return SelectRows<Scalar>(indices: indices).apply([self], file: file, line: line)
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
        return ScatterRows<Scalar>(indices: indices, rowCount: rowCount).apply([self], file: file, line: line)
    }
}

/// The flat element offsets of the given rows of a tensor with rows of `rowSize` elements.
///
/// ```
/// [r·rowSize ..< (r+1)·rowSize  for r in rows]
/// ```
func rowElementIndex(_ rows: [Int], rowSize: Int) -> [Int] {
    var index: [Int] = []
    index.reserveCapacity(rows.count * rowSize)
    for r in rows { index.append(contentsOf: (r * rowSize)..<((r + 1) * rowSize)) }
    return index
}

/// Rows picked by index.
///
/// ```
/// y[i] = x[indices[i]]      x̄ = scatterRows(ḡ, indices)
/// ```
struct SelectRows<Scalar: TensorScalar>: TensorOperation {
    let indices: [Int]
    var kind: TensorOpKind { .selectRows }
    var keyParameters: [Int]? { indices }

    func forward(_ x: [Tensor<Scalar>]) -> Tensor<Scalar> {
        let index = rowElementIndex(indices, rowSize: x[0].shape[1...].reduce(1, *))
        return Tensor(storage: x[0].gatherStorage(index), shape: [indices.count] + x[0].shape[1...], node: nil)
    }

    func inputGradients(
        inputs x: NodeInputView<Scalar>, output y: Tensor<Scalar>, upstream g: Tensor<Scalar>
    ) -> NodeGradients<Scalar> {
        NodeGradients(g.scatteredRows(at: indices, rowCount: x[0].shape[0]))
    }
}

/// Rows added into zeros at indices (the adjoint of `SelectRows`).
///
/// ```
/// y[r] = Σ_{i: indices[i] = r} x[i]      x̄ = selectRows(ḡ, indices)
/// ```
struct ScatterRows<Scalar: TensorScalar>: TensorOperation {
    let indices: [Int]
    let rowCount: Int
    var kind: TensorOpKind { .scatterRows }
    var keyParameters: [Int]? { indices }

    func forward(_ x: [Tensor<Scalar>]) -> Tensor<Scalar> {
        let rowSize = x[0].shape[1...].reduce(1, *)
        let index = rowElementIndex(indices, rowSize: rowSize)
        return Tensor(storage: x[0].scatterStorage(index, count: rowCount * rowSize),
                      shape: [rowCount] + x[0].shape[1...], node: nil)
    }

    func inputGradients(
        inputs x: NodeInputView<Scalar>, output y: Tensor<Scalar>, upstream g: Tensor<Scalar>
    ) -> NodeGradients<Scalar> {
        NodeGradients(g.selectingRows(indices))
    }
}
