import Backprop

/// Updates parameters from their accumulated gradients. Write your own by conforming.
public protocol Optimizer<Scalar> {
    /// The element type.
    associatedtype Scalar: TensorScalar
    /// The parameters updated.
    var parameters: [Parameter<Scalar>] { get }
    /// One update from the current gradients (parameters without a gradient are skipped).
    mutating func step()
    /// One update from gradients handed over as buffers: `gradient(k)` for
    /// `parameters[k]` (nil skips it; a buffer holds the parameter's elements in order and
    /// stays valid during the call). The parameters' accumulated gradients are neither
    /// read nor changed. A compiled training step calls this with its results, straight
    /// from its own buffers.
    ///
    /// ```
    /// pₖ ← update(pₖ, gradient(k))
    /// ```
    mutating func step(gradients gradient: (_ index: Int) -> UnsafeBufferPointer<Scalar>?)
}

extension Optimizer {
    /// Clears the gradients of every parameter.
    @inlinable public func zeroGradients() { for p in parameters { p.zeroGradients() } }

    /// The default for optimisers that only implement `step()`: the given gradients
    /// stand in for the accumulated ones during `step()`, which are then put back.
    ///
    /// ```
    /// pₖ ← update(pₖ, gradient(k))
    /// ```
    public mutating func step(gradients gradient: (_ index: Int) -> UnsafeBufferPointer<Scalar>?) {
        let saved = parameters.map(\.gradient)
        for (k, p) in parameters.enumerated() {
            p.zeroGradients()
            if let g = gradient(k) {
                nnPrecondition(g.count == p.value.count,
                               "step(gradients:): gradient \(k) has \(g.count) elements, the parameter has \(p.value.count)")
                p.value.accumulateGradient(Tensor(shape: p.shape, scalars: Array(g)))
            }
        }
        step()
        for (p, g) in zip(parameters, saved) {
            p.zeroGradients()
            if let g { p.value.accumulateGradient(g) }
        }
    }
}

/// Stops unless a gradient buffer has as many elements as its parameter.
@inlinable
func requireGradientCount(_ g: Int, _ p: Int, _ k: Int) {
    if g != p { nnFailure("step(gradients:): gradient \(k) has \(g) elements, the parameter has \(p)") }
}

/// Checks a learning rate: finite and positive.
func requireLearningRate(_ rate: Double, _ name: String, file: StaticString = #fileID, line: UInt = #line) {
    nnPrecondition(rate.isFinite && rate > 0, "\(name): learning rate \(rate) must be finite and positive", file: file, line: line)
}

/// Gradient descent with optional momentum (the notes' update w := w − α·∂E/∂w).
///
/// ```
/// v ← μ·v + g          (μ = momentum; v = g when μ = 0)
/// w ← w − α·v
/// ```
/// With batch size 1 this is the per-sample SGD of `004_…`; with the full set, gradient descent.
public struct SGD<Scalar: TensorScalar>: Optimizer {
    /// The parameters updated.
    public let parameters: [Parameter<Scalar>]
    /// α.
    public var learningRate: Double {
        didSet { requireLearningRate(learningRate, "SGD") }
    }
    /// μ (0 for plain gradient descent).
    public let momentum: Double
    @usableFromInline var velocity: [[Scalar]]

    /// An optimiser for `parameters`. Precondition: α finite and positive, 0 ≤ μ < 1.
    public init(parameters: [Parameter<Scalar>], learningRate: Double, momentum: Double = 0) {
        requireLearningRate(learningRate, "SGD")
        nnPrecondition(momentum >= 0 && momentum < 1 && momentum.isFinite, "SGD: momentum \(momentum) must be in [0, 1)")
        self.parameters = parameters
        self.learningRate = learningRate
        self.momentum = momentum
        velocity = momentum == 0 ? [] : parameters.map { Array(repeating: 0, count: $0.value.count) }
    }

    /// w ← w − α·(μ·v + g): in place, or in one pass into new storage while the last
    /// step's graph still holds the old weights.
    @inlinable
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public mutating func step() {
        for k in parameters.indices {
            guard let g = parameters[k].gradient else { continue }
            g.withUnsafeBufferPointer { update(k, $0) }
        }
    }

    /// w ← w − α·(μ·v + g) with the given gradients.
    @inlinable
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public mutating func step(gradients gradient: (_ index: Int) -> UnsafeBufferPointer<Scalar>?) {
        for k in parameters.indices {
            if let g = gradient(k) { update(k, g) }
        }
    }

