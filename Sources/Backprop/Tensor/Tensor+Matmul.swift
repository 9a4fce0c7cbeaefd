extension Tensor {
    /// Matrix product of `[m, k] × [k, n]`, or batched `[b, m, k] × [b, k, n]`, through
    /// `GEMM.multiply`.
    ///
    /// ```
    /// C = A·B      ∂L/∂A = Ḡ·Bᵀ,  ∂L/∂B = Aᵀ·Ḡ
    /// ```
    /// Precondition: both operands of rank 2, or both of rank 3 with equal batch size;
    /// inner dimensions equal.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func matmul(_ other: Tensor, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        let a = shape, b = other.shape
        guard (a.count == 2 && b.count == 2) || (a.count == 3 && b.count == 3) else {
            tensorError("matmul: \(a) × \(b): operands must both be matrices (rank 2) or both batches of matrices (rank 3)",
                        file: file, line: line)
        }
        if a.count == 3 && a[0] != b[0] {
            tensorError("matmul: \(a) × \(b): batch sizes \(a[0]) and \(b[0]) differ", file: file, line: line)
        }
        let m = a[a.count - 2], k = a[a.count - 1], k2 = b[b.count - 2], n = b[b.count - 1]
        if k != k2 {
            tensorError("matmul: \(a) × \(b): inner dimensions \(k) and \(k2) differ", file: file, line: line)
        }
        let batch = a.count == 3 ? a[0] : 1
        var out = [Scalar](repeating: 0, count: batch * m * n)
        if m > 0 && n > 0 {
            out.withUnsafeMutableBufferPointer { c in
                storage.withUnsafeBufferPointer { pa in
                    other.storage.withUnsafeBufferPointer { pb in
                        for i in 0..<batch where k > 0 {
                            Scalar._gemm(transA: false, transB: false, m: m, n: n, k: k,
                                         a: pa.baseAddress! + i * m * k, lda: k,
                                         b: pb.baseAddress! + i * k * n, ldb: n,
                                         c: c.baseAddress! + i * m * n, ldc: n)
                        }
                    }
                }
            }
        }
        let outShape = a.count == 3 ? [batch, m, n] : [m, n]
        return Tensor.result(out, outShape, .matmul, self, other)
    }

    /// `op(a)·op(b)` as a constant (no graph node), with transposes done by GEMM
    /// instead of materialised: the matmul rule uses it when the backward pass is not
    /// being recorded. Shapes are trusted (they come from a recorded matmul).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    static func matmulConstant(_ a: Tensor, transposingA: Bool, _ b: Tensor, transposingB: Bool) -> Tensor {
        let r = a.rank
        let batch = r == 3 ? a.shape[0] : 1
        let (ar, ac) = (a.shape[r - 2], a.shape[r - 1]), (br, bc) = (b.shape[r - 2], b.shape[r - 1])
        let m = transposingA ? ac : ar, k = transposingA ? ar : ac, n = transposingB ? br : bc
        var out = [Scalar](repeating: 0, count: batch * m * n)
        if m > 0 && n > 0 && k > 0 {
            out.withUnsafeMutableBufferPointer { c in
                a.storage.withUnsafeBufferPointer { pa in
                    b.storage.withUnsafeBufferPointer { pb in
                        for i in 0..<batch {
                            Scalar._gemm(transA: transposingA, transB: transposingB, m: m, n: n, k: k,
                                         a: pa.baseAddress! + i * ar * ac, lda: ac,
                                         b: pb.baseAddress! + i * br * bc, ldb: bc,
                                         c: c.baseAddress! + i * m * n, ldc: n)
                        }
                    }
                }
            }
        }
        return Tensor(storage: out, shape: r == 3 ? [batch, m, n] : [m, n], node: nil)
    }
}
