import Foundation

/// How a number printed in a lecture document relates to the value we compute.
public enum AuditVerdict: String, Sendable, Codable {
    /// Our value rounded to the printed precision equals the printed number
    /// (for a formula or claim: it is correct).
    case match = "MATCH"
    /// It differs only by rounding: the document truncated instead of rounding,
    /// worked from its own rounded intermediates, or is one unit off in the last digit.
    case rounding = "ROUNDING"
    /// Anything else.
    case wrong = "WRONG"
}

/// What an audit entry judges: a printed number, a formula, or a claim in words.
public enum AuditKind: String, Sendable, Codable {
    /// A number printed in the document.
    case number
    /// A formula, judged by evaluating it and comparing with the engine.
    case formula
    /// A statement in words, judged by a computation that tests it.
    case claim
}

/// One audited item: what the document prints, what we compute, and the verdict.
public struct AuditEntry: Sendable {
    /// The quantity in the document's notation ("output_o1", "∂E_total/∂w5").
    public var quantity: String
    /// The number or formula exactly as the document writes it ("0.73492").
    public var printed: String
    /// Our value at full precision (for a formula: the engine's value of what the
    /// formula should compute; for a claim: the number that decides it).
    public var computed: Double
    /// The verdict.
    public var verdict: AuditVerdict
    /// Why, in words.
    public var note: String
    /// Number, formula or claim.
    public var kind: AuditKind = .number
    /// For a formula: the value the formula gives as printed.
    public var documentValue: Double?
    /// The name of the same item in the independent audit (`Tests/Fixtures/seed-audit.json`),
    /// when it differs from ``quantity``.
    public var reference: String?

    /// Audits the printed number `printed` against `computed`.
    ///
    /// `printed` may use a Unicode minus and a power of ten (`"2.5·10^-3"`); its
    /// precision is the unit of its last digit.
    ///
    /// - Parameters:
    ///   - fromPrintedInputs: The value the document's own arithmetic gives when it
    ///     uses its printed (rounded) intermediates, if it differs from ours.
    ///   - cause: The likely cause to report if the verdict is WRONG.
    ///   - documentMethod: What the document did and what that gives, for the note.
    public init(_ quantity: String, printed: String, computed: Double,
                fromPrintedInputs: Double? = nil, cause: String? = nil,
                documentMethod: (String, Double)? = nil) {
        self.quantity = quantity
        self.printed = printed
        self.computed = computed
        let parsed = PrintedNumber(printed)
        let decimals = parsed.decimals
        let printedValue = parsed.value
        let rounded = fixed(computed, decimals)
        let unit = Foundation.pow(10, -Double(decimals))
        let truncated = fixed((computed / unit).rounded(.towardZero) * unit, decimals)
        let method = documentMethod.map { " Document's method (\($0.0)) gives \(String(format: "%.8g", $0.1))." } ?? ""
        if Double(rounded) == printedValue {
            verdict = .match
            note = ""
        } else if Double(truncated) == printedValue {
            verdict = .rounding
            note = "truncated: \(fixed(computed, decimals + 3))… rounds to \(rounded)"
        } else if let own = fromPrintedInputs, Double(fixed(own, decimals)) == printedValue {
            verdict = .rounding
            note = "follows from the document's rounded intermediates (\(fixed(own, decimals + 3))…); exact value rounds to \(rounded)"
        } else if parsed.significantDigits >= 3, Swift.abs(computed - printedValue) <= unit * 1.0000001 {
            verdict = .rounding
            note = "one unit in the last digit: exact value rounds to \(rounded)"
        } else {
            verdict = .wrong
            note = "correct value \(rounded) (\(String(format: "%.6g", computed)))" + (cause.map { ": \($0)." } ?? ".") + method
        }
    }

    /// Audits a formula by evaluating it as printed and comparing with the engine.
    ///
    /// ```
    /// MATCH  if |documentValue − computed| ≤ tolerance · max(1, |computed|)
    /// WRONG  otherwise
    /// ```
    ///
    /// - Parameters:
    ///   - documentValue: The formula as printed, evaluated on a concrete network.
    ///   - computed: The engine's value of the quantity the formula is meant to give.
    ///   - evidence: What was evaluated, for the note.
    ///   - cause: The likely cause to report if the verdict is WRONG.
    public init(formula quantity: String, printed: String, documentValue: Double, computed: Double,
                tolerance: Double = 1e-9, evidence: String, cause: String? = nil) {
        self.quantity = quantity
        self.printed = printed
        self.computed = computed
        self.documentValue = documentValue
        kind = .formula
        let agrees = Swift.abs(documentValue - computed) <= tolerance * Swift.max(1, Swift.abs(computed))
        verdict = agrees ? .match : .wrong
        let values = "as printed \(String(format: "%.10g", documentValue)), engine \(String(format: "%.10g", computed))"
        note = "\(evidence): \(values)" + (agrees ? "" : (cause.map { ". \($0)" } ?? ""))
    }

