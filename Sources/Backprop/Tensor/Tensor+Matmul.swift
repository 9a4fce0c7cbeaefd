import CBackpropKernels

extension Tensor {
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
