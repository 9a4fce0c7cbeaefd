import Backprop
import Foundation

/// Settings of a training run.
public struct TrainingOptions: Sendable {
    /// The most epochs (passes over the data).
    public var epochs: Int
    /// Examples per step; nil for the whole set (gradient descent). 1 is per-sample SGD.
    public var batchSize: Int?
    /// Reshuffle the examples every epoch (seeded).
    public var shuffle: Bool
    /// Seed of the shuffling (and of restarts' initialisations, see `fit`).
    public var seed: UInt64
    /// Stop when |E(i−1) − E(i)| < ε between epochs (the notes' first criterion).
    public var lossChangeTolerance: Double?
    /// Stop when ‖∇E‖ < ε (the norm of the epoch's mean batch gradient; exact for full batches).
    public var gradientTolerance: Double?
    /// How progress is shown.
    public var progress: ProgressStyle
    /// How each batch's forward and backward pass runs (compiled by default).
    public var engine: TrainingEngine
    /// How many times its best (lowest) epoch loss an epoch's loss may grow before the
    /// run counts as diverged (nil: only a non-finite loss does); see ``Divergence``.
    /// Default 10⁶:
    ///
    /// ```
    /// diverged ⇔ E(i) not finite  ∨  E(i) > factor · max(min_{j<i} E(j), 10⁻³)
    /// ```
    public var divergenceFactor: Double? = 1e6
    /// The learning rate before every update, from the optimiser's step count t (the
    /// updates it has done, restored from a checkpoint): `optimizer.learningRate = schedule(t)`.
    /// Nil: α is left alone (a callback may change it).
    public var schedule: LearningRateSchedule?
    /// Clip each batch's gradients to this global norm before the update (see
    /// ``clipGradientNorm(_:maxNorm:file:line:)``), in both engines; nil: no clipping.
    /// The reported gradient norms are those before clipping.
    ///
    /// ```
    /// gₚ ← gₚ · min(1, maxGradientNorm / (N + 10⁻⁶)),   N = √(Σₚ ‖gₚ‖²)
    /// ```
    public var maxGradientNorm: Double? {
        didSet { Self.requireMaxNorm(maxGradientNorm) }
    }

    /// Stops unless a maximum gradient norm is nil or finite and positive.
    private static func requireMaxNorm(_ norm: Double?) {
        nnPrecondition(norm.map { $0.isFinite && $0 > 0 } ?? true, "TrainingOptions: maxGradientNorm \(norm!) must be finite and positive")
    }
    /// Asked after every step (batch): when it returns true the run stops there, with
    /// ``StopReason/interrupted`` and ``TrainingHistory/interruption`` saying where. A
    /// cooperative stop for a Ctrl-C handler, a time limit or a cancelled task; it is
    /// called on the training thread, so it must be cheap and safe to read there while another
    /// thread sets what it reads (read an
    /// atomic, not a lock held elsewhere). nil (the default): never stop early.
    ///
    /// ```
    /// steps run = min(all steps, first step s after which shouldStop() is true)
    /// ```
    public var shouldStop: (@Sendable () -> Bool)?

    /// Creates options; by default 100 full-batch epochs, no tolerance stops, automatic
    /// progress, compiled steps.
    public init(epochs: Int = 100, batchSize: Int? = nil, shuffle: Bool = true, seed: UInt64 = 0,
                lossChangeTolerance: Double? = nil, gradientTolerance: Double? = nil,
                progress: ProgressStyle = .automatic, engine: TrainingEngine = .compiled,
                schedule: LearningRateSchedule? = nil, maxGradientNorm: Double? = nil) {
        nnPrecondition(epochs > 0, "TrainingOptions: epochs must be positive, got \(epochs)")
        nnPrecondition(batchSize.map { $0 > 0 } ?? true, "TrainingOptions: batch size must be positive, got \(batchSize!)")
        self.epochs = epochs
        self.batchSize = batchSize
        self.shuffle = shuffle
        self.seed = seed
        self.lossChangeTolerance = lossChangeTolerance
        self.gradientTolerance = gradientTolerance
        self.progress = progress
        self.engine = engine
        self.schedule = schedule
        Self.requireMaxNorm(maxGradientNorm)
        self.maxGradientNorm = maxGradientNorm
    }
}