    /// Updates parameter `k` from its gradient.
    @inlinable
    mutating func update(_ k: Int, _ g: UnsafeBufferPointer<Scalar>) {
        let alpha = Scalar(learningRate), mu = Scalar(momentum)
        let p = parameters[k]
        if momentum == 0 {
            p.update { (w: UnsafeBufferPointer<Scalar>, out: UnsafeMutableBufferPointer<Scalar>) in
                requireGradientCount(g.count, out.count, k)
                guard let gp = g.baseAddress, let wp = w.baseAddress, let op = out.baseAddress else { return }
                if UnsafePointer(op) == wp {
                    for i in 0..<out.count { op[i] = op[i] - alpha * gp[i] }
                } else {
                    for i in 0..<out.count { op[i] = wp[i] - alpha * gp[i] }
                }
            }
        } else {
            velocity[k].withUnsafeMutableBufferPointer { v in
                p.update { (w: UnsafeBufferPointer<Scalar>, out: UnsafeMutableBufferPointer<Scalar>) in
                    requireGradientCount(g.count, out.count, k)
                    for i in 0..<out.count {
                        v[i] = mu * v[i] + g[i]
                        out[i] = w[i] - alpha * v[i]
                    }
                }
            }
        }
    }
}

/// Adam (Kingma & Ba, 2015).
///
/// ```
/// m ← β₁m + (1 − β₁)g      v ← β₂v + (1 − β₂)g²
/// m̂ = m/(1 − β₁ᵗ)          v̂ = v/(1 − β₂ᵗ)
/// w ← w − α·m̂/(√v̂ + ε)
/// ```
public struct Adam<Scalar: TensorScalar>: Optimizer {
    /// The parameters updated.
    public let parameters: [Parameter<Scalar>]
    /// α.
    public var learningRate: Double {
        didSet { requireLearningRate(learningRate, "Adam") }
    }
    /// β₁, β₂, ε.
    public let beta1: Double, beta2: Double, epsilon: Double
    @usableFromInline var m: [[Scalar]], v: [[Scalar]]
    @usableFromInline var t = 0
    /// β₁ᵗ and β₂ᵗ, one multiplication per step (the same products as multiplying t times).
    @usableFromInline var beta1Power = 1.0, beta2Power = 1.0

    /// An optimiser for `parameters` with the usual defaults.
    public init(parameters: [Parameter<Scalar>], learningRate: Double = 1e-3,
                beta1: Double = 0.9, beta2: Double = 0.999, epsilon: Double = 1e-8) {
        requireLearningRate(learningRate, "Adam")
        nnPrecondition(beta1 >= 0 && beta1 < 1 && beta2 >= 0 && beta2 < 1, "Adam: β₁ \(beta1) and β₂ \(beta2) must be in [0, 1)")
        nnPrecondition(epsilon.isFinite && epsilon > 0, "Adam: ε \(epsilon) must be finite and positive")
        self.parameters = parameters
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        m = parameters.map { Array(repeating: 0, count: $0.value.count) }
        v = m
    }

    /// One Adam step, in place.
    @inlinable
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public mutating func step() {
        t += 1
        beta1Power *= beta1
        beta2Power *= beta2
        for k in parameters.indices {
            guard let g = parameters[k].gradient else { continue }
            g.withUnsafeBufferPointer { update(k, $0) }
        }
    }

    /// One Adam step with the given gradients, in place.
    @inlinable
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public mutating func step(gradients gradient: (_ index: Int) -> UnsafeBufferPointer<Scalar>?) {
        t += 1
        beta1Power *= beta1
        beta2Power *= beta2
        for k in parameters.indices {
            if let g = gradient(k) { update(k, g) }
        }
    }

    /// Updates parameter `k` from its gradient (at step `t`).
    @inlinable
    mutating func update(_ k: Int, _ g: UnsafeBufferPointer<Scalar>) {
        let b1 = Scalar(beta1), b2 = Scalar(beta2), eps = Scalar(epsilon)
        let c1 = Scalar(1 - beta1Power), c2 = Scalar(1 - beta2Power)
        let alpha = Scalar(learningRate)
        let p = parameters[k]
        m[k].withUnsafeMutableBufferPointer { m in
            v[k].withUnsafeMutableBufferPointer { v in
                p.update { (w: UnsafeBufferPointer<Scalar>, out: UnsafeMutableBufferPointer<Scalar>) in
                    requireGradientCount(g.count, out.count, k)
                    guard let wp = w.baseAddress, let op = out.baseAddress, let gp = g.baseAddress,
                          let mp = m.baseAddress, let vp = v.baseAddress else { return }
                    // m ← β₁m + (1 − β₁)g, v ← β₂v + (1 − β₂)g², w ← w − α·m̂/(√v̂ + ε), vectorised.
                    UpdateKernels.adam(old: wp, new: op, gradient: gp, m: mp, v: vp, count: out.count,
                                       beta1: b1, beta2: b2, correction1: c1, correction2: c2,
                                       learningRate: alpha, epsilon: eps)
                }
            }
        }
    }
}
