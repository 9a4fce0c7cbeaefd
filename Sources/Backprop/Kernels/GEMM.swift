import CBackpropKernels

/// Row-major matrix multiplication on raw storage: the single entry point the
/// tensor ops use. `C[m×n] = op(A)[m×k] · op(B)[k×n] (+ C when accumulate)`.
///
/// op(X) is X, or Xᵀ when the matching `trans` flag is set; `lda`, `ldb`, `ldc` are
/// the row strides of A, B and C as stored.
@usableFromInline
enum GEMM {
    /// Float GEMM.
    @usableFromInline
    static func multiply(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool
    ) {
        bp_sgemm(transA ? 1 : 0, transB ? 1 : 0, m, n, k, a, lda, b, ldb, c, ldc, accumulate ? 1 : 0)
    }

    /// Double GEMM.
    @usableFromInline
    static func multiply(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
        a: UnsafePointer<Double>, lda: Int, b: UnsafePointer<Double>, ldb: Int,
        c: UnsafeMutablePointer<Double>, ldc: Int, accumulate: Bool
    ) {
        bp_dgemm(transA ? 1 : 0, transB ? 1 : 0, m, n, k, a, lda, b, ldb, c, ldc, accumulate ? 1 : 0)
    }
}
