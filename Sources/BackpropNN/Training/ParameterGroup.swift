import Backprop

/// Parameters that share optimiser settings, as PyTorch's parameter groups: a scale of
/// the optimiser's learning rate and a weight decay (nil: the optimiser's).
///
/// ```
/// α_group = s·α        λ_group = λ ?? optimiser's λ
/// ```
///
/// ```swift
/// let model = MLP<Double>([2, 8, 1], activation: .tanh)
/// let opt = AdamW(groups: model.weightDecayGroups(), learningRate: 0.01, weightDecay: 0.1)
/// // the biases are not decayed
/// ```
public struct ParameterGroup<Scalar: TensorScalar> {
    /// The parameters of the group.
    public var parameters: [Parameter<Scalar>]
    /// s, the factor on the optimiser's learning rate.
    public var learningRateScale: Double
    /// λ for this group, or nil for the optimiser's.
    public var weightDecay: Double?

    /// A group. Precondition: s finite and not negative, λ finite and not negative.
    public init(_ parameters: [Parameter<Scalar>], learningRateScale: Double = 1, weightDecay: Double? = nil) {
        nnPrecondition(learningRateScale.isFinite && learningRateScale >= 0,
                       "ParameterGroup: learning-rate scale \(learningRateScale) must be finite and not negative")
        if let weightDecay { requireWeightDecay(weightDecay, "ParameterGroup") }
        self.parameters = parameters
        self.learningRateScale = learningRateScale
        self.weightDecay = weightDecay
    }

    /// The parameters of all groups in order, with (s, λ) for each. Traps when a
    /// parameter is in two groups (it would be updated twice per step).
    static func flatten(_ groups: [ParameterGroup], weightDecay: Double, _ name: String)
        -> ([Parameter<Scalar>], [(scale: Double, decay: Double)]) {
        var seen = Set<ObjectIdentifier>()
        var parameters: [Parameter<Scalar>] = [], settings: [(scale: Double, decay: Double)] = []
        for (i, group) in groups.enumerated() {
            for p in group.parameters {
                nnPrecondition(seen.insert(ObjectIdentifier(p)).inserted,
                               "\(name): a parameter of shape \(p.shape) is listed twice (group \(i)); each parameter may be in one group once")
                parameters.append(p)
                settings.append((group.learningRateScale, group.weightDecay ?? weightDecay))
            }
        }
        return (parameters, settings)
    }
}

extension Layer {
    /// Two parameter groups, the usual split for weight decay: the parameters whose
    /// name `isExempt` accepts (by default biases, `b` or `….b`) get λ = 0, the others
    /// the optimiser's λ. A parameter with several names (tied) is exempt only when
    /// its first name is.
    ///
    /// ```
    /// [ParameterGroup(decayed), ParameterGroup(exempt, weightDecay: 0)]
    /// ```
    public func weightDecayGroups(exempting isExempt: (String) -> Bool = { $0 == "b" || $0.hasSuffix(".b") })
        -> [ParameterGroup<Scalar>] {
        var seen = Set<ObjectIdentifier>()
        var decayed: [Parameter<Scalar>] = [], exempt: [Parameter<Scalar>] = []
        for (name, p) in namedParameters where seen.insert(ObjectIdentifier(p)).inserted {
            if isExempt(name) { exempt.append(p) } else { decayed.append(p) }
        }
        return [ParameterGroup(decayed), ParameterGroup(exempt, weightDecay: 0)]
    }
}
