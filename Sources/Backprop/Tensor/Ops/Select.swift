// Tensor.where(mask, a, b): elementwise choice between two tensors by a constant mask.

extension Tensor {
    /// Chooses elementwise between two tensors: `a` where `mask` is non-zero, else `b`.
    /// The three shapes broadcast together. The mask gets no gradient; in a compiled
    /// program a mask computed from the inputs (`x .> 0`) is recomputed at each call.
    ///
    /// ```
    /// y = mask ≠ 0 ? a : b      ∂y/∂a = [mask ≠ 0],  ∂y/∂b = [mask = 0]
    /// ```
    /// Precondition: the shapes of `mask`, `a` and `b` broadcast.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func `where`(
        _ mask: Tensor, _ a: Tensor, _ b: Tensor, file: StaticString = #fileID, line: UInt = #line
    ) -> Tensor {
        var outShape: [Int] = []
        for s in [mask.shape, a.shape, b.shape] {
            guard case .success(let r) = broadcastShape(outShape, s) else {
                tensorError("where: shapes \(mask.shape) (mask), \(a.shape) and \(b.shape) do not broadcast",
                            file: file, line: line)
            }
            outShape = r
        }
        if mask.node != nil || GraphTracer<Scalar>.current?.isTraced(mask.storage) == true {
            // A recorded mask (a comparison of recorded tensors, say) is an op input, so a
            // program recomputes it at each call; eager graphs record the same op.
            return SelectByMask<Scalar>(shape: outShape).apply([mask, a, b], file: file, line: line)
        }
        let m = withTracingPaused { withoutGradients { mask.detached().broadcasted(to: outShape) } }
        return Select(mask: m).apply([a, b], file: file, line: line)
    }
}

/// where(mask, a, b), the mask (a constant) broadcast to the result's shape.
///
/// ```
/// ā = unbroadcast(where(mask, ḡ, 0)),   b̄ = unbroadcast(where(mask, 0, ḡ))
/// ```
/// No key (its mask is a tensor): never merged with another `where`.
struct Select<Scalar: TensorScalar>: TensorOperation {
    /// The mask, with the result's shape.
    let mask: Tensor<Scalar>

    var kind: TensorOpKind { .select }
    var keyParameters: [Int]? { nil }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func forward(_ x: [Tensor<Scalar>]) -> Tensor<Scalar> {
        let notM = Tensor<Scalar>(storage: mask.storage.map { $0 == 0 ? 1 : 0 }, shape: mask.shape, node: nil)
        let chosenA = mask.binary(x[0], .select, Add(), "where", file: #fileID, line: #line)
        let chosenB = notM.binary(x[1], .select, Add(), "where", file: #fileID, line: #line)
        return chosenA + chosenB
    }

    func inputGradients(
        inputs x: NodeInputView<Scalar>, output y: Tensor<Scalar>, upstream g: Tensor<Scalar>
    ) -> NodeGradients<Scalar> {
        let zero = Tensor(Scalar(0))
        return NodeGradients(x.requiresGradient(0) ? unbroadcast(Tensor.where(mask, g, zero), to: x[0].shape) : nil,
                             x.requiresGradient(1) ? unbroadcast(Tensor.where(mask, zero, g), to: x[1].shape) : nil)
    }
}