/// How `train` computes each batch's loss and gradients. Both use the same gradient
/// rules and agree to rounding (the compiled engine takes class labels as one-hot
/// targets, so softmax cross-entropy is summed differently).
public enum TrainingEngine: String, Sendable, CaseIterable {
    /// Records a graph for every batch and calls `backward()`: works for any layer.
    case eager
    /// Runs every batch through a ``CompiledTrainingStep``: forward, loss and backward are
    /// traced once per batch shape and replayed as kernel calls, with no graph recorded.
    /// A model that cannot be traced (the trace throws) is trained eagerly instead, with a
    /// notice on standard error (reading values with `scalars` or drawing from a
    /// `SeededGenerator` while tracing makes the trace throw; keyed draws, as in
    /// ``Dropout``, compile). Programs are kept per batch shape and per ``LayerMode``.
    case compiled
}

/// Why a run stopped.
public enum StopReason: String, Sendable {
    /// It ran every epoch.
    case maximumEpochs = "maximum number of epochs"
    /// |E(i−1) − E(i)| fell below the tolerance.
    case lossChange = "loss change below tolerance"
    /// ‖∇E‖ fell below the tolerance.
    case gradientNorm = "gradient norm below tolerance"
    /// A callback asked to stop.
    case callback = "stopped by callback"
    /// ``TrainingOptions/shouldStop`` returned true (see ``TrainingHistory/interruption``).
    case interrupted = "interrupted"
    /// The loss became NaN or infinite, or grew by orders of magnitude over its best, or
    /// the last step left a parameter non-finite (see ``TrainingHistory/divergence``).
    case diverged = "diverged"
}

/// What one epoch did, passed to callbacks.
public struct EpochReport: Sendable {
    /// 1-based epoch number.
    public var epoch: Int
    /// Mean loss over the epoch's batches.
    public var loss: Double
    /// Norm of the epoch's mean batch gradient.
    public var gradientNorm: Double
}

/// The record of a training run.
public struct TrainingHistory: Sendable {
    /// Mean loss of each epoch.
    public var losses: [Double] = []
    /// Gradient norm of each epoch.
    public var gradientNorms: [Double] = []
    /// Why it stopped.
    public var stopReason: StopReason = .maximumEpochs
    /// The engine that trained the model: `.eager` when `.compiled` was asked for but
    /// the model could not be traced (see ``engineFallback``).
    public var engine: TrainingEngine = .eager
    /// Why the compiled engine fell back to eager training, or nil.
    public var engineFallback: String?
    /// Why and where the run diverged, or nil. A diverged model's parameters are
    /// useless (often NaN): do not save them or evaluate them.
    public var divergence: Divergence?
    /// Where ``TrainingOptions/shouldStop`` stopped the run, or nil. `losses` holds the
    /// complete epochs only; a stop after an epoch's last step completes that epoch.
    public var interruption: Interruption?
    /// The last epoch's loss.
    public var finalLoss: Double { losses.last ?? .nan }
}

/// A run that diverged: the epoch it was detected in, that epoch's loss, and why.
///
/// The rule, checked after every epoch with `factor = TrainingOptions.divergenceFactor`:
///
/// ```
/// diverged ⇔ E(i) not finite  ∨  E(i) > factor · max(min_{j<i} E(j), 10⁻³)
/// ```
///
/// and once more after the last step: a parameter that is NaN or infinite (the step after
/// the last loss was computed can overflow) counts as a divergence too. The floor 10⁻³
/// keeps a loss that fitted to almost zero from flagging ordinary noise.
public struct Divergence: Sendable, Equatable, CustomStringConvertible {
    /// The 1-based epoch in which it was detected.
    public var epoch: Int
    /// That epoch's mean loss (may be NaN or infinite).
    public var loss: Double
    /// What was seen, e.g. "the loss is not finite".
    public var reason: String
    /// "epoch 3: the loss is nan"-style one-line summary.
    public var description: String { "epoch \(epoch): \(reason)" }
}

