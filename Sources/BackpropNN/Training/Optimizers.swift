import Backprop

/// Updates parameters from their accumulated gradients. Write your own by conforming.
///
/// Optimisers are classes: `train` holds a reference, not an `inout` access, so a
/// callback may change the optimiser while it trains (a learning-rate schedule):
///
/// ```swift no-compile
/// let adam = Adam(parameters: model.parameters, learningRate: 0.01)
/// train(model, on: data, objective: .meanSquaredError, optimizer: adam) { _ in
///     adam.learningRate *= 0.9
///     return true
/// }
/// ```
public protocol Optimizer<Scalar>: AnyObject {
    /// The element type.
    associatedtype Scalar: TensorScalar
    /// The parameters updated.
    var parameters: [Parameter<Scalar>] { get }
    /// α, the base learning rate (each ``ParameterGroup`` scales it). The default traps:
    /// an optimiser without one cannot follow a ``LearningRateSchedule``.
    var learningRate: Double { get set }
    /// Updates done so far (restored from a checkpoint; schedules count from it). 0 by default.
    var stepCount: Int { get }
    /// One update from the current gradients (parameters without a gradient are skipped).
    func step()
    /// One update from gradients handed over as buffers: `gradient(k)` for
    /// `parameters[k]` (nil skips it; a buffer holds the parameter's elements in order and
    /// stays valid during the call). The parameters' accumulated gradients are neither
    /// read nor changed. A compiled training step calls this with its results, straight
    /// from its own buffers.
    ///
    /// ```
    /// pₖ ← update(pₖ, gradient(k))
    /// ```
    func step(gradients gradient: (_ index: Int) -> UnsafeBufferPointer<Scalar>?)
    /// The state a resumed run needs (moments, velocities, the step count), for
    /// checkpoints; see ``OptimizerState``. By default only the step count and α.
    var state: OptimizerState { get }
    /// Restores a state taken from an optimiser of the same kind over parameters of the
    /// same shapes. Throws, changing nothing, when it does not fit.
    func restore(_ state: OptimizerState) throws
}

extension Optimizer {
    /// Clears the gradients of every parameter.
    @inlinable public func zeroGradients() { for p in parameters { p.zeroGradients() } }

    /// No learning rate: reading gives NaN, setting traps.
    public var learningRate: Double {
        get { .nan }
        set { nnFailure("\(Self.self) has no learningRate to set (implement `var learningRate` to use schedules)") }
    }

    /// 0: the optimiser does not count its steps.
    public var stepCount: Int { 0 }

    /// The step count and α, no tensors.
    public var state: OptimizerState {
        OptimizerState(kind: "\(Self.self)", stepCount: stepCount, learningRate: learningRate, slots: [:])
    }

    /// Accepts a state without tensors (there is nothing to restore); one with tensors is
    /// an error.
    public func restore(_ state: OptimizerState) throws {
        if let name = state.slots.keys.sorted().first {
            throw OptimizerStateError("\(Self.self) keeps no state, the checkpoint has '\(name)' tensors from \(state.kind)")
        }
    }

