// matmul: the matrix product op(A)·op(B), 2-D or batched 3-D, either operand optionally
// transposed (its last two axes) without a copy.

extension Tensor {
    /// Matrix product of `[m, k] × [k, n]`, or batched `[b, m, k] × [b, k, n]`, through
    /// `MatmulPlan` (plain loops for small products, GEMM for the rest, as in compiled
    /// programs). Batch axes (all but the last two) broadcast as in NumPy's `matmul`
    /// (`[b, m, k] × [k, n]`, `[b₁, 1, m, k] × [1, b₂, k, n]`; see `BroadcastMatmul`). Either operand can be used transposed (its last two axes swapped)
    /// without copying: `x.matmul(w, transposingOther: true)` is `x·wᵀ`.
    ///
    /// ```
    /// C = op(A)·op(B)      ∂L/∂op(A) = Ḡ·op(B)ᵀ,  ∂L/∂op(B) = op(A)ᵀ·Ḡ
    /// ```
    /// Precondition: both operands of rank ≥ 2 with broadcasting batch axes; inner
    /// dimensions (after the transposes) equal.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func matmul(_ other: Tensor, transposingSelf: Bool = false, transposingOther: Bool = false,
                       file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        if !(rank == 2 && other.rank == 2) && !(rank == 3 && other.rank == 3 && shape[0] == other.shape[0]) {
            return broadcastMatmul(other, transposingSelf: transposingSelf, transposingOther: transposingOther,
                                   file: file, line: line)
        }
        if case .failure(let error) = MatmulPlan.make(shape, other.shape, transposingA: transposingSelf, transposingB: transposingOther) {
            let described = (transposingSelf ? "\(shape)ᵀ" : "\(shape)") + " × " + (transposingOther ? "\(other.shape)ᵀ" : "\(other.shape)")
            tensorError("matmul: \(described): \(error.reason)", file: file, line: line)
        }
        return Matmul<Scalar>(transposingA: transposingSelf, transposingB: transposingOther)
            .apply([self, other], file: file, line: line)
    }
}

/// C = op(A)·op(B), op(X) = Xᵀ (last two axes) when flagged.
///
/// ```
/// Ā = Ḡ·op(B)ᵀ  (or op(B)·Ḡᵀ when A is used transposed),   B̄ = op(A)ᵀ·Ḡ  (or Ḡᵀ·op(A))
/// ```
/// GEMM applies every transpose in place; the program kernel is `MatmulPlan`'s.
struct Matmul<Scalar: TensorScalar>: TensorOperation {
    let transposingA: Bool
    let transposingB: Bool

    var kind: TensorOpKind { .matmul }
    var listingName: String {
        let (tA, tB) = (transposingA, transposingB)
        return "matmul" + (tA || tB ? "[" + (tA ? "Aᵀ" : "A") + "·" + (tB ? "Bᵀ" : "B") + "]" : "")
    }
    var keyParameters: [Int]? { [transposingA ? 1 : 0, transposingB ? 1 : 0] }

    func forward(_ x: [Tensor<Scalar>]) -> Tensor<Scalar> {
        Tensor.matmulConstant(x[0], transposingA: transposingA, x[1], transposingB: transposingB)
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func inputGradients(
        inputs x: NodeInputView<Scalar>, output y: Tensor<Scalar>, upstream g: Tensor<Scalar>
    ) -> NodeGradients<Scalar> {
        func mm(_ a: Tensor<Scalar>, _ b: Tensor<Scalar>, _ ta: Bool, _ tb: Bool) -> Tensor<Scalar> {
            isRecordingGradients ? a.matmul(b, transposingSelf: ta, transposingOther: tb)
                : Tensor.matmulConstant(a, transposingA: ta, b, transposingB: tb)
        }
        let (tA, tB) = (transposingA, transposingB)
        return NodeGradients(x.requiresGradient(0) ? (tA ? mm(x[1], g, tB, true) : mm(g, x[1], false, !tB)) : nil,
                             x.requiresGradient(1) ? (tB ? mm(g, x[0], true, tA) : mm(x[0], g, !tA, false)) : nil)
    }

    func kernel(inputs x: [[Int]], shape: [Int]) -> TensorProgram<Scalar>.Kernel? {
        guard let plan = try? MatmulPlan.make(x[0], x[1], transposingA: transposingA, transposingB: transposingB).get()
        else { return nil }
        return .matmul(transA: transposingA, transB: transposingB, batch: plan.batch, m: plan.m, n: plan.n, k: plan.k)
    }
}
