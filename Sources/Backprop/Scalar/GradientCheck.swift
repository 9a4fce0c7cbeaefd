import Foundation

/// Numerical verification of scalar-graph gradients against central differences,
/// in the manner of `torch.autograd.gradcheck`.
///
/// For each input xᵢ the analytic gradient (from ``Value/backward(seed:)``) is
/// compared with
///
/// ```
/// numeric_i = (f(x + ε·eᵢ) − f(x − ε·eᵢ)) / 2ε
/// pass      ⇔ |analytic − numeric| ≤ atol + rtol·|numeric|
/// ```
///
/// When the one-sided differences `(f(x) − f(x − ε))/ε` and `(f(x + ε) − f(x))/ε`
/// disagree, the function has a kink at x (relu at 0, |x| at 0, max on a tie): the
/// central difference is then the average of two slopes and says nothing about
/// correctness. Such an input is reported as ``GradientCheckStatus/kink`` (not a
/// failure) when the analytic value lies between the two one-sided slopes.
public struct GradientCheckOptions: Sendable {
    /// Step of the central difference. Default 1e-6, as PyTorch.
    public var eps: Double
    /// Absolute tolerance. Default 1e-5, as PyTorch.
    public var atol: Double
    /// Relative tolerance. Default 1e-3, as PyTorch.
    public var rtol: Double

    /// Creates options; the defaults are PyTorch gradcheck's.
    public init(eps: Double = 1e-6, atol: Double = 1e-5, rtol: Double = 1e-3) {
        self.eps = eps
        self.atol = atol
        self.rtol = rtol
    }
}

/// The verdict for one input of a gradient check.
public enum GradientCheckStatus: String, Sendable {
    /// Analytic and numeric gradients agree within tolerance.
    case pass
    /// They disagree, and the function is smooth there (or the analytic value lies
    /// outside the one-sided slopes of a kink).
    case fail
    /// The function has a kink here; the analytic value is one of its one-sided
    /// slopes or lies between them. Not a failure.
    case kink
}

/// One input's line of a gradient-check report.
public struct GradientCheckEntry: Sendable {
    /// Position of the input in the argument list.
    public var index: Int
    /// The input's name (its label, or `x0`, `x1`, …).
    public var name: String
    /// The input's value.
    public var point: Double
    /// Gradient from reverse mode.
    public var analytic: Double
    /// Central-difference estimate.
    public var numeric: Double
    /// One-sided slope from the left, `(f(x) − f(x − ε))/ε`.
    public var leftSlope: Double
    /// One-sided slope from the right, `(f(x + ε) − f(x))/ε`.
    public var rightSlope: Double
    /// `|analytic − numeric|`.
    public var absoluteError: Double
    /// `|analytic − numeric| / max(|numeric|, tiny)`.
    public var relativeError: Double
    /// The verdict.
    public var status: GradientCheckStatus
    /// Why, in words, when not a plain pass.
    public var note: String
}

/// The result of ``checkGradients(at:labels:options:of:)``: one entry per input.
public struct GradientCheckReport: Sendable, CustomStringConvertible {
    /// One entry per input, in argument order.
    public var entries: [GradientCheckEntry]
    /// The options used.
    public var options: GradientCheckOptions

    /// True when no entry failed (kinks do not count as failures).
    public var passed: Bool { entries.allSatisfy { $0.status != .fail } }

    /// The entries that failed.
    public var failures: [GradientCheckEntry] { entries.filter { $0.status == .fail } }

    /// A fixed-width table: input, analytic, numeric, errors, verdict, note.
    public var description: String {
        let header = ["input", "value", "analytic", "numeric", "abs err", "rel err", "status"]
        var rows: [[String]] = [header]
        for e in entries {
            rows.append([e.name, format(e.point), format(e.analytic), format(e.numeric),
                         format(e.absoluteError), format(e.relativeError), e.status.rawValue.uppercased()])
        }
        var widths = Array(repeating: 0, count: header.count)
        for row in rows { for (i, cell) in row.enumerated() { widths[i] = Swift.max(widths[i], cell.count) } }
        var lines: [String] = []
        for (r, row) in rows.enumerated() {
            let cells = row.enumerated().map { i, cell in
                i == 0 ? cell.padding(toLength: widths[i], withPad: " ", startingAt: 0)
                    : String(repeating: " ", count: widths[i] - cell.count) + cell
            }
            lines.append(cells.joined(separator: "  "))
            if r == 0 { lines.append(widths.map { String(repeating: "─", count: $0) }.joined(separator: "  ")) }
        }
        for e in entries where !e.note.isEmpty { lines.append("\(e.name): \(e.note)") }
        let verdict = passed ? "PASSED" : "FAILED (\(failures.count) of \(entries.count) inputs)"
        lines.append("gradient check \(verdict)  [eps \(format(options.eps)), atol \(format(options.atol)), rtol \(format(options.rtol))]")
        return lines.joined(separator: "\n")
    }
}