    /// Audits a formula by the largest difference between it, evaluated as printed on
    /// every unit or weight of a network, and the engine: MATCH if it is at most
    /// `tolerance` (rounding error), WRONG otherwise.
    public init(formula quantity: String, printed: String, largestDifference: Double,
                tolerance: Double = 1e-9, evidence: String, cause: String? = nil) {
        self.quantity = quantity
        self.printed = printed
        computed = largestDifference
        kind = .formula
        let agrees = largestDifference <= tolerance
        verdict = agrees ? .match : .wrong
        note = "\(evidence): \(String(format: "%.2g", largestDifference))" + (agrees ? " (rounding error)" : (cause.map { ". \($0)" } ?? ""))
    }

    /// Audits a claim in words by a computation that tests it.
    ///
    /// - Parameters:
    ///   - holds: Whether the computation confirms the claim.
    ///   - computed: The number the decision rests on.
    ///   - note: The computation and its outcome.
    public init(claim quantity: String, printed: String, holds: Bool, computed: Double, note: String) {
        self.quantity = quantity
        self.printed = printed
        self.computed = computed
        kind = .claim
        verdict = holds ? .match : .wrong
        self.note = note
    }

    /// The same entry, cross-referenced to the independent audit's name for it.
    public func referencing(_ name: String) -> AuditEntry {
        var copy = self
        copy.reference = name
        return copy
    }
}

/// A number as printed: its value, the number of decimals of its last digit and
/// its significant digits. Understands `−`, and `m·10^e` for a power of ten.
struct PrintedNumber {
    var value: Double
    var decimals: Int
    var significantDigits: Int

    init(_ text: String) {
        let plain = text.replacingOccurrences(of: "−", with: "-").replacingOccurrences(of: " ", with: "")
        var mantissa = plain, exponent = 0
        if let range = plain.range(of: "·10^") ?? plain.range(of: "*10^") ?? plain.range(of: "e") {
            mantissa = String(plain[..<range.lowerBound])
            exponent = Int(plain[range.upperBound...].replacingOccurrences(of: "+", with: "")) ?? 0
        }
        let mantissaDecimals = mantissa.split(separator: ".", omittingEmptySubsequences: false).dropFirst().first?.count ?? 0
        decimals = mantissaDecimals - exponent
        value = (Double(mantissa) ?? .nan) * Foundation.pow(10, Double(exponent))
        significantDigits = mantissa.filter(\.isNumber).drop { $0 == "0" }.count
    }
}

/// Renders audit entries as a table in the given format.
public func renderAudit(_ entries: [AuditEntry], format: ExplanationFormat = .text) -> String {
    let header = ["quantity", "printed", "computed", "verdict", "note"]
    let rows = entries.map { e -> [String] in
        let printed = e.kind == .number || format != .text ? e.printed : abbreviated(e.printed)
        return [e.quantity, printed, String(format: "%.10g", e.computed), e.verdict.rawValue, e.note]
    }
    let counts = Dictionary(grouping: entries, by: \.verdict).mapValues(\.count)
    let numbers = entries.filter { $0.kind == .number }.count
    let summary = (numbers == entries.count ? "\(numbers) numbers: "
                   : "\(entries.count) items (\(numbers) numbers, \(entries.count - numbers) formulas and claims): ")
        + "\(counts[.match] ?? 0) MATCH, \(counts[.rounding] ?? 0) ROUNDING, \(counts[.wrong] ?? 0) WRONG"
    switch format {
    case .markdown:
        var lines = ["| " + header.joined(separator: " | ") + " |", "|" + String(repeating: "---|", count: header.count)]
        lines += rows.map { row in
            "| " + row.enumerated().map { i, cell in
                let escaped = cell.replacingOccurrences(of: "|", with: "\\|")
                return i == 1 && !cell.isEmpty ? "`\(escaped)`" : escaped
            }.joined(separator: " | ") + " |"
        }
        lines.append("\n\(summary)")
        return lines.joined(separator: "\n")
    case .latex:
        var lines = ["\\begin{tabular}{lrrll}", header.joined(separator: " & ") + " \\\\ \\hline"]
        lines += rows.map { row in
            row.enumerated().map { i, cell in
                i == 1 ? "\\texttt{\(latexEscaped(cell))}" : latexEscaped(cell)
            }.joined(separator: " & ") + " \\\\"
        }
        lines.append("\\end{tabular}")
        lines.append("")
        lines.append(latexEscaped(summary))
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
        lines.append(summary)
        return lines.joined(separator: "\n")
    }
}

/// A long formula shortened for a table cell (the full text is in JSON).
func abbreviated(_ text: String, limit: Int = 60) -> String {
    text.count <= limit ? text : String(text.prefix(limit - 1)) + "…"
}

/// Text with LaTeX's special characters escaped and every non-ASCII character written as
/// a LaTeX command (``latexCharacters``), so the output compiles with plain `pdflatex`
/// and needs no Unicode font; a character missing from the table becomes `?` (a test
/// renders every walkthrough and checks that none is missing).
func latexEscaped(_ text: String) -> String {
    var out = ""
    for c in text {
        switch c {
        case "_", "%", "&", "#", "$", "{", "}": out += "\\\(c)"
        case "\\": out += "\\textbackslash{}"
        case "^": out += "\\^{}"
        case "~": out += "\\~{}"
        default:
            if c.isASCII { out.append(c) } else { out += latexCharacters[c] ?? "?" }
        }
    }
    return out
}

