// gathered(atClassIndices:) / scattered(toClassIndices:classCount:): one element per
// row picked by class index (as in cross-entropy), and its adjoint.

extension Tensor {
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
        return Gather<Scalar>(classIndices: labels).apply([self], file: file, line: line)
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
        return ScatterClasses<Scalar>(classIndices: labels, classCount: classCount).apply([self], file: file, line: line)
    }
}

/// out[i] = x[i, classIndices[i]].
///
/// ```
/// x̄ = scatterClasses(ḡ, classIndices)
/// ```
struct Gather<Scalar: TensorScalar>: TensorOperation {
    let classIndices: [Int]
    var kind: TensorOpKind { .gather }
    var keyParameters: [Int]? { classIndices }

    func forward(_ x: [Tensor<Scalar>]) -> Tensor<Scalar> {
        let classes = x[0].shape[1]
        let index = classIndices.enumerated().map { $0.offset * classes + $0.element }
        return Tensor(storage: x[0].gatherStorage(index), shape: [classIndices.count], node: nil)
    }

    func inputGradients(
        inputs x: NodeInputView<Scalar>, output y: Tensor<Scalar>, upstream g: Tensor<Scalar>
    ) -> NodeGradients<Scalar> {
        NodeGradients(g.scattered(toClassIndices: classIndices, classCount: x[0].shape[1]))
    }
}

/// out[i, classIndices[i]] = x[i], zeros elsewhere (the adjoint of `Gather`).
///
/// ```
/// x̄ = gather(ḡ, classIndices)
/// ```
struct ScatterClasses<Scalar: TensorScalar>: TensorOperation {
    let classIndices: [Int]
    let classCount: Int
    var kind: TensorOpKind { .scatterClasses }
    var keyParameters: [Int]? { classIndices }

    func forward(_ x: [Tensor<Scalar>]) -> Tensor<Scalar> {
        let index = classIndices.enumerated().map { $0.offset * classCount + $0.element }
        return Tensor(storage: x[0].scatterStorage(index, count: classIndices.count * classCount),
                      shape: [classIndices.count, classCount], node: nil)
    }

    func inputGradients(
        inputs x: NodeInputView<Scalar>, output y: Tensor<Scalar>, upstream g: Tensor<Scalar>
    ) -> NodeGradients<Scalar> {
        NodeGradients(g.gathered(atClassIndices: classIndices))
    }
}