    /// The default for optimisers that only implement `step()`: the given gradients
    /// stand in for the accumulated ones during `step()`, which are then put back.
    ///
    /// ```
    /// pₖ ← update(pₖ, gradient(k))
    /// ```
    public func step(gradients gradient: (_ index: Int) -> UnsafeBufferPointer<Scalar>?) {
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

/// Calls `body(k, g)` for each parameter k with an accumulated gradient g.
@inline(__always)
func eachAccumulatedGradient<Scalar: TensorScalar>(of parameters: [Parameter<Scalar>],
                                                   _ body: (Int, UnsafeBufferPointer<Scalar>) -> Void) {
    for k in parameters.indices {
        parameters[k].gradient?.withUnsafeBufferPointer { body(k, $0) }
    }
}

/// Calls `body(k, g)` for each parameter k that `given(k)` has a gradient g for.
@inline(__always)
func eachGivenGradient<Scalar: TensorScalar>(of parameters: [Parameter<Scalar>], _ given: (Int) -> UnsafeBufferPointer<Scalar>?,
                                             _ body: (Int, UnsafeBufferPointer<Scalar>) -> Void) {
    for k in parameters.indices {
        if let g = given(k) { body(k, g) }
    }
}

/// Checks a learning rate given to an initialiser: finite and positive.
func requireLearningRate(_ rate: Double, _ name: String, file: StaticString = #fileID, line: UInt = #line) {
    nnPrecondition(rate.isFinite && rate > 0, "\(name): learning rate \(rate) must be finite and positive", file: file, line: line)
}

/// Checks a learning rate assigned during training: finite and not negative (a schedule
/// may anneal it to 0).
func requireScheduledLearningRate(_ rate: Double, _ name: String, file: StaticString = #fileID, line: UInt = #line) {
    nnPrecondition(rate.isFinite && rate >= 0, "\(name): learning rate \(rate) must be finite and not negative", file: file, line: line)
}

/// Checks a weight decay: finite and not negative.
func requireWeightDecay(_ decay: Double, _ name: String, file: StaticString = #fileID, line: UInt = #line) {
    nnPrecondition(decay.isFinite && decay >= 0, "\(name): weight decay \(decay) must be finite and not negative", file: file, line: line)
}

/// Gradient descent with optional momentum and L2 weight decay (PyTorch's
/// `SGD(momentum:, weight_decay:)`; the notes' update w := w − α·∂E/∂w).
///
/// ```
/// g ← g + λ·w           (λ = weight decay of the parameter's group; skipped when 0)
/// v ← μ·v + g           (μ = momentum; v = g when μ = 0)
/// w ← w − α·s·v         (s = learning-rate scale of the group)
/// ```
/// With batch size 1 this is the per-sample SGD of `004_…`; with the full set, gradient descent.
public final class SGD<Scalar: TensorScalar>: Optimizer {
    /// The parameters updated, group by group.
    public let parameters: [Parameter<Scalar>]
    /// The groups, with their learning-rate scales and weight decays.
    public let groups: [ParameterGroup<Scalar>]
    /// α. (Stored properties read or written at every step skip the dynamic exclusivity
    /// check, about 80 instructions per access: an optimiser is used from one thread.)
    @exclusivity(unchecked) public var learningRate: Double {
        didSet { requireScheduledLearningRate(learningRate, "SGD") }
    }
    /// μ (0 for plain gradient descent).
    public let momentum: Double
    /// λ of the groups that do not set their own.
    public let weightDecay: Double
    /// Updates done so far.
    @exclusivity(unchecked) public private(set) var stepCount = 0
    /// v per parameter (empty when μ = 0).
    @exclusivity(unchecked) var velocity: [[Scalar]]
    /// (scale, λ) per parameter, from its group.
    let settings: [(scale: Double, decay: Double)]
    /// g + λ·w per parameter with weight decay (reused between steps).
    @exclusivity(unchecked) var decayed: [Scalar] = []

    /// An optimiser for `parameters`. Precondition: α finite and positive, 0 ≤ μ < 1, λ ≥ 0.
    public convenience init(parameters: [Parameter<Scalar>], learningRate: Double, momentum: Double = 0,
                            weightDecay: Double = 0) {
        self.init(groups: [ParameterGroup(parameters)], learningRate: learningRate, momentum: momentum,
                  weightDecay: weightDecay)
    }

    /// An optimiser for parameter groups, each with its own learning-rate scale and
    /// weight decay (nil: `weightDecay`). A parameter may be in one group only.
    public init(groups: [ParameterGroup<Scalar>], learningRate: Double, momentum: Double = 0, weightDecay: Double = 0) {
        requireLearningRate(learningRate, "SGD")
        nnPrecondition(momentum >= 0 && momentum < 1 && momentum.isFinite, "SGD: momentum \(momentum) must be in [0, 1)")
        requireWeightDecay(weightDecay, "SGD")
        let (parameters, settings) = ParameterGroup.flatten(groups, weightDecay: weightDecay, "SGD")
        self.parameters = parameters
        self.groups = groups
        self.settings = settings
        self.learningRate = learningRate
        self.momentum = momentum
        self.weightDecay = weightDecay
        velocity = momentum == 0 ? [] : parameters.map { Array(repeating: 0, count: $0.value.count) }
    }

    /// w ← w − α·(μ·v + g): in place, or in one pass into new storage while the last
    /// step's graph still holds the old weights.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func step() {
        stepCount += 1
        let rate = learningRate
        eachAccumulatedGradient(of: parameters) { k, g in update(k, g, rate: rate) }
    }

    /// w ← w − α·(μ·v + g) with the given gradients.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func step(gradients gradient: (_ index: Int) -> UnsafeBufferPointer<Scalar>?) {
        stepCount += 1
        // The class's properties are read once per step (each read of a class property is
        // an exclusivity check), and the decay buffer is touched only by groups that decay.
        let rate = learningRate
        for k in parameters.indices {
            if let g = gradient(k) { update(k, g, rate: rate) }
        }
    }