/// Compares the reverse-mode gradient of `function` at `point` with central
/// differences, input by input. See ``GradientCheckOptions`` for the criterion.
///
/// ```swift
/// let report = checkGradients(at: [0.3, -1.2]) { x in (x[0] * x[1]).tanh() }
/// print(report)          // a table, one row per input
/// #expect(report.passed)
/// ```
///
/// - Parameters:
///   - point: The inputs' values; `function` receives one leaf `Value` per entry.
///   - labels: Optional names for the inputs (default `x0`, `x1`, …).
///   - options: Step and tolerances (PyTorch's defaults).
///   - function: A scalar function of the inputs. It is called once with recording
///     on, and then without recording for each difference.
public func checkGradients(
    at point: [Double],
    labels: [String]? = nil,
    options: GradientCheckOptions = GradientCheckOptions(),
    of function: ([Value]) -> Value
) -> GradientCheckReport {
    precondition(labels == nil || labels!.count == point.count,
                 "checkGradients: \(labels?.count ?? 0) labels for \(point.count) inputs")
    let names = labels ?? point.indices.map { "x\($0)" }
    let leaves = point.enumerated().map { Value($1, label: names[$0]) }
    let output = function(leaves)
    output.backward()
    let analytic = leaves.map(\.grad)

    func evaluate(_ x: [Double]) -> Double {
        withoutGradients { function(x.enumerated().map { Value($1, label: names[$0]) }).value }
    }
    let f0 = evaluate(point)
    let eps = options.eps
    var entries: [GradientCheckEntry] = []
    for i in point.indices {
        var plus = point, minus = point
        plus[i] += eps
        minus[i] -= eps
        let fPlus = evaluate(plus), fMinus = evaluate(minus)
        let numeric = (fPlus - fMinus) / (2 * eps)
        let left = (f0 - fMinus) / eps
        let right = (fPlus - f0) / eps
        let a = analytic[i]
        let absErr = Swift.abs(a - numeric)
        let relErr = absErr / Swift.max(Swift.abs(numeric), Double.leastNormalMagnitude)
        let tolerance = options.atol + options.rtol * Swift.abs(numeric)
        var status = GradientCheckStatus.pass
        var note = ""
        let slopeTolerance = options.atol + options.rtol * Swift.max(Swift.abs(left), Swift.abs(right))
        if a.isNaN || numeric.isNaN {
            status = .fail
            note = a.isNaN ? "analytic gradient is NaN" : "function is not finite near this point (numeric NaN)"
        } else if Swift.abs(left - right) > slopeTolerance {
            // A kink: the central difference averages two slopes, so judge the analytic
            // value against the interval they span instead.
            let lo = Swift.min(left, right) - slopeTolerance, hi = Swift.max(left, right) + slopeTolerance
            if a >= lo && a <= hi {
                status = .kink
                note = "kink: one-sided slopes \(format(left)) (left) and \(format(right)) (right) differ; "
                    + "the analytic value \(format(a)) lies between them"
            } else {
                status = .fail
                note = "kink: one-sided slopes \(format(left)) (left) and \(format(right)) (right) differ, "
                    + "and the analytic value \(format(a)) is outside them"
            }
        } else if !(absErr <= tolerance) {
            status = .fail
            note = "analytic \(format(a)) vs numeric \(format(numeric)): error \(format(absErr)) > tolerance \(format(tolerance))"
        }
        entries.append(GradientCheckEntry(
            index: i, name: names[i], point: point[i], analytic: a, numeric: numeric,
            leftSlope: left, rightSlope: right, absoluteError: absErr, relativeError: relErr,
            status: status, note: note))
    }
    return GradientCheckReport(entries: entries, options: options)
}

/// Compact number formatting for reports: 6 significant digits.
func format(_ x: Double) -> String {
    if x.isNaN { return "NaN" }
    if x.isInfinite { return x > 0 ? "+∞" : "−∞" }
    return String(format: "%.6g", x)
}