/// Where a run was stopped by ``TrainingOptions/shouldStop``: after `step` of
/// `stepsPerEpoch` steps of epoch `epoch`, with `loss` the mean loss of those steps.
///
/// ```
/// loss = (1/step) · Σ_{s=1…step} E_s      (E_s: the loss of the s-th batch of the epoch)
/// ```
public struct Interruption: Sendable, Equatable, CustomStringConvertible {
    /// The 1-based epoch the run stopped in.
    public var epoch: Int
    /// Steps (batches) done in that epoch, 1…stepsPerEpoch.
    public var step: Int
    /// Steps in a complete epoch.
    public var stepsPerEpoch: Int
    /// Mean loss of the `step` steps done in that epoch.
    public var loss: Double
    /// Whether the epoch was complete (the stop came after its last step).
    public var completedEpoch: Bool { step == stepsPerEpoch }
    /// "epoch 3, step 12 of 45, loss 0.123456"-style summary.
    public var description: String {
        "epoch \(epoch), step \(step) of \(stepsPerEpoch), loss \(ProgressReporter.formatted(loss, digits: 6))"
    }
}

/// Trains `model` on `data` with `optimizer`: for each epoch, for each (shuffled) batch,
/// forward, loss, backward, update. Every gradient comes from the graph's rules: recorded
/// and run backward per batch (`.eager`), or traced once per batch shape and replayed
/// (`.compiled`, the default; see ``TrainingEngine``).
///
/// The model runs in training mode (``LayerMode``) for the whole run and is put back in
/// its previous modes afterwards. A model that holds parameters, states or mode switches
/// it does not register (see ``unregisteredParts(in:)``) gets a warning on standard error:
/// they would silently not be trained.
///
/// With ``TrainingOptions/maxGradientNorm`` each batch's gradients are clipped, and with
/// ``TrainingOptions/schedule`` the learning rate is set, before every update.
///
/// ```
/// for each batch:  g = ∂E_batch/∂p;  g ← clip(g);  α ← schedule(t);  p ← update(p, g);  t ← t + 1
/// ```
///
/// - Parameter optimizer: Held by reference: the callback may change it (its learning
///   rate, say) between epochs.
/// ``TrainingOptions/shouldStop`` is asked after every step: to stop a run from another
/// thread or a signal handler, set a flag it reads.
///
/// - Parameter callback: Called after each epoch; return false to stop.
@discardableResult
public func train<Model: Layer, Opt: Optimizer>(
    _ model: Model, on data: Dataset, objective: Objective, optimizer: Opt,
    options: TrainingOptions = TrainingOptions(), label: String = "",
    callback: ((EpochReport) -> Bool)? = nil
) -> TrainingHistory where Opt.Scalar == Model.Scalar {
    nnPrecondition(data.count > 0, "train: the data set is empty")
    var history = TrainingHistory()
    var rng = SeededGenerator(seed: options.seed)
    var progress = ProgressReporter(style: options.progress, total: options.epochs)
    let batchSize = Swift.min(options.batchSize ?? data.count, data.count)
    let parameters = model.parameters
    var seen = 0
    // t for the schedule: the optimiser's count, kept here for optimisers that do not count.
    var steps = optimizer.stepCount
    defer { progress.finish() }
    let unregistered = unregisteredParts(in: model)
    if !unregistered.isEmpty {
        progress.note("\(label)train: warning: the model holds parts it does not register, which are not trained, saved or switched: "
            + unregistered.map(\.description).joined(separator: ", ") + " (list them in namedParameters, namedStates or modeSwitches)")
    }
    let modeSwitches = model.modeSwitches, savedModes = modeSwitches.map(\.mode)
    model.setMode(.training)
    defer { for (s, m) in zip(modeSwitches, savedModes) { s.mode = m } }
    // The compiled step (nil for the eager engine, or after a trace failed).
    var compiled: CompiledTrainingStep<Model>?
    if options.engine == .compiled {
        compiled = CompiledTrainingStep(model: model) { objective.loss($0, targets: $1) }
    }
    history.engine = options.engine
    func fallBack(_ reason: String) {
        compiled = nil
        history.engine = .eager
        history.engineFallback = reason
        progress.note("\(label)train: the model cannot be compiled, training eagerly instead: \(reason)")
    }
    // Softmax cross-entropy with labels accepts logits with more columns than the set has
    // classes: the one-hot targets get as many columns as the model has outputs (found by
    // a forward pass on the first batch). Fewer outputs than classes: the eager loss
    // reports the label out of range.
    var classes: Int?
    var probed = !(objective == .softmaxCrossEntropy && data.isClassification)
    var best = Double.infinity
    let stepsPerEpoch = (data.count + batchSize - 1) / batchSize
    for epoch in 1...options.epochs {
        let order = options.shuffle && batchSize < data.count ? shuffledIndices(data.count, using: &rng) : Array(0..<data.count)
        var lossSum = 0.0, batches = 0
        var gradientSum: [Tensor<Model.Scalar>?] = Array(repeating: nil, count: parameters.count)
        var start = 0
        while start < data.count {
            let rows = Array(order[start..<Swift.min(start + batchSize, data.count)])
            start += batchSize
            optimizer.zeroGradients()
            let x = data.featureTensor(rows: rows, as: Model.Scalar.self)
            var loss: Model.Scalar?
            if compiled != nil, !probed {
                probed = true
                // A forward pass for the output's shape only: any state it updates is put back.
                let states = model.states, saved = states.map(\.value)
                let probe = withoutGradients { model(x) }
                for (state, value) in zip(states, saved) { state.value = value }
                if probe.rank == 2, probe.shape[1] >= data.classCount {
                    classes = probe.shape[1]
                } else {
                    fallBack("the model's output of shape \(probe.shape) cannot hold one-hot targets for \(data.classCount) classes")
                }
            }
            if let step = compiled {
                let targets: Tensor<Model.Scalar>
                if let classes {
                    targets = Objective.targetTensor(data, rows, as: Model.Scalar.self, classes: classes)
                } else {
                    targets = objective.targets(data, rows: rows, as: Model.Scalar.self)
                }
                do {
                    loss = try step(x, targets)
                } catch {
                    // Nothing was accumulated: the trace failed before the program ran.
                    fallBack("\(error)")
                }
            }
            if loss == nil {
                let e = objective.loss(model(x), data, rows: rows)
                e.backward()
                loss = e.scalar
            }
            for (k, p) in parameters.enumerated() {
                if let g = p.gradient { gradientSum[k] = gradientSum[k].map { $0 + g } ?? g }
            }
            if let maxNorm = options.maxGradientNorm { clipGradientNorm(parameters, maxNorm: maxNorm) }
            if let schedule = options.schedule { optimizer.learningRate = schedule(steps) }
            optimizer.step()
            steps += 1
            lossSum += Double(loss!)
            batches += 1
            seen += rows.count
            if let shouldStop = options.shouldStop, shouldStop() {
                history.interruption = Interruption(epoch: epoch, step: batches, stepsPerEpoch: stepsPerEpoch,
                                                    loss: lossSum / Double(batches))
                history.stopReason = .interrupted
                break
            }
        }
        let meanLoss = lossSum / Double(batches)
        if let interruption = history.interruption, !interruption.completedEpoch {
            // A partial epoch: no epoch loss to record, but a non-finite loss is still a divergence.
            if let divergence = detectDivergence(epoch: epoch, loss: meanLoss, best: best, factor: options.divergenceFactor) {
                history.divergence = divergence
                history.stopReason = .diverged
            }
            break
        }
        let norm = gradientSum.reduce(0.0) { acc, g in
            guard let g else { return acc }
            return acc + Double((g * g).sum().scalar)
        }.squareRoot() / Double(batches)
        let previous = history.losses.last
        history.losses.append(meanLoss)
        history.gradientNorms.append(norm)
        progress.update(epoch: epoch, loss: meanLoss, examples: seen, label: label)
        if let divergence = detectDivergence(epoch: epoch, loss: meanLoss, best: best, factor: options.divergenceFactor) {
            history.divergence = divergence
            history.stopReason = .diverged
            break
        }
        best = Swift.min(best, meanLoss)
        if let callback, !callback(EpochReport(epoch: epoch, loss: meanLoss, gradientNorm: norm)) {
            if history.interruption == nil { history.stopReason = .callback }
            break
        }
        if history.interruption != nil { break }
        if let eps = options.gradientTolerance, norm < eps { history.stopReason = .gradientNorm; break }
        if let eps = options.lossChangeTolerance, let previous, Swift.abs(previous - meanLoss) < eps {
            history.stopReason = .lossChange
            break
        }
    }
    // The last step ran after the last loss was computed: it may have overflowed.
    if history.divergence == nil {
        for (name, p) in model.namedParameters {
            let values = p.value.scalars
            if let i = values.firstIndex(where: { !$0.isFinite }) {
                history.divergence = Divergence(epoch: history.losses.count, loss: history.finalLoss,
                                                reason: "parameter '\(name)' is \(values[i]) at index \(i) after the last step")
                history.stopReason = .diverged
                break
            }
        }
    }
    return history
}

