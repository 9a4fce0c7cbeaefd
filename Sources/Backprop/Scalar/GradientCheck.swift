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
/// When the one-sided differences `(f(x) − f(x − h))/h` and `(f(x + h) − f(x))/h`
/// disagree at h = ε, the step is shrunk to ε/10 and ε/100. A steep smooth function's
/// slopes converge, and it is judged by the central difference at the first step where
/// they agree (or by Richardson extrapolation). A genuine kink's slopes stay apart
/// (relu at 0, |x| at 0, max on a tie): the central difference then averages two slopes
/// and proves nothing, so the input is reported as ``GradientCheckStatus/kink`` when the
/// analytic value lies between the slopes at ε (with tolerance), and fails otherwise:
///
/// ```
/// kink pass ⇔ min(left, right) − s ≤ analytic ≤ max(left, right) + s
/// s = atol + rtol·max(|left|, |right|)
/// ```
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
    /// They disagree where the function is smooth, or the analytic value lies outside
    /// the one-sided slopes of a kink, or nothing finite could be compared.
    case fail
    /// The function has a genuine kink here (its one-sided slopes stay apart as ε
    /// shrinks) and the analytic value lies between them. Not a failure.
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
    /// The numeric derivative the verdict used: the central difference at `step`
    /// (Richardson-extrapolated for a steep input; at ε for a kink).
    public var numeric: Double
    /// The step h of `numeric`: ε, or ε/10, ε/100 where the function is steep.
    public var step: Double
    /// One-sided slope from the left, `(f(x) − f(x − h))/h` (h = `step`).
    public var leftSlope: Double
    /// One-sided slope from the right, `(f(x + h) − f(x))/h` (h = `step`).
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
    var entries: [GradientCheckEntry] = []
    for i in point.indices {
        let a = analytic[i]
        let v = FiniteDifferenceVerdict.judge(
            analytic: a, center: f0, epsilon: options.eps, absoluteTolerance: options.atol,
            relativeTolerance: options.rtol,
            evaluate: { delta in
                var moved = point
                moved[i] += delta
                return (evaluate(moved), moved[i] - point[i])
            },
            describe: format)
        let absErr = Swift.abs(a - v.numeric)
        let relErr = absErr / Swift.max(Swift.abs(v.numeric), Double.leastNormalMagnitude)
        let status: GradientCheckStatus = !v.passed ? .fail : (v.kind == .kink ? .kink : .pass)
        entries.append(GradientCheckEntry(
            index: i, name: names[i], point: point[i], analytic: a, numeric: v.numeric, step: v.step,
            leftSlope: v.leftSlope, rightSlope: v.rightSlope, absoluteError: absErr, relativeError: relErr,
            status: status, note: v.note))
    }
    return GradientCheckReport(entries: entries, options: options)
}

/// Compact number formatting for reports: 6 significant digits.
func format(_ x: Double) -> String {
    if x.isNaN { return "NaN" }
    if x.isInfinite { return x > 0 ? "+∞" : "−∞" }
    return String(format: "%.6g", x)
}
