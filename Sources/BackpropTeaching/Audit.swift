import Foundation

/// How a number printed in a lecture document relates to the value we compute.
public enum AuditVerdict: String, Sendable, Codable {
    /// Our value rounded to the printed precision equals the printed number.
    case match = "MATCH"
    /// It differs only by rounding: the document truncated instead of rounding,
    /// worked from its own rounded intermediates, or is one unit off in the last digit.
    case rounding = "ROUNDING"
    /// Anything else.
    case wrong = "WRONG"
}

/// One audited number: what the document prints, what we compute, and the verdict.
public struct AuditEntry: Sendable {
    /// The quantity in the document's notation ("output_o1", "∂E_total/∂w5").
    public var quantity: String
    /// The number exactly as the document writes it ("0.73492").
    public var printed: String
    /// Our value at full precision.
    public var computed: Double
    /// The verdict.
    public var verdict: AuditVerdict
    /// Why, in words.
    public var note: String

    /// Audits `printed` against `computed`.
    ///
    /// - Parameters:
    ///   - fromPrintedInputs: The value the document's own arithmetic gives when it
    ///     uses its printed (rounded) intermediates, if it differs from ours.
    ///   - cause: The likely cause to report if the verdict is WRONG.
    public init(_ quantity: String, printed: String, computed: Double,
                fromPrintedInputs: Double? = nil, cause: String? = nil) {
        self.quantity = quantity
        self.printed = printed
        self.computed = computed
        let decimals = printed.split(separator: ".").dropFirst().first?.count ?? 0
        let printedValue = Double(printed.replacingOccurrences(of: "−", with: "-")) ?? .nan
        let rounded = fixed(computed, decimals)
        let unit = Foundation.pow(10, -Double(decimals))
        let truncated = fixed((computed / unit).rounded(.towardZero) * unit, decimals)
        if Double(rounded) == printedValue {
            verdict = .match
            note = ""
        } else if Double(truncated) == printedValue {
            verdict = .rounding
            note = "truncated: \(fixed(computed, decimals + 3))… rounds to \(rounded)"
        } else if let own = fromPrintedInputs, Double(fixed(own, decimals)) == printedValue {
            verdict = .rounding
            note = "follows from the document's rounded intermediates (\(fixed(own, decimals + 3))…); exact value rounds to \(rounded)"
        } else if Swift.abs(computed - printedValue) <= unit * 1.0000001 {
            verdict = .rounding
            note = "one unit in the last digit: exact value rounds to \(rounded)"
        } else {
            verdict = .wrong
            note = "correct value \(rounded)" + (cause.map { ": \($0)" } ?? "")
        }
    }
}

/// Renders audit entries as a table in the given format.
public func renderAudit(_ entries: [AuditEntry], format: ExplanationFormat = .text) -> String {
    let header = ["quantity", "printed", "computed", "verdict", "note"]
    let rows = entries.map { [$0.quantity, $0.printed, String(format: "%.10g", $0.computed), $0.verdict.rawValue, $0.note] }
    switch format {
    case .markdown:
        var lines = ["| " + header.joined(separator: " | ") + " |", "|" + String(repeating: "---|", count: header.count)]
        lines += rows.map { "| " + $0.joined(separator: " | ") + " |" }
        return lines.joined(separator: "\n")
    case .latex:
        var lines = ["\\begin{tabular}{lrrll}", header.joined(separator: " & ") + " \\\\ \\hline"]
        lines += rows.map { $0.map { $0.replacingOccurrences(of: "_", with: "\\_") }.joined(separator: " & ") + " \\\\" }
        lines.append("\\end{tabular}")
        return lines.joined(separator: "\n")
    case .text:
        var widths = header.map(\.count)
        for row in rows { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { i, c in
                i == cells.count - 1 ? c : c + String(repeating: " ", count: widths[i] - c.count)
            }.joined(separator: "  ")
        }
        var lines = [line(header), line(widths.dropLast().map { String(repeating: "─", count: $0) } + ["────"])]
        lines += rows.map(line)
        let counts = Dictionary(grouping: entries, by: \.verdict).mapValues(\.count)
        lines.append("\(entries.count) numbers: \(counts[.match] ?? 0) MATCH, \(counts[.rounding] ?? 0) ROUNDING, \(counts[.wrong] ?? 0) WRONG")
        return lines.joined(separator: "\n")
    }
}