/// `train` with the optimiser passed `inout`, as before optimisers were classes. A
/// callback that captures the optimiser traps here (overlapping access): pass it
/// without `&`.
@available(*, deprecated, message: "pass the optimizer without &: optimizers are classes")
@discardableResult
public func train<Model: Layer, Opt: Optimizer>(
    _ model: Model, on data: Dataset, objective: Objective, optimizer: inout Opt,
    options: TrainingOptions = TrainingOptions(), label: String = "",
    callback: ((EpochReport) -> Bool)? = nil
) -> TrainingHistory where Opt.Scalar == Model.Scalar {
    train(model, on: data, objective: objective, optimizer: optimizer, options: options, label: label, callback: callback)
}

/// The divergence of an epoch with mean loss `loss` after a best epoch loss of `best`
/// (∞ before the first), or nil; see ``Divergence`` for the rule.
private func detectDivergence(epoch: Int, loss: Double, best: Double, factor: Double?) -> Divergence? {
    if !loss.isFinite {
        return Divergence(epoch: epoch, loss: loss, reason: "the loss is \(loss.isNaN ? "nan" : "\(loss)")")
    }
    if let factor, best.isFinite, loss > factor * Swift.max(best, 1e-3) {
        return Divergence(epoch: epoch, loss: loss,
                          reason: "the loss \(loss) grew over \(factor) times its best, \(best)")
    }
    return nil
}

