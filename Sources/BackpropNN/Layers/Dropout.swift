import Backprop

/// Inverted dropout: in training mode each element is kept with probability 1 − p and
/// scaled by 1/(1 − p), so the expected output equals the input; in evaluation mode the
/// input passes through unchanged.
///
/// ```
/// training:    y = x ⊙ m / (1 − p),   mᵢ = [uᵢ ≥ p],  u = randomUniform(key = (seed, step))
/// evaluation:  y = x
/// ∂y/∂x = m / (1 − p)  (training),  1  (evaluation)
/// ```
///
/// The mask comes from the counter-based generator (``RandomKey``) keyed by the layer's
/// seed and a step counter, kept in the state `key` and advanced by every forward pass
/// in training mode. A ``CompiledTrainingStep`` passes the key into its program like any
/// other state, so a compiled step draws a fresh mask at every call without being traced
/// again, and eager and compiled training draw the same masks for the same seed and step.
/// Give each dropout layer of a model its own seed (equal seeds give equal masks).
///
/// ```swift
/// var rng = SeededGenerator(seed: 0)
/// let model = Sequential<Double>([
///     Linear(inputSize: 2, outputSize: 8, rng: &rng), ActivationLayer(.relu),
///     Dropout(probability: 0.2, seed: 1),
///     Linear(inputSize: 8, outputSize: 2, rng: &rng),
/// ])
/// model.setMode(.evaluation)        // dropout passes its input through
/// ```
public struct Dropout<Scalar: TensorScalar>: Layer {
    /// The probability p of dropping an element, in [0, 1).
    public let probability: Double
    /// The generator's key (seed, step) as a `[8]` tensor (see ``RandomKey``).
    public let key: LayerState<Scalar>
    /// Training or evaluation.
    public let modeSwitch: LayerModeSwitch

    /// A dropout layer dropping each element with probability `probability`, its masks
    /// drawn from `seed` (starting at step 0).
    public init(probability: Double, seed: UInt64, file: StaticString = #fileID, line: UInt = #line) {
        nnPrecondition(probability >= 0 && probability < 1,
                       "Dropout: probability must be in [0, 1), got \(probability)", file: file, line: line)
        self.probability = probability
        key = LayerState(RandomKey(seed: seed).tensor())
        modeSwitch = LayerModeSwitch()
    }

    /// The generator's current key: the seed, and the step of the next mask.
    public var randomKey: RandomKey {
        get { RandomKey(key.value) }
        nonmutating set { key.value = newValue.tensor() }
    }

    /// The mask scaled by 1/(1 − p) that the forward pass in training mode uses for an
    /// input of `shape` at the current step (it does not advance the step).
    ///
    /// ```
    /// M = m / (1 − p),   mᵢ = [uᵢ ≥ p]
    /// ```
    public func mask(shape: [Int]) -> Tensor<Scalar> {
        Tensor<Scalar>.randomUniform(shape: shape, key: key.value).step(threshold: Scalar(probability))
            * Tensor(Scalar(1 / (1 - probability)))
    }

    /// `input ⊙ mask` and the next step in training mode; `input` in evaluation mode.
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        guard modeSwitch.mode == .training, probability > 0 else { return input }
        let y = input * mask(shape: input.shape)
        key.value = key.value.advancedRandomKey()
        return y
    }

    /// None.
    public var namedParameters: [(name: String, parameter: Parameter<Scalar>)] { [] }
    /// The generator's key, `key`.
    public var namedStates: [(name: String, state: LayerState<Scalar>)] { [("key", key)] }
    /// Its mode switch.
    public var modeSwitches: [LayerModeSwitch] { [modeSwitch] }
}
