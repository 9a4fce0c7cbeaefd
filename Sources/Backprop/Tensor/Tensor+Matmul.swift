import CBackpropKernels

extension Tensor {
    /// Matrix product of `[m, k] × [k, n]`, or batched `[b, m, k] × [b, k, n]`, through
    /// `GEMM.multiply`. Either operand can be used transposed (its last two axes swapped)
    /// without copying: `x.matmul(w, transposingOther: true)` is `x·wᵀ`.
    ///
    /// ```
    /// C = op(A)·op(B)      ∂L/∂op(A) = Ḡ·op(B)ᵀ,  ∂L/∂op(B) = op(A)ᵀ·Ḡ
    /// ```
    /// Precondition: both operands of rank 2, or both of rank 3 with equal batch size;
    /// inner dimensions (after the transposes) equal.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func matmul(_ other: Tensor, transposingSelf: Bool = false, transposingOther: Bool = false,
                       file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        let a = shape, b = other.shape
        func describe() -> String {
            (transposingSelf ? "\(a)ᵀ" : "\(a)") + " × " + (transposingOther ? "\(b)ᵀ" : "\(b)")
        }
        guard (a.count == 2 && b.count == 2) || (a.count == 3 && b.count == 3) else {
            tensorError("matmul: \(describe()): operands must both be matrices (rank 2) or both batches of matrices (rank 3)",
                        file: file, line: line)
        }
        if a.count == 3 && a[0] != b[0] {
            tensorError("matmul: \(describe()): batch sizes \(a[0]) and \(b[0]) differ", file: file, line: line)
        }
        let r = a.count
        let k = transposingSelf ? a[r - 2] : a[r - 1]
        let k2 = transposingOther ? b[r - 1] : b[r - 2]
        if k != k2 {
            tensorError("matmul: \(describe()): inner dimensions \(k) and \(k2) differ", file: file, line: line)
        }
        let out = Tensor.matmulConstant(self, transposingA: transposingSelf, other, transposingB: transposingOther)
        return Tensor.result(out.storage, out.shape, .matmul(transposingA: transposingSelf, transposingB: transposingOther),
                             self, other, file: file, line: line)
    }

    /// A fully connected layer as one op: the product with the transposed weight matrix,
    /// plus a bias row added to every row of the result (one node instead of a matmul
    /// and a broadcasting add, and the bias is added in the product's own buffer).
    ///
    /// ```
    /// y = x·Wᵀ + b         y[i, j] = Σₖ x[i, k]·W[j, k] + b[j]
    /// ∂L/∂x = Ḡ·W,   ∂L/∂W = Ḡᵀ·x,   ∂L/∂b = Σᵢ Ḡ[i, ·]
    /// ```
    /// Precondition: `self` is `[batch, in]`, `weight` is `[out, in]`, `bias` (if any) is `[out]`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func linear(weight: Tensor, bias: Tensor? = nil, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        let (x, w) = (shape, weight.shape)
        guard x.count == 2, w.count == 2 else {
            tensorError("linear: input \(x) and weight \(w) must both be matrices ([batch, in] and [out, in])",
                        file: file, line: line)
        }
        if x[1] != w[1] {
            tensorError("linear: input \(x) has \(x[1]) features, weight \(w) expects \(w[1]) ([out, in])",
                        file: file, line: line)
        }
        if let bias, bias.shape != [w[0]] {
            tensorError("linear: bias has shape \(bias.shape), expected [\(w[0])] for weight \(w)", file: file, line: line)
        }
        var out = Tensor.matmulConstant(self, transposingA: false, weight, transposingB: true).storage
        if let bias {
            let n = w[0]
            out.withUnsafeMutableBufferPointer { o in
                bias.storage.withUnsafeBufferPointer { b in
                    // Raw pointers and wrapping offsets: no overflow checks in the inner
                    // loop, so it vectorises.
                    guard let out = o.baseAddress, let bias = b.baseAddress else { return }
                    for row in 0..<(o.count / n) {
                        let r = out + row &* n
                        for j in 0..<n { r[j] += bias[j] }
                    }
                }
            }
            guard (node != nil || weight.node != nil || bias.node != nil) && isRecordingGradients
                    || bp_anomaly_recorder() != nil || bp_tracer() != nil else {
                return Tensor(storage: out, shape: [x[0], w[0]], node: nil)
            }
            return Tensor.record(out, [x[0], w[0]], .linear, NodeInputs(self, weight, bias), file: file, line: line)
        }
        return Tensor.result(out, [x[0], w[0]], .linear, self, weight, file: file, line: line)
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
        // GEMM writes every element of C (it reads C only when accumulating), so the
        // result is not zero-filled first; an empty inner dimension gives zeros.
        let out: TensorStorage<Scalar>
        if m > 0 && n > 0 && k > 0 {
            out = TensorStorage(unsafeUninitializedCapacity: batch * m * n) { c, initialized in
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
                initialized = batch * m * n
            }
        } else {
            out = TensorStorage(repeating: 0, count: batch * m * n)
        }
        return Tensor(storage: out, shape: r == 3 ? [batch, m, n] : [m, n], node: nil)
    }
}
