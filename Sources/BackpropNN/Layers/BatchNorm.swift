import Backprop

/// Batch normalisation over the features of a `[batch, features]` input (PyTorch's
/// `BatchNorm1d`): each feature is centred and scaled by the batch's statistics, then by
/// the learnable γ and β. Training mode also updates running estimates of the mean and
/// the (unbiased) variance, which evaluation mode uses instead of the batch's.
///
/// ```
/// training:    μ = (1/n) Σᵢ xᵢ,   σ² = (1/n) Σᵢ (xᵢ − μ)²           (per feature, n rows)
///              y = γ ⊙ (x − μ)/√(σ² + ε) + β
///              μ̂ ← (1 − m)·μ̂ + m·μ,   σ̂² ← (1 − m)·σ̂² + m·σ²·n/(n − 1)
/// evaluation:  y = γ ⊙ (x − μ̂)/√(σ̂² + ε) + β
/// ```
///
/// Composed from tensor ops, so its gradients come from their rules (through μ and σ²
/// too, in training mode). The running estimates are ``LayerState``s (`runningMean`,
/// `runningVariance`): a compiled step updates them exactly as an eager one.
///
/// ```swift
/// let norm = BatchNorm<Double>(featureCount: 3)
/// let x = Tensor<Double>(shape: [2, 3], scalars: [1, 2, 3, 3, 6, 9])
/// let y = norm(x)                  // each column (−1, 1)·(1 − 5·10⁻⁶) approximately
/// norm.setMode(.evaluation)        // now uses runningMean and runningVariance
/// ```
public struct BatchNorm<Scalar: TensorScalar>: Layer {
    /// The scale γ, `[features]`, initially ones.
    public let scale: Parameter<Scalar>
    /// The shift β, `[features]`, initially zeros.
    public let offset: Parameter<Scalar>
    /// The running mean μ̂, `[features]`, initially zeros.
    public let runningMean: LayerState<Scalar>
    /// The running unbiased variance σ̂², `[features]`, initially ones.
    public let runningVariance: LayerState<Scalar>
    /// The weight m of a batch in the running estimates.
    public let momentum: Double
    /// ε, added to the variance before the square root.
    public let epsilon: Double
    /// Training or evaluation.
    public let modeSwitch: LayerModeSwitch

    /// Batch normalisation of `featureCount` features (PyTorch's defaults: m = 0.1, ε = 10⁻⁵).
    public init(featureCount: Int, momentum: Double = 0.1, epsilon: Double = 1e-5,
                file: StaticString = #fileID, line: UInt = #line) {
        nnPrecondition(featureCount > 0, "BatchNorm: featureCount must be positive, got \(featureCount)", file: file, line: line)
        nnPrecondition(momentum >= 0 && momentum <= 1, "BatchNorm: momentum must be in [0, 1], got \(momentum)", file: file, line: line)
        nnPrecondition(epsilon >= 0, "BatchNorm: epsilon must not be negative, got \(epsilon)", file: file, line: line)
        scale = Parameter(Tensor.ones(shape: [featureCount]))
        offset = Parameter(Tensor.zeros(shape: [featureCount]))
        runningMean = LayerState(Tensor.zeros(shape: [featureCount]))
        runningVariance = LayerState(Tensor.ones(shape: [featureCount]))
        self.momentum = momentum
        self.epsilon = epsilon
        modeSwitch = LayerModeSwitch()
    }

    /// The number of features.
    public var featureCount: Int { scale.shape[0] }

    /// Normalises `input` (`[batch, featureCount]`; at least 2 rows in training mode).
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        nnPrecondition(input.rank == 2 && input.shape[1] == featureCount,
                       "BatchNorm: input has shape \(input.shape), expected [batch, \(featureCount)]")
        let eps = Tensor(Scalar(epsilon))
        guard modeSwitch.mode == .training else {
            return scale.value * (input - runningMean.value) / (runningVariance.value + eps).squareRoot() + offset.value
        }
        let n = input.shape[0]
        nnPrecondition(n > 1, "BatchNorm: training needs more than 1 row per batch to estimate a variance, got \(n) (use evaluation mode)")
        let mean = input.mean(alongAxes: [0])
        let centred = input - mean
        let variance = (centred * centred).mean(alongAxes: [0])
        let m = Tensor(Scalar(momentum)), keep = Tensor(Scalar(1 - momentum))
        runningMean.value = keep * runningMean.value + m * mean.detached()
        runningVariance.value = keep * runningVariance.value + m * Tensor(Scalar(Double(n) / Double(n - 1))) * variance.detached()
        return scale.value * centred / (variance + eps).squareRoot() + offset.value
    }

    /// γ and β, named `scale` and `offset`.
    public var namedParameters: [(name: String, parameter: Parameter<Scalar>)] { [("scale", scale), ("offset", offset)] }
    /// The running estimates, `runningMean` and `runningVariance`.
    public var namedStates: [(name: String, state: LayerState<Scalar>)] {
        [("runningMean", runningMean), ("runningVariance", runningVariance)]
    }
    /// Its mode switch.
    public var modeSwitches: [LayerModeSwitch] { [modeSwitch] }
}
