// linear: a fully connected layer as one op, x·Wᵀ (+ b), with its public method.
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
                    || isInRecordingMode else {
                return Tensor(storage: out, shape: [x[0], w[0]], node: nil)
            }
            return Tensor.record(out, [x[0], w[0]], Linear<Scalar>(), NodeInputs(self, weight, bias), file: file, line: line)
        }
        return Tensor.result(out, [x[0], w[0]], Linear<Scalar>(), self, weight, file: file, line: line)
    }
}

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