    /// Updates parameter `k` from its gradient, with the step's learning rate `rate`.
    @inline(__always)
    func update(_ k: Int, _ g: UnsafeBufferPointer<Scalar>, rate: Double) {
        let setting = settings[k]
        let alpha = Scalar(rate * setting.scale)
        guard setting.decay != 0 else { return update(k, g, alpha: alpha, decayBuffer: nil, lambda: 0) }
        if decayed.count < g.count { decayed = Array(repeating: 0, count: g.count) }
        decayed.withUnsafeMutableBufferPointer { d in
            update(k, g, alpha: alpha, decayBuffer: d.baseAddress, lambda: Scalar(setting.decay))
        }
    }

    /// w ← w − α·(μ·v + g), where g ← g + λ·w first when `decayBuffer` (room for g) is given.
    @inline(__always)
    func update(_ k: Int, _ g: UnsafeBufferPointer<Scalar>, alpha: Scalar, decayBuffer: UnsafeMutablePointer<Scalar>?,
                lambda: Scalar) {
        let mu = Scalar(momentum)
        parameters[k].update { (w: UnsafeBufferPointer<Scalar>, out: UnsafeMutableBufferPointer<Scalar>) in
            requireGradientCount(g.count, out.count, k)
            guard var gp = g.baseAddress, let wp = w.baseAddress, let op = out.baseAddress else { return }
            if let dp = decayBuffer {
                // g ← g + λ·w, before w is overwritten.
                for i in 0..<out.count { dp[i] = gp[i] + lambda * wp[i] }
                gp = UnsafePointer(dp)
            }
            if mu == 0 {
                UpdateKernels.sgd(old: wp, new: op, gradient: gp, velocity: nil, count: out.count,
                                  learningRate: alpha, momentum: 0)
            } else {
                velocity[k].withUnsafeMutableBufferPointer { v in
                    UpdateKernels.sgd(old: wp, new: op, gradient: gp, velocity: v.baseAddress, count: out.count,
                                      learningRate: alpha, momentum: mu)
                }
            }
        }
    }

    /// `velocity` (one tensor per parameter, when μ ≠ 0), the step count and α.
    public var state: OptimizerState {
        OptimizerState(kind: "SGD", stepCount: stepCount, learningRate: learningRate,
                       slots: velocity.isEmpty ? [:] : ["velocity": velocity.map { ScalarArrays.doubles($0) }])
    }

    /// Restores velocities, step count and α from an SGD with the same momentum setting.
    public func restore(_ state: OptimizerState) throws {
        try state.require(kind: "SGD", slots: velocity.isEmpty ? [] : ["velocity"], shapes: parameters.map(\.shape))
        if let v = state.slots["velocity"] { velocity = v.map { ScalarArrays.scalars($0, as: Scalar.self) } }
        stepCount = state.stepCount
        learningRate = state.learningRate
    }
}
