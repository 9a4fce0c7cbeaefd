/// What an optimiser needs to resume exactly where it stopped: its kind, the updates
/// done, α, and per-parameter tensors ("slots", such as Adam's `m` and `v`), each a list
/// with one flat array per parameter in the optimiser's order. Values are stored as
/// `Double`, which holds every `Float` and `Double` exactly.
///
/// ```
/// state = (kind, t, α, {slot: [values of parameter 0, values of parameter 1, …]})
/// ```
public struct OptimizerState: Sendable, Equatable {
    /// "SGD", "Adam", "AdamW", or the type's name.
    public var kind: String
    /// Updates done so far.
    public var stepCount: Int
    /// α at the time the state was taken.
    public var learningRate: Double
    /// Per-parameter tensors by slot name.
    public var slots: [String: [[Double]]]

    /// A state.
    public init(kind: String, stepCount: Int, learningRate: Double, slots: [String: [[Double]]]) {
        self.kind = kind
        self.stepCount = stepCount
        self.learningRate = learningRate
        self.slots = slots
    }

    /// Throws unless the state is of `kind`, has exactly `slots`, one array per shape
    /// with the shape's element count, a step count ≥ 0 and a finite α ≥ 0 (or NaN, "no
    /// learning rate", unless `rate`).
    func require(kind: String, slots names: [String], shapes: [[Int]], rate: Bool = true) throws {
        guard self.kind == kind else {
            throw OptimizerStateError("the optimizer state is from \(self.kind), not \(kind)")
        }
        guard Set(slots.keys) == Set(names) else {
            throw OptimizerStateError("the \(kind) state has tensors \(slots.keys.sorted()), expected \(names.sorted())")
        }
        guard stepCount >= 0, (learningRate.isFinite && learningRate >= 0) || (!rate && learningRate.isNaN) else {
            throw OptimizerStateError("the \(kind) state has step count \(stepCount) and learning rate \(learningRate)")
        }
        for name in names {
            let values = slots[name]!
            guard values.count == shapes.count else {
                throw OptimizerStateError("the \(kind) state has '\(name)' for \(values.count) parameters, the optimizer has \(shapes.count)")
            }
            for (k, (v, shape)) in zip(values, shapes).enumerated() where v.count != shape.reduce(1, *) {
                throw OptimizerStateError("the \(kind) state's '\(name)' of parameter \(k) has \(v.count) values, the parameter has shape \(shape)")
            }
        }
    }
}

/// An optimiser state that does not fit the optimiser it is restored into.
public struct OptimizerStateError: Error, CustomStringConvertible {
    /// What does not fit.
    public var description: String
    /// An error with this message.
    public init(_ description: String) { self.description = description }
}
