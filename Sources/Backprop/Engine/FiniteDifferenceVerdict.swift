/// The verdict on one gradient element against finite differences: the one rule behind
/// both ``checkGradients(at:labels:options:of:)`` and `checkTensorGradients`.
///
/// With f the function of the one coordinate x being checked, a the analytic value and
/// steps h₀ = ε, h₁ = ε/10, h₂ = ε/100:
///
/// ```
/// left_k  = (f(x) − f(x − h_k)) / h_k        right_k = (f(x + h_k) − f(x)) / h_k
/// central_k = (f(x + h_k) − f(x − h_k)) / 2h_k   gap_k = |left_k − right_k|
/// agree_k  ⇔ gap_k ≤ atol + rtol·max(|left_k|, |right_k|)
/// close(a, n) ⇔ |a − n| ≤ atol + rtol·|n|                      (torch.autograd.gradcheck)
///
/// smooth: agree_k for some k (the first such k)       pass ⇔ close(a, central_k)
/// steep:  no agree_k, but gap₂ ≤ gap₀/10               pass ⇔ close(a, R),
///         R = (100·central₂ − central₁)/99 (Richardson extrapolation)
/// kink:   no agree_k, and gap₂ > gap₀/10               pass ⇔ lo − s ≤ a ≤ hi + s,
///         lo, hi = min, max(left₀, right₀),  s = atol + rtol·max(|left₀|, |right₀|)
/// ```
///
/// A smooth function's one-sided slopes differ by about h·|f″|, so they converge as the
/// step shrinks: steepness is never mistaken for a kink. A kink's slopes stay apart (and
/// a jump's grow as 1/h). The retries run only when the slopes at ε disagree. Steps are
/// the ones actually taken (x ± h rounded to the input's precision); a step that rounds
/// to nothing ends the refinement.
struct FiniteDifferenceVerdict {
    /// What the finite differences show about the function at the point.
    enum Kind: Sendable {
        /// One-sided slopes agree at some step: differentiable here.
        case smooth
        /// One-sided slopes still differ at the smallest step but converge as it shrinks.
        case steep
        /// One-sided slopes keep disagreeing as the step shrinks: not differentiable here.
        case kink
        /// The function or the analytic value is not finite, or ε is below the input's
        /// floating-point spacing: nothing can be compared.
        case invalid
    }

    /// The steps tried after ε, as divisors of ε.
    static let refinements: [Double] = [10, 100]

    /// Smooth, steep, kink or invalid.
    var kind: Kind
    /// Whether the analytic value passes.
    var passed: Bool
    /// The numeric derivative the verdict used (central difference, Richardson value, or
    /// at a kink the central difference at ε).
    var numeric: Double
    /// The step (nominal) at which `numeric` was taken.
    var step: Double
    /// One-sided slopes at `step` (at a kink: at ε).
    var leftSlope: Double, rightSlope: Double
    /// Whether the analytic value is close to the central difference at ε (the gradcheck test).
    var centralAgreesAtEpsilon: Bool
    /// Why, in words, when not a plain pass (empty otherwise).
    var note: String

    /// One step's finite differences.
    private struct Differences {
        var step: Double, left: Double, right: Double, central: Double
        /// Whether x ± step differ from x after rounding.
        var moved: Bool
        /// Whether the steps were taken and f stayed finite.
        var isUsable: Bool

        var gap: Double { Swift.abs(left - right) }
    }

