// where(mask, a, b) with a recorded mask (or one computed from a compiled program's inputs):
// the mask is an input of the op (not a parameter), so a program recomputes it at each call.

extension TensorOpKind {
    /// `where` whose mask is an op input (a recorded or traced mask).
    public static let selectByMask = TensorOpKind(rawValue: "selectByMask")
}

/// where(mask, a, b) with the mask as input 0 (no gradient); the three shapes broadcast
/// to `shape`. Recorded instead of `Select` when the mask is itself recorded (a
/// comparison of recorded tensors, say) or, in a traced program, computed from its inputs.
///
/// ```
/// y = mask ≠ 0 ? a : b      ā = unbroadcast(where(mask, ḡ, 0)),   b̄ = unbroadcast(where(mask, 0, ḡ))
/// ```
/// No key: never merged (as `Select`). The program kernel reads the three operands
/// through broadcast strides (`OperandLoop`).
struct SelectByMask<Scalar: TensorScalar>: TensorOperation {
    /// The broadcast shape of the mask and the two operands.
    let shape: [Int]

    var kind: TensorOpKind { .selectByMask }
    var keyParameters: [Int]? { nil }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func forward(_ x: [Tensor<Scalar>]) -> Tensor<Scalar> {
        let m = x[0].shape == shape ? x[0] : x[0].broadcasted(to: shape)
        let a = x[1].shape == shape ? x[1] : x[1].broadcasted(to: shape)
        let b = x[2].shape == shape ? x[2] : x[2].broadcasted(to: shape)
        let n = shape.reduce(1, *)
        let out = Tensor<Scalar>.makeStorage(n) { o in
            m.storage.withUnsafeBufferPointer { m in
                a.storage.withUnsafeBufferPointer { a in
                    b.storage.withUnsafeBufferPointer { b in
                        for i in 0..<n { o[i] = m[i] != 0 ? a[i] : b[i] }
                    }
                }
            }
        }
        return Tensor(storage: out, shape: shape, node: nil)
    }

    func inputGradients(
        inputs x: NodeInputView<Scalar>, output y: Tensor<Scalar>, upstream g: Tensor<Scalar>
    ) -> NodeGradients<Scalar> {
        let zero = Tensor(Scalar(0))
        return NodeGradients(nil,
                             x.requiresGradient(1) ? unbroadcast(Tensor.where(x[0], g, zero), to: x[1].shape) : nil,
                             x.requiresGradient(2) ? unbroadcast(Tensor.where(x[0], zero, g), to: x[2].shape) : nil)
    }

    func kernel(inputs: [[Int]], shape: [Int]) -> TensorProgram<Scalar>.Kernel? { .selectByMask }

    func kernelLoop(inputs x: [[Int]], shape: [Int]) -> OperandLoop? {
        OperandLoop(shape: shape, broadcastStrides(x[0], to: shape), broadcastStrides(x[1], to: shape),
                    broadcastStrides(x[2], to: shape))
    }
}

extension TensorProgram {
    /// The kernel of `SelectByMask`: out[i] = mask ≠ 0 ? a : b, the three operands read
    /// through `loop`'s strides.
    ///
    /// ```
    /// out[i] = mask[Σₖ iₖ·smₖ] ≠ 0 ? a[Σₖ iₖ·saₖ] : b[Σₖ iₖ·sbₖ]
    /// ```
    static func select(
        _ mask: UnsafePointer<Scalar>, _ a: UnsafePointer<Scalar>, _ b: UnsafePointer<Scalar>,
        _ out: UnsafeMutablePointer<Scalar>, _ loop: OperandLoop
    ) {
        let n = loop.runLength, (sm, sa, sb) = loop.runStrides
        loop.forEachRun { im, ia, ib, start in
            let (m, x, y, z) = (mask + im, a + ia, b + ib, out + start)
            if sm == 1 && sa == 1 && sb == 1 {
                for j in 0..<n { z[j] = m[j] != 0 ? x[j] : y[j] }
            } else {
                for j in 0..<n { z[j] = m[j &* sm] != 0 ? x[j &* sa] : y[j &* sb] }
            }
        }
    }
}
