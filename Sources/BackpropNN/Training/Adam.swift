import Backprop

/// Adam (Kingma & Ba, 2015), with optional L2 weight decay as PyTorch's
/// `Adam(weight_decay:)` (added to the gradient, so it is scaled by the moments);
/// ``AdamW`` decays the weights directly instead.
///
/// ```
/// g ← g + λ·w               (λ = weight decay of the parameter's group; skipped when 0)
/// m ← β₁m + (1 − β₁)g      v ← β₂v + (1 − β₂)g²
/// m̂ = m/(1 − β₁ᵗ)          v̂ = v/(1 − β₂ᵗ)
/// w ← w − α·s·m̂/(√v̂ + ε)   (s = learning-rate scale of the group)
/// ```
public class Adam<Scalar: TensorScalar>: Optimizer {
    /// The parameters updated, group by group.
    public let parameters: [Parameter<Scalar>]
    /// The groups, with their learning-rate scales and weight decays.
    public let groups: [ParameterGroup<Scalar>]
    /// α. (Stored properties read or written at every step skip the dynamic exclusivity
    /// check, about 80 instructions per access: an optimiser is used from one thread.)
    @exclusivity(unchecked) public var learningRate: Double {
        didSet { requireScheduledLearningRate(learningRate, kind) }
    }
    /// β₁, β₂, ε.
    public let beta1: Double, beta2: Double, epsilon: Double
    /// λ of the groups that do not set their own.
    public let weightDecay: Double
    /// True for AdamW: w ← w·(1 − α·s·λ) before the Adam step, instead of g ← g + λ·w.
    public let decoupledWeightDecay: Bool
    /// The first and second moments per parameter.
    @exclusivity(unchecked) var m: [[Scalar]], v: [[Scalar]]
    /// t, the updates done so far.
    @exclusivity(unchecked) public private(set) var stepCount = 0
    /// β₁ᵗ and β₂ᵗ, one multiplication per step (the same products as multiplying t times).
    @exclusivity(unchecked) var beta1Power = 1.0, beta2Power = 1.0
    /// (scale, λ) per parameter, from its group.
    let settings: [(scale: Double, decay: Double)]
    /// g + λ·w for L2 decay (reused between steps).
    @exclusivity(unchecked) var decayed: [Scalar] = []
    /// "Adam" or "AdamW": messages and checkpoints.
    let kind: String

    /// An optimiser for `parameters` with the usual defaults (λ = 0: no weight decay).
    public convenience init(parameters: [Parameter<Scalar>], learningRate: Double = 1e-3,
                            beta1: Double = 0.9, beta2: Double = 0.999, epsilon: Double = 1e-8, weightDecay: Double = 0) {
        self.init(groups: [ParameterGroup(parameters)], learningRate: learningRate, beta1: beta1, beta2: beta2,
                  epsilon: epsilon, weightDecay: weightDecay)
    }

    /// An optimiser for parameter groups, each with its own learning-rate scale and
    /// L2 weight decay (nil: `weightDecay`). A parameter may be in one group only.
    public convenience init(groups: [ParameterGroup<Scalar>], learningRate: Double = 1e-3,
                            beta1: Double = 0.9, beta2: Double = 0.999, epsilon: Double = 1e-8, weightDecay: Double = 0) {
        self.init(kind: "Adam", groups: groups, learningRate: learningRate, beta1: beta1, beta2: beta2,
                  epsilon: epsilon, weightDecay: weightDecay, decoupled: false)
    }

    /// The designated initialiser of Adam and AdamW.
    init(kind: String, groups: [ParameterGroup<Scalar>], learningRate: Double, beta1: Double, beta2: Double,
         epsilon: Double, weightDecay: Double, decoupled: Bool) {
        requireLearningRate(learningRate, kind)
        nnPrecondition(beta1 >= 0 && beta1 < 1 && beta2 >= 0 && beta2 < 1, "\(kind): β₁ \(beta1) and β₂ \(beta2) must be in [0, 1)")
        nnPrecondition(epsilon.isFinite && epsilon > 0, "\(kind): ε \(epsilon) must be finite and positive")
        requireWeightDecay(weightDecay, kind)
        let (parameters, settings) = ParameterGroup.flatten(groups, weightDecay: weightDecay, kind)
        self.kind = kind
        self.parameters = parameters
        self.groups = groups
        self.settings = settings
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        decoupledWeightDecay = decoupled
        m = parameters.map { Array(repeating: 0, count: $0.value.count) }
        v = m
    }

    /// t ← t + 1 and the bias-correction powers.
    func advance() {
        stepCount += 1
        beta1Power *= beta1
        beta2Power *= beta2
    }