    /// Judges one analytic value.
    ///
    /// ```
    /// evaluate(δ) = (f(x + δ), the step actually taken)
    /// ```
    /// - Parameters:
    ///   - a: The analytic derivative.
    ///   - center: f(x).
    ///   - epsilon: The first step ε.
    ///   - evaluate: f at x moved by δ, with the step actually taken after rounding.
    ///   - describe: Number formatting for the note.
    static func judge(
        analytic a: Double, center f0: Double, epsilon: Double, absoluteTolerance atol: Double,
        relativeTolerance rtol: Double, evaluate: (Double) -> (value: Double, step: Double),
        describe: (Double) -> String
    ) -> FiniteDifferenceVerdict {
        func close(_ n: Double) -> Bool { Swift.abs(a - n) <= atol + rtol * Swift.abs(n) }
        func slopeTolerance(_ d: Differences) -> Double {
            atol + rtol * Swift.max(Swift.abs(d.left), Swift.abs(d.right))
        }
        func differences(_ h: Double) -> Differences {
            let (fPlus, hPlus) = evaluate(h)
            let (fMinus, hMinus) = evaluate(-h)
            let moved = hPlus > 0 && hMinus < 0
            return Differences(step: h, left: (f0 - fMinus) / -hMinus, right: (fPlus - f0) / hPlus,
                               central: (fPlus - fMinus) / (hPlus - hMinus), moved: moved,
                               isUsable: moved && fPlus.isFinite && fMinus.isFinite)
        }
        let first = differences(epsilon)
        func verdict(_ kind: Kind, _ passed: Bool, _ n: Double, _ d: Differences, _ note: String) -> FiniteDifferenceVerdict {
            FiniteDifferenceVerdict(kind: kind, passed: passed, numeric: n, step: d.step, leftSlope: d.left,
                                    rightSlope: d.right, centralAgreesAtEpsilon: first.isUsable && close(first.central),
                                    note: note)
        }
        func mismatch(_ n: Double) -> String {
            "analytic \(describe(a)) vs numeric \(describe(n)): error \(describe(Swift.abs(a - n))) "
                + "> tolerance \(describe(atol + rtol * Swift.abs(n)))"
        }

        if a.isNaN {
            return verdict(.invalid, false, first.central, first, "analytic gradient is NaN")
        }
        if !f0.isFinite || !first.isUsable {
            let why = !first.moved
                ? "step ε = \(describe(epsilon)) is below the floating-point spacing at this point; use a larger ε"
                : "function is not finite near this point (numeric \(describe(first.central)))"
            return verdict(.invalid, false, first.central, first, why)
        }
        if first.gap <= slopeTolerance(first) {
            let ok = close(first.central)
            return verdict(.smooth, ok, first.central, first, ok ? "" : mismatch(first.central))
        }

        // The one-sided slopes disagree at ε: shrink the step to tell steep from kinked.
        var levels = [first]
        for divisor in refinements {
            let d = differences(epsilon / divisor)
            guard d.isUsable else { break }
            levels.append(d)
            if d.gap <= slopeTolerance(d) {
                let ok = close(d.central)
                let steep = "steep: the one-sided slopes agree only at ε = \(describe(d.step)), judged there"
                return verdict(.smooth, ok, d.central, d, ok ? steep : mismatch(d.central) + " (\(steep))")
            }
        }
        let last = levels[levels.count - 1]
        if levels.count >= 2 && last.gap <= first.gap / 10 {
            let previous = levels[levels.count - 2]
            let ratio = (previous.step / last.step) * (previous.step / last.step)
            let extrapolated = (ratio * last.central - previous.central) / (ratio - 1)
            let ok = close(extrapolated)
            let steep = "steep: the one-sided slopes converge as ε shrinks but still differ at ε = "
                + "\(describe(last.step)); judged by Richardson extrapolation"
            return verdict(.steep, ok, extrapolated, last, ok ? steep : mismatch(extrapolated) + " (\(steep))")
        }

        let lo = Swift.min(first.left, first.right), hi = Swift.max(first.left, first.right)
        let s = slopeTolerance(first)
        let inside = a >= lo - s && a <= hi + s
        let shape = levels.count == 1
            ? "kink: the one-sided slopes differ, and ε cannot shrink below the floating-point spacing here"
            : last.gap >= first.gap * 10
            ? "kink (a jump: the one-sided slopes grow as ε shrinks, as at a discontinuity or under rounding noise)"
            : "kink: the one-sided slopes stay apart as ε shrinks to \(describe(last.step))"
        let slopes = "\(describe(first.left)) (left) and \(describe(first.right)) (right)"
        let note = inside
            ? "\(shape); the analytic value \(describe(a)) lies between the slopes \(slopes)"
            : "\(shape); the analytic value \(describe(a)) is outside the slopes \(slopes): "
                + "expected a value between them (± \(describe(s)))"
        return verdict(.kink, inside, first.central, first, note)
    }
}
