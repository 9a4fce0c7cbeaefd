import Backprop

/// Updates parameters from their accumulated gradients. Write your own by conforming.
public protocol Optimizer<Scalar> {
    /// The element type.
    associatedtype Scalar: TensorScalar
    /// The parameters updated.
    var parameters: [Parameter<Scalar>] { get }
    /// One update from the current gradients (parameters without a gradient are skipped).
    mutating func step()
}

extension Optimizer {
    /// Clears the gradients of every parameter.
    public func zeroGradients() { for p in parameters { p.zeroGradients() } }
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
    public var momentum: Double
    private var velocity: [[Scalar]]

    /// An optimiser for `parameters`. Precondition: α finite and positive, 0 ≤ μ < 1.
    public init(parameters: [Parameter<Scalar>], learningRate: Double, momentum: Double = 0) {
        requireLearningRate(learningRate, "SGD")
        nnPrecondition(momentum >= 0 && momentum < 1 && momentum.isFinite, "SGD: momentum \(momentum) must be in [0, 1)")
        self.parameters = parameters
        self.learningRate = learningRate
        self.momentum = momentum
        velocity = parameters.map { Array(repeating: 0, count: $0.value.count) }
    }

    /// w ← w − α·(μ·v + g).
    public mutating func step() {
        let alpha = Scalar(learningRate), mu = Scalar(momentum)
        for (k, p) in parameters.enumerated() {
            guard let g = p.gradient?.scalars else { continue }
            var w = p.value.scalars
            if momentum == 0 {
                for i in w.indices { w[i] -= alpha * g[i] }
            } else {
                for i in w.indices {
                    velocity[k][i] = mu * velocity[k][i] + g[i]
                    w[i] -= alpha * velocity[k][i]
                }
            }
            p.value.scalars = w
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
    private var m: [[Scalar]], v: [[Scalar]]
    private var t = 0

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

    /// One Adam step.
    public mutating func step() {
        t += 1
        let b1 = Scalar(beta1), b2 = Scalar(beta2), eps = Scalar(epsilon)
        let c1 = Scalar(1 - Double.pow(beta1, t)), c2 = Scalar(1 - Double.pow(beta2, t))
        let alpha = Scalar(learningRate)
        for (k, p) in parameters.enumerated() {
            guard let g = p.gradient?.scalars else { continue }
            var w = p.value.scalars
            for i in w.indices {
                m[k][i] = b1 * m[k][i] + (1 - b1) * g[i]
                v[k][i] = b2 * v[k][i] + (1 - b2) * g[i] * g[i]
                let mHat = m[k][i] / c1, vHat = v[k][i] / c2
                w[i] -= alpha * mHat / (vHat.squareRoot() + eps)
            }
            p.value.scalars = w
        }
    }
}

extension Double {
    /// xⁿ for a non-negative integer n.
    static func pow(_ x: Double, _ n: Int) -> Double {
        var r = 1.0
        for _ in 0..<n { r *= x }
        return r
    }
}
