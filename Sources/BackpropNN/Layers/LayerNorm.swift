import Backprop

/// Layer normalisation over the last axis (PyTorch's `LayerNorm(features)`): each row is
/// centred and scaled by its own statistics, then by the learnable γ and β. The same in
/// training and evaluation mode; no state.
///
/// ```
/// μ = (1/d) Σⱼ xⱼ,   σ² = (1/d) Σⱼ (xⱼ − μ)²        (per row, d = features)
/// y = γ ⊙ (x − μ)/√(σ² + ε) + β
/// ```
///
/// Composed from tensor ops, so its gradients come from their rules.
///
/// ```swift
/// let norm = LayerNorm<Double>(featureCount: 2)
/// let y = norm(Tensor(shape: [1, 2], scalars: [1, 3]))   // ≈ [−1, 1]
/// ```
public struct LayerNorm<Scalar: TensorScalar>: Layer {
    /// The scale γ, `[features]`, initially ones.
    public let scale: Parameter<Scalar>
    /// The shift β, `[features]`, initially zeros.
    public let offset: Parameter<Scalar>
    /// ε, added to the variance before the square root.
    public let epsilon: Double

    /// Layer normalisation of rows of `featureCount` features (ε = 10⁻⁵ as in PyTorch).
    public init(featureCount: Int, epsilon: Double = 1e-5, file: StaticString = #fileID, line: UInt = #line) {
        nnPrecondition(featureCount > 0, "LayerNorm: featureCount must be positive, got \(featureCount)", file: file, line: line)
        nnPrecondition(epsilon >= 0, "LayerNorm: epsilon must not be negative, got \(epsilon)", file: file, line: line)
        scale = Parameter(Tensor.ones(shape: [featureCount]))
        offset = Parameter(Tensor.zeros(shape: [featureCount]))
        self.epsilon = epsilon
    }

    /// The number of features.
    public var featureCount: Int { scale.shape[0] }

    /// Normalises `input` along its last axis, which must have `featureCount` elements.
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        nnPrecondition(input.rank >= 1 && input.shape.last == featureCount,
                       "LayerNorm: input has shape \(input.shape), expected the last axis to be \(featureCount)")
        let centred = input - input.mean(alongAxes: [-1], keepingDimensions: true)
        let variance = (centred * centred).mean(alongAxes: [-1], keepingDimensions: true)
        return scale.value * centred / (variance + Tensor(Scalar(epsilon))).squareRoot() + offset.value
    }

    /// γ and β, named `scale` and `offset`.
    public var namedParameters: [(name: String, parameter: Parameter<Scalar>)] { [("scale", scale), ("offset", offset)] }
}
