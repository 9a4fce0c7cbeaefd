import Foundation

/// A learning rate as a function of a step (or epoch) counter t = 0, 1, 2, …, as
/// PyTorch's schedulers. Call it in `train`'s callback, or set
/// ``TrainingOptions/schedule`` and `train` sets α before every update from the
/// optimiser's step count.
///
/// ```swift
/// let s = LearningRateSchedule.linearWarmup(to: 0.1, steps: 10)
///     .followed(by: .cosine(from: 0.1, to: 0.001, steps: 90), after: 10)
/// s(0)    // 0.01
/// s(10)   // 0.1
/// s(100)  // 0.001
/// ```
public struct LearningRateSchedule: Sendable, CustomStringConvertible {
    /// α(t).
    let rate: @Sendable (Int) -> Double
    /// E.g. "cosine(0.1 → 0.001 over 90)".
    public let description: String

    /// A schedule from a function of t (`rate(t)` must be finite and ≥ 0).
    public init(_ description: String, rate: @escaping @Sendable (_ t: Int) -> Double) {
        self.rate = rate
        self.description = description
    }

    /// α(t). Precondition: t ≥ 0.
    public func callAsFunction(_ t: Int) -> Double {
        nnPrecondition(t >= 0, "LearningRateSchedule: step \(t) must not be negative")
        return rate(t)
    }

    /// α(t) = α₀ for every t.
    public static func constant(_ rate: Double) -> LearningRateSchedule {
        requireRate(rate, "constant")
        return LearningRateSchedule("constant(\(rate))") { _ in rate }
    }

    /// Step decay (PyTorch's `StepLR`): multiplied by γ every `every` steps.
    ///
    /// ```
    /// α(t) = α₀ · γ^⌊t / every⌋
    /// ```
    public static func stepDecay(from rate: Double, factor gamma: Double, every: Int) -> LearningRateSchedule {
        requireRate(rate, "stepDecay")
        nnPrecondition(gamma.isFinite && gamma > 0, "LearningRateSchedule.stepDecay: factor \(gamma) must be finite and positive")
        nnPrecondition(every > 0, "LearningRateSchedule.stepDecay: every \(every) must be positive")
        return LearningRateSchedule("step(\(rate) ×\(gamma) every \(every))") { t in
            rate * Foundation.pow(gamma, Double(t / every))
        }
    }

    /// Cosine annealing (PyTorch's `CosineAnnealingLR`, without restarts): from α₀ at
    /// t = 0 to α_min at t = T, then α_min.
    ///
    /// ```
    /// α(t) = α_min + (α₀ − α_min)·(1 + cos(π·t/T))/2   for t ≤ T;   α_min after
    /// ```
    public static func cosine(from rate: Double, to minimum: Double = 0, steps: Int) -> LearningRateSchedule {
        requireRate(rate, "cosine")
        requireRate(minimum, "cosine")
        nnPrecondition(steps > 0, "LearningRateSchedule.cosine: steps \(steps) must be positive")
        return LearningRateSchedule("cosine(\(rate) → \(minimum) over \(steps))") { t in
            t >= steps ? minimum
                : minimum + (rate - minimum) * (1 + Foundation.cos(Double.pi * Double(t) / Double(steps))) / 2
        }
    }

    /// Linear warm-up over `steps` updates to α₀, then α₀ (the first update already
    /// moves: α(0) = α₀/W).
    ///
    /// ```
    /// α(t) = α₀ · (t + 1)/W   for t < W;   α₀ after
    /// ```
    public static func linearWarmup(to rate: Double, steps: Int) -> LearningRateSchedule {
        requireRate(rate, "linearWarmup")
        nnPrecondition(steps > 0, "LearningRateSchedule.linearWarmup: steps \(steps) must be positive")
        return LearningRateSchedule("warmup(→ \(rate) over \(steps))") { t in
            t >= steps ? rate : rate * Double(t + 1) / Double(steps)
        }
    }

    /// This schedule for t < n, then `next` counting from 0 again: warm-up then cosine is
    /// `.linearWarmup(to: α, steps: W).followed(by: .cosine(from: α, steps: T − W), after: W)`.
    ///
    /// ```
    /// α(t) = self(t)   for t < n;   next(t − n) after
    /// ```
    public func followed(by next: LearningRateSchedule, after n: Int) -> LearningRateSchedule {
        nnPrecondition(n >= 0, "LearningRateSchedule.followed: after \(n) must not be negative")
        let first = rate, second = next.rate
        return LearningRateSchedule("\(description) for \(n), then \(next.description)") { t in
            t < n ? first(t) : second(t - n)
        }
    }

    /// Warm-up to α₀ over W steps, then cosine annealing to α_min at step T.
    ///
    /// ```
    /// α(t) = α₀(t + 1)/W  for t < W;   α_min + (α₀ − α_min)(1 + cos(π(t − W)/(T − W)))/2  after
    /// ```
    public static func warmupCosine(to rate: Double, warmupSteps: Int, totalSteps: Int, minimum: Double = 0)
        -> LearningRateSchedule {
        nnPrecondition(totalSteps > warmupSteps, "LearningRateSchedule.warmupCosine: total steps \(totalSteps) must exceed the warm-up steps \(warmupSteps)")
        guard warmupSteps > 0 else { return cosine(from: rate, to: minimum, steps: totalSteps) }
        return linearWarmup(to: rate, steps: warmupSteps)
            .followed(by: cosine(from: rate, to: minimum, steps: totalSteps - warmupSteps), after: warmupSteps)
    }

    /// Stops unless a rate is finite and not negative.
    private static func requireRate(_ rate: Double, _ name: String, file: StaticString = #fileID, line: UInt = #line) {
        nnPrecondition(rate.isFinite && rate >= 0, "LearningRateSchedule.\(name): learning rate \(rate) must be finite and not negative",
                       file: file, line: line)
    }
}
