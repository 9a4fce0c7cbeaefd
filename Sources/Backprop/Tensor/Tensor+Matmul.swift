import CBackpropKernels

extension Tensor {
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
            let plan = try! MatmulPlan.linear(input: x, weight: w).get()
            out.withUnsafeMutableBufferPointer { o in
                bias.storage.withUnsafeBufferPointer { b in
                    guard let out = o.baseAddress, let bias = b.baseAddress else { return }
                    MatmulPlan.addRow(bias, to: out, m: plan.m, n: plan.n)
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

    /// `op(a)·op(b)` as a constant (no graph node), with transposes done by the product's
    /// loops instead of materialised (`MatmulPlan`, as in compiled programs): the matmul
    /// rule uses it when the backward pass is not being recorded. Shapes are trusted
    /// (they come from a recorded matmul).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    static func matmulConstant(_ a: Tensor, transposingA: Bool, _ b: Tensor, transposingB: Bool) -> Tensor {
        let plan = try! MatmulPlan.make(a.shape, b.shape, transposingA: transposingA, transposingB: transposingB).get()
        // The plan writes every element of C (GEMM reads C only when accumulating), so the
        // result is not zero-filled first; an empty inner dimension gives zeros.
        let count = plan.batch * plan.m * plan.n
        let out = TensorStorage<Scalar>(unsafeUninitializedCapacity: count) { c, initialized in
            a.storage.withUnsafeBufferPointer { pa in
                b.storage.withUnsafeBufferPointer { pb in
                    if let pa = pa.baseAddress, let pb = pb.baseAddress, let c = c.baseAddress {
                        plan.run(pa, pb, c)
                    } else if count > 0 {
                        c.initialize(repeating: 0)  // (an empty inner dimension)
                    }
                }
            }
            initialized = count
        }
        return Tensor(storage: out, shape: plan.resultShape, node: nil)
    }
}