/// The non-ASCII characters the explanations use, as LaTeX that compiles in text mode
/// with the preamble of ``latexDocument(_:)`` (amsmath, amssymb, alltt).
let latexCharacters: [Character: String] = [
    "∂": "\\ensuremath{\\partial}", "·": "\\ensuremath{\\cdot}", "−": "\\ensuremath{-}", "…": "\\ldots{}",
    "δ": "\\ensuremath{\\delta}", "η": "\\ensuremath{\\eta}", "σ": "\\ensuremath{\\sigma}", "Σ": "\\ensuremath{\\Sigma}",
    "ε": "\\ensuremath{\\varepsilon}", "α": "\\ensuremath{\\alpha}", "β": "\\ensuremath{\\beta}", "θ": "\\ensuremath{\\theta}",
    "λ": "\\ensuremath{\\lambda}", "μ": "\\ensuremath{\\mu}", "π": "\\ensuremath{\\pi}", "Δ": "\\ensuremath{\\Delta}",
    "∇": "\\ensuremath{\\nabla}", "½": "\\ensuremath{\\tfrac{1}{2}}", "²": "\\ensuremath{^{2}}", "³": "\\ensuremath{^{3}}",
    "¹": "\\ensuremath{^{1}}", "⁰": "\\ensuremath{^{0}}", "⁻": "\\ensuremath{^{-}}", "ᵀ": "\\ensuremath{^{\\mathsf{T}}}",
    "′": "\\ensuremath{'}", "″": "\\ensuremath{''}", "—": "---", "–": "--", "─": "-", "═": "=", "│": "|",
    "×": "\\ensuremath{\\times}", "÷": "\\ensuremath{\\div}", "±": "\\ensuremath{\\pm}", "≈": "\\ensuremath{\\approx}",
    "≠": "\\ensuremath{\\neq}", "≤": "\\ensuremath{\\le}", "≥": "\\ensuremath{\\ge}", "→": "\\ensuremath{\\to}",
    "←": "\\ensuremath{\\leftarrow}", "⇒": "\\ensuremath{\\Rightarrow}", "↦": "\\ensuremath{\\mapsto}",
    "∞": "\\ensuremath{\\infty}", "√": "\\ensuremath{\\surd}", "∑": "\\ensuremath{\\sum}", "∏": "\\ensuremath{\\prod}",
    "⊙": "\\ensuremath{\\odot}", "∘": "\\ensuremath{\\circ}", "∈": "\\ensuremath{\\in}", "✓": "\\ensuremath{\\checkmark}",
    "✗": "\\ensuremath{\\times}", "“": "``", "”": "''", "‘": "`", "’": "'", "°": "\\ensuremath{^{\\circ}}",
    "₀": "\\ensuremath{_{0}}", "₁": "\\ensuremath{_{1}}", "₂": "\\ensuremath{_{2}}", "₃": "\\ensuremath{_{3}}",
    "ᵢ": "\\ensuremath{_{i}}", "ⱼ": "\\ensuremath{_{j}}", "ₖ": "\\ensuremath{_{k}}", "ŷ": "\\ensuremath{\\hat{y}}",
    "ô": "\\^{o}", "é": "\\'{e}", "ü": "\\\"{u}",
    "γ": "\\ensuremath{\\gamma}", "γ̃": "\\ensuremath{\\tilde{\\gamma}}", "d̂": "\\ensuremath{\\hat{d}}",
    "ỹ": "\\ensuremath{\\tilde{y}}", "ᵗ": "\\ensuremath{^{t}}", "⁺": "\\ensuremath{^{+}}", "⁽": "\\ensuremath{^{(}}",
    "⁾": "\\ensuremath{^{)}}", "‖": "\\ensuremath{\\|}", "ℒ": "\\ensuremath{\\mathcal{L}}", "∧": "\\ensuremath{\\wedge}",
    "¬": "\\ensuremath{\\neg}", "∨": "\\ensuremath{\\vee}", "⊕": "\\ensuremath{\\oplus}",
]

/// A complete LaTeX document around `body`: compiles with `pdflatex` (or `lualatex`,
/// `xelatex`), needing only amsmath, amssymb and alltt (all in every LaTeX distribution).
func latexDocument(_ body: String) -> String {
    """
    % Written by backprop. Compile with: pdflatex FILE.tex   (needs amsmath, amssymb, alltt; the
    % text is ASCII, every symbol a LaTeX command, so no Unicode font is needed)
    \\documentclass[11pt]{article}
    \\usepackage{amsmath,amssymb,alltt}
    \\usepackage[margin=2cm]{geometry}
    \\setlength{\\parindent}{0pt}
    \\begin{document}
    \(body)
    \\end{document}

    """
}
