import Backprop

/// A fully connected layer in the notes' notation, z = W·a + b, applied to a batch whose
/// rows are examples.
///
/// ```
/// forward:   Z = A·Wᵀ + b            A: [batch, in], W: [out, in], b: [out], Z: [batch, out]
/// backward:  ∂L/∂W = δᵀ·A,  ∂L/∂b = Σ_rows δ,  ∂L/∂A = δ·W     (δ = ∂L/∂Z; all from the graph)
/// ```
public struct Linear<Scalar: TensorScalar>: Layer {
    /// Weights, `[out, in]`.
    public let weight: Parameter<Scalar>
    /// Biases, `[out]`.
    public let bias: Parameter<Scalar>

    /// A layer with weights drawn by `initializer` and zero biases.
    public init(inputSize: Int, outputSize: Int, initializer: Initializer = .xavier, rng: inout SeededGenerator) {
        nnPrecondition(inputSize > 0 && outputSize > 0, "Linear: sizes must be positive, got \(inputSize) → \(outputSize)")
        weight = Parameter(initializer.weights(out: outputSize, in: inputSize, using: &rng))
        bias = Parameter(Tensor.zeros(shape: [outputSize]))
    }

    /// A layer with the given weights `[out, in]` and biases `[out]`.
    public init(weight: Tensor<Scalar>, bias: Tensor<Scalar>) {
        nnPrecondition(weight.rank == 2 && bias.shape == [weight.shape[0]],
                     "Linear: weight \(weight.shape) needs rank 2 and bias \(bias.shape) must be [\(weight.shape.first ?? 0)]")
        self.weight = Parameter(weight)
        self.bias = Parameter(bias)
    }

    /// Input features.
    public var inputSize: Int { weight.shape[1] }
    /// Output features.
    public var outputSize: Int { weight.shape[0] }

    /// `input·Wᵀ + b`, recorded as the engine's single `linear` op. Precondition:
    /// `input` is `[batch, inputSize]`.
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        nnPrecondition(input.rank == 2 && input.shape[1] == inputSize,
                     "Linear: input has shape \(input.shape), expected [batch, \(inputSize)]")
        return input.linear(weight: weight.value, bias: bias.value)
    }

    /// `W` and `b`.
    public var namedParameters: [(name: String, parameter: Parameter<Scalar>)] { [("W", weight), ("b", bias)] }
}