    /// One Adam step, in place.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func step() {
        advance()
        eachAccumulatedGradient(of: parameters, update)
    }

    /// One Adam step with the given gradients, in place.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func step(gradients gradient: (_ index: Int) -> UnsafeBufferPointer<Scalar>?) {
        advance()
        eachGivenGradient(of: parameters, gradient, update)
    }

    /// Updates parameter `k` from its gradient (at step `t`).
    func update(_ k: Int, _ g: UnsafeBufferPointer<Scalar>) {
        let b1 = Scalar(beta1), b2 = Scalar(beta2), eps = Scalar(epsilon)
        let c1 = Scalar(1 - beta1Power), c2 = Scalar(1 - beta2Power)
        let rate = learningRate * settings[k].scale, decay = settings[k].decay
        let alpha = Scalar(rate)
        let l2 = !decoupledWeightDecay && decay != 0, shrink = decoupledWeightDecay && decay != 0
        let lambda = Scalar(decay), factor = Scalar(1 - rate * decay)
        let p = parameters[k]
        if l2 && decayed.count < g.count { decayed = Array(repeating: 0, count: g.count) }
        decayed.withUnsafeMutableBufferPointer { d in
            m[k].withUnsafeMutableBufferPointer { m in
                v[k].withUnsafeMutableBufferPointer { v in
                    p.update { (w: UnsafeBufferPointer<Scalar>, out: UnsafeMutableBufferPointer<Scalar>) in
                        requireGradientCount(g.count, out.count, k)
                        guard var wp = w.baseAddress, let op = out.baseAddress, var gp = g.baseAddress,
                              let mp = m.baseAddress, let vp = v.baseAddress else { return }
                        if l2, let dp = d.baseAddress {
                            // g ← g + λ·w (PyTorch's Adam weight_decay).
                            for i in 0..<out.count { dp[i] = gp[i] + lambda * wp[i] }
                            gp = UnsafePointer(dp)
                        }
                        if shrink {
                            // w ← w·(1 − α·λ) (PyTorch's AdamW), then the Adam step in place.
                            for i in 0..<out.count { op[i] = wp[i] * factor }
                            wp = UnsafePointer(op)
                        }
                        // m ← β₁m + (1 − β₁)g, v ← β₂v + (1 − β₂)g², w ← w − α·m̂/(√v̂ + ε), vectorised.
                        UpdateKernels.adam(old: wp, new: op, gradient: gp, m: mp, v: vp, count: out.count,
                                           beta1: b1, beta2: b2, correction1: c1, correction2: c2,
                                           learningRate: alpha, epsilon: eps)
                    }
                }
            }
        }
    }

    /// `m` and `v` (one tensor each per parameter), the step count t and α.
    public var state: OptimizerState {
        OptimizerState(kind: kind, stepCount: stepCount, learningRate: learningRate,
                       slots: ["m": m.map { ScalarArrays.doubles($0) }, "v": v.map { ScalarArrays.doubles($0) }])
    }

    /// Restores the moments, t (and with it β₁ᵗ, β₂ᵗ) and α from an optimiser of the same kind.
    public func restore(_ state: OptimizerState) throws {
        try state.require(kind: kind, slots: ["m", "v"], shapes: parameters.map(\.shape))
        m = state.slots["m"]!.map { ScalarArrays.scalars($0, as: Scalar.self) }
        v = state.slots["v"]!.map { ScalarArrays.scalars($0, as: Scalar.self) }
        stepCount = state.stepCount
        // The same products as multiplying once per step.
        beta1Power = 1
        beta2Power = 1
        for _ in 0..<state.stepCount {
            beta1Power *= beta1
            beta2Power *= beta2
        }
        learningRate = state.learningRate
    }
}

/// Adam with decoupled weight decay (Loshchilov & Hutter, 2019; PyTorch's `AdamW`):
/// the weights shrink by α·λ every step, independently of the gradient's moments.
///
/// ```
/// w ← w·(1 − α·s·λ)         (λ = weight decay of the parameter's group, default 0.01)
/// m ← β₁m + (1 − β₁)g      v ← β₂v + (1 − β₂)g²
/// w ← w − α·s·m̂/(√v̂ + ε)
/// ```
public final class AdamW<Scalar: TensorScalar>: Adam<Scalar> {
    /// An optimiser for `parameters` with PyTorch's defaults.
    public convenience init(parameters: [Parameter<Scalar>], learningRate: Double = 1e-3,
                            beta1: Double = 0.9, beta2: Double = 0.999, epsilon: Double = 1e-8, weightDecay: Double = 0.01) {
        self.init(groups: [ParameterGroup(parameters)], learningRate: learningRate, beta1: beta1, beta2: beta2,
                  epsilon: epsilon, weightDecay: weightDecay)
    }

    /// An optimiser for parameter groups, each with its own learning-rate scale and
    /// weight decay (nil: `weightDecay`), e.g. none for biases (see ``ParameterGroup``).
    public convenience init(groups: [ParameterGroup<Scalar>], learningRate: Double = 1e-3,
                            beta1: Double = 0.9, beta2: Double = 0.999, epsilon: Double = 1e-8, weightDecay: Double = 0.01) {
        self.init(kind: "AdamW", groups: groups, learningRate: learningRate, beta1: beta1, beta2: beta2,
                  epsilon: epsilon, weightDecay: weightDecay, decoupled: true)
    }
}
