/// A user-defined differentiable op with its own forward computation and derivative
/// (like PyTorch's `autograd.Function` or JAX's `custom_vjp`). Call it like a function:
/// `MyOp()(x, y)`. The result is recorded as one graph node whose rule is `backward`.
///
/// ```
/// y = forward(x₁, …, xₙ)      backward(x, y, ḡ) = [ḡ·∂y/∂x₁, …, ḡ·∂y/∂xₙ]
/// ```
/// Write `backward` with `Tensor` ops to support higher-order gradients; return nil
/// for an input with no gradient. Each returned gradient must have its input's shape.
/// `checkTensorGradients(of:at:)` verifies both methods in one call.
public protocol TensorFunction<Scalar> {
    /// The element type.
    associatedtype Scalar: TensorScalar

    /// Computes the result (run without recording; the inputs are constants here).
    ///
    /// ```
    /// y = f(x₁, …, xₙ)
    /// ```
    func forward(_ inputs: [Tensor<Scalar>]) -> Tensor<Scalar>

    /// The vector–Jacobian product for each input.
    ///
    /// ```
    /// x̄ᵢ = Σⱼ ḡⱼ ∂yⱼ/∂xᵢ
    /// ```
    func backward(inputs: [Tensor<Scalar>], output: Tensor<Scalar>, upstream: Tensor<Scalar>) -> [Tensor<Scalar>?]
}

extension TensorFunction {
    /// Applies the op, recording a graph node when gradients are recorded.
    ///
    /// ```
    /// y = forward(inputs)
    /// ```
    public func callAsFunction(_ inputs: [Tensor<Scalar>]) -> Tensor<Scalar> {
        CustomOperation(function: self).apply(inputs, file: #fileID, line: #line)
    }

    /// Applies the op to the given inputs.
    ///
    /// ```
    /// y = forward([x₁, …, xₙ])
    /// ```
    public func callAsFunction(_ inputs: Tensor<Scalar>...) -> Tensor<Scalar> { callAsFunction(inputs) }
}

/// A custom op's gradients: its `backward`, except while a program is traced. There, a backward written in tensor ops
/// is traced like any other rule (and can be differentiated again). One that reads
/// values (`scalars`, subscripts, …) or does anything else a replay could not repeat
/// would be frozen at the trace's values; the program runs it eagerly instead: one
/// instruction per gradient, calling `backward` on each run's values.
///
/// ```
/// x̄ᵢ = backward(x, y, ḡ)[i]     evaluated at every run
/// ```
func customGradients<Scalar>(
    of function: any TensorFunction<Scalar>, _ inputs: [Tensor<Scalar>], _ output: Tensor<Scalar>, _ upstream: Tensor<Scalar>
) -> [Tensor<Scalar>?] {
    guard let tracer = GraphTracer<Scalar>.current else {
        return function.backward(inputs: inputs, output: output, upstream: upstream)
    }
    if let eager = function as? EagerCustomGradient<Scalar> {
        // Differentiating an eagerly run backward again: its derivative is not known.
        tracer.noteFrozen(
            "custom op \(type(of: eager.function)): its backward reads values, so a program runs it eagerly on each run's values, and it cannot be differentiated again (second order) inside a program; write its backward in tensor ops, or differentiate it eagerly")
        return inputs.map { _ in nil }
    }
    let (result, readsValues) = tracer.probe { function.backward(inputs: inputs, output: output, upstream: upstream) }
    guard readsValues, result.count == inputs.count else { return result }
    let operands = inputs + [output, upstream]
    return inputs.indices.map { i in
        result[i] == nil ? nil : EagerCustomGradient(function: function, index: i)(operands)
    }
}

/// Gradient `index` of a custom op, computed by its `backward` on concrete values: how a
/// program runs a backward that reads values. Its operands are the op's inputs, its
/// output and the upstream gradient.
///
/// ```
/// forward(x₁, …, xₙ, y, ḡ) = backward(x, y, ḡ)[index]
/// ```
struct EagerCustomGradient<Scalar: TensorScalar>: TensorFunction {
    let function: any TensorFunction<Scalar>
    let index: Int

    func forward(_ operands: [Tensor<Scalar>]) -> Tensor<Scalar> {
        let n = operands.count - 2
        let result = function.backward(inputs: Array(operands[..<n]), output: operands[n], upstream: operands[n + 1])
        guard index < result.count, let g = result[index] else { return Tensor.zeros(shape: operands[index].shape) }
        if g.shape != operands[index].shape {
            tensorError("custom op \(type(of: function)): gradient \(index) has shape \(g.shape), input has shape \(operands[index].shape)")
        }
        // A result of its own, never an operand's buffer (the program writes slots in place).
        if g.count > 0 && operands.contains(where: { $0.count > 0 && $0.storage.buffer === g.storage.buffer }) {
            return Tensor(storage: g.storage.array, shape: g.shape, node: nil)
        }
        return g.detached()
    }

    func backward(inputs: [Tensor<Scalar>], output: Tensor<Scalar>, upstream: Tensor<Scalar>) -> [Tensor<Scalar>?] {
        // Reached only through `customGradients`, which refuses it while tracing.
        tensorError("custom op \(type(of: function)): a backward run eagerly inside a program cannot be differentiated again")
    }
}

/// A user-defined op (`TensorFunction`) as a recorded op: its forward, and its backward
/// through `customGradients`, checked for one gradient of the right shape per input.
///
/// ```
/// y = function.forward(x),   x̄ = function.backward(x, y, ḡ)
/// ```
/// No key (a user's forward may not be pure): never merged in a compiled program.
struct CustomOperation<Scalar: TensorScalar>: TensorOperation {
    let function: any TensorFunction<Scalar>

    var kind: TensorOpKind { .custom }
    var keyParameters: [Int]? { nil }
    var savesOutput: Bool { true }

    func forward(_ x: [Tensor<Scalar>]) -> Tensor<Scalar> { function.forward(x) }

    func inputGradients(
        inputs x: NodeInputView<Scalar>, output y: Tensor<Scalar>, upstream g: Tensor<Scalar>
    ) -> NodeGradients<Scalar> {
        let result = customGradients(of: function, Array(x), y, g)
        if result.count != x.count {
            tensorError("custom op \(type(of: function)): backward returned \(result.count) gradients for \(x.count) inputs")
        }
        for (i, r) in result.enumerated() {
            if let r, r.shape != x[i].shape {
                tensorError("custom op \(type(of: function)): gradient \(i) has shape \(r.shape), input has shape \(x[i].shape)")
            }
        }
        return NodeGradients(result)
    }
}
