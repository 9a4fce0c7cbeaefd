// linear: a fully connected layer as one op (the public method, `linear(weight:bias:)`,
// is in Tensor+Matmul.swift beside the constant matrix product it uses).

/// A fully connected layer: x·Wᵀ (+ b), x `[batch, in]`, W `[out, in]`, b `[out]`.
///
/// ```
/// y = x·Wᵀ + b      x̄ = Ḡ·W,   W̄ = Ḡᵀ·x,   b̄ = Σ_rows Ḡ
/// ```
/// The program kernel is `MatmulPlan`'s product with the bias row added in place.
struct Linear<Scalar: TensorScalar>: TensorOperation {
    var kind: TensorOpKind { .linear }

    func forward(_ x: [Tensor<Scalar>]) -> Tensor<Scalar> {
        x[0].linear(weight: x[1], bias: x.count == 3 ? x[2] : nil)
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func inputGradients(
        inputs x: NodeInputView<Scalar>, output y: Tensor<Scalar>, upstream g: Tensor<Scalar>
    ) -> NodeGradients<Scalar> {
        @inline(__always) func mm(_ a: Tensor<Scalar>, _ b: Tensor<Scalar>, _ ta: Bool) -> Tensor<Scalar> {
            isRecordingGradients ? a.matmul(b, transposingSelf: ta)
                : Tensor.matmulConstant(a, transposingA: ta, b, transposingB: false)
        }
        /// Gradient for input i, computed only when input i requires it.
        @inline(__always) func grad(_ i: Int, _ body: () -> Tensor<Scalar>) -> Tensor<Scalar>? {
            x.requiresGradient(i) ? body() : nil
        }
        let gx = grad(0) { mm(g, x[1], false) }, gw = grad(1) { mm(g, x[0], true) }
        if x.count == 3 {
            // One row: the bias gradient is that row (a reshape, not a reduction).
            let gb = grad(2) { g.shape[0] == 1 ? g.reshaped(to: [g.shape[1]]) : g.sum(alongAxes: [0]) }
            return NodeGradients(gx, gw, gb)
        }
        return NodeGradients(gx, gw)
    }

    func kernel(inputs x: [[Int]], shape: [Int]) -> TensorProgram<Scalar>.Kernel? {
        guard let plan = try? MatmulPlan.linear(input: x[0], weight: x[1]).get() else { return nil }
        return .linear(m: plan.m, n: plan.n, k: plan.k, bias: x.count == 3)
    }
}