/// The best of several runs from different random initialisations.
public struct FitResult<Model: Layer> {
    /// The model of the run with the lowest final loss.
    public var model: Model
    /// That run's history.
    public var history: TrainingHistory
    /// Index of the best run.
    public var bestRun: Int
    /// Final loss of every run, in order.
    public var finalLosses: [Double]
}

/// Trains `restarts` models made by `makeModel(seed)` (seeds `options.seed`, `+1`, …) and
/// keeps the one with the lowest final loss: random restarts against bad local minima.
/// A run stopped by ``TrainingOptions/shouldStop`` is the last one started.
public func fit<Model: Layer, Opt: Optimizer>(
    restarts: Int = 1, on data: Dataset, objective: Objective, options: TrainingOptions = TrainingOptions(),
    makeModel: (UInt64) -> Model, makeOptimizer: (Model) -> Opt, callback: ((EpochReport) -> Bool)? = nil
) -> FitResult<Model> where Opt.Scalar == Model.Scalar {
    nnPrecondition(restarts > 0, "fit: restarts must be positive, got \(restarts)")
    var best: FitResult<Model>?
    var finals: [Double] = []
    for run in 0..<restarts {
        let seed = options.seed &+ UInt64(run)
        let model = makeModel(seed)
        let optimizer = makeOptimizer(model)
        var runOptions = options
        runOptions.seed = seed
        let label = restarts > 1 ? "run \(run + 1)/\(restarts) " : ""
        let history = train(model, on: data, objective: objective, optimizer: optimizer, options: runOptions,
                            label: label, callback: callback)
        let interrupted = history.stopReason == .interrupted
        let final = history.finalLoss.isFinite ? history.finalLoss : .infinity
        finals.append(history.finalLoss)
        if best == nil || final < (best!.history.finalLoss.isFinite ? best!.history.finalLoss : .infinity) {
            best = FitResult(model: model, history: history, bestRun: run, finalLosses: [])
        }
        if interrupted { break }   // no further restarts after a stop request
    }
    best!.finalLosses = finals
    return best!
}
