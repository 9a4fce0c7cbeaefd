import Backprop

/// A layer's non-trainable state (like a PyTorch buffer): running statistics
/// (``BatchNorm``), a random key (``Dropout``), a mask drawn outside the step. Not a
/// parameter (no gradient, optimisers leave it alone); a layer reads and replaces its
/// `value` in its forward pass. Model files store states with the parameters.
///
/// A ``CompiledTrainingStep`` passes every state of the model into its program as an
/// input and writes the new values the traced forward pass assigned back after each
/// run, so a compiled step updates state exactly as an eager step does:
///
/// ```
/// sₜ₊₁ = update(sₜ, x)      running mean: s ← m·s + (1 − m)·mean(x)
/// ```
public final class LayerState<Scalar: TensorScalar> {
    /// Not checked for exclusive access at run time (as for `Parameter`).
    @exclusivity(unchecked) @usableFromInline var tensor: Tensor<Scalar>

    /// The current value. Assigning stores a constant (no graph is kept: gradients do not
    /// flow through state); the shape must not change.
    public var value: Tensor<Scalar> {
        get { tensor }
        set {
            nnPrecondition(newValue.shape == tensor.shape,
                           "LayerState: new value has shape \(newValue.shape), the state has shape \(tensor.shape)")
            tensor = newValue.detached()
        }
    }

    /// A state holding `value` (as a constant).
    public init(_ value: Tensor<Scalar>) {
        tensor = value.detached()
    }

    /// Shape of the value.
    public var shape: [Int] { tensor.shape }
}

extension Layer {
    /// No state (layers that have some list it).
    public var namedStates: [(name: String, state: LayerState<Scalar>)] { [] }

    /// The states, in order.
    public var states: [LayerState<Scalar>] { namedStates.map(\.state) }
}
