import Backprop

/// A worked example from the lecture notes, recomputed by the engine: its sections
/// of explanation, its numbers in structured form, and an audit of every number and
/// formula the document prints.
public struct Walkthrough {
    /// Short identifier ("sigmoid-222-lr06").
    public var id: String
    /// Title line.
    public var title: String
    /// The lecture it comes from, by title and section (the notes themselves are not part
    /// of the repository; the numbers audited are in Tests/Fixtures/seed-audit.json).
    public var source: String
    /// Explanation sections in order: a heading and its body.
    public var sections: [(heading: String, body: String)]
    /// The document's printed numbers and formulas against ours.
    public var audit: [AuditEntry]
    /// The example's parameters (inputs, targets, weights, learning rate, …), in order.
    public var parameters: [(String, JSONValue)]
    /// Forward-pass values by name.
    public var forward: [(String, Double)]
    /// The loss before the update.
    public var loss: Double
    /// ∂loss/∂parameter by name.
    public var gradients: [(String, Double)]
    /// Parameters after the update, by name.
    public var updated: [(String, Double)]
    /// The loss graph, for export (``dot(_:)``), if the walkthrough has one.
    public var graph: Value?

    /// Creates a walkthrough.
    public init(id: String, title: String, source: String,
                sections: [(heading: String, body: String)], audit: [AuditEntry],
                parameters: [(String, JSONValue)] = [], forward: [(String, Double)] = [],
                loss: Double = .nan, gradients: [(String, Double)] = [], updated: [(String, Double)] = [],
                graph: Value? = nil) {
        self.id = id
        self.title = title
        self.source = source
        self.sections = sections
        self.audit = audit
        self.parameters = parameters
        self.forward = forward
        self.loss = loss
        self.gradients = gradients
        self.updated = updated
        self.graph = graph
    }

    /// The whole walkthrough as one document.
    public func rendered(_ format: ExplanationFormat = .text) -> String {
        var out: [String] = []
        switch format {
        case .text:
            out.append(title)
            out.append(String(repeating: "═", count: min(title.count, 78)))
            out.append("Source: \(source)")
            for (i, s) in sections.enumerated() {
                out.append("")
                out.append("\(i + 1). \(s.heading)")
                out.append(s.body)
            }
            out.append("")
            out.append("\(sections.count + 1). Audit: the document's printed numbers and formulas against ours")
        case .markdown:
            out.append("# \(title)")
            out.append("Source: \(source)")
            for s in sections { out.append("\n## \(s.heading)\n\n\(markdownBody(s.body))") }
            out.append("\n## Audit: the document's printed numbers and formulas against ours\n")
        case .latex:
            out.append("\\section*{\(latexEscaped(title))}")
            out.append("Source: \\texttt{\(latexEscaped(source))}")
            for s in sections { out.append("\\subsection*{\(latexEscaped(s.heading))}\n\(latexBody(s.body))") }
            out.append("\\subsection*{Audit}")
        }
        out.append(renderAudit(audit, format: format))
        let text = out.joined(separator: "\n")
        return format == .latex ? latexDocument(text) : text
    }
}

/// A section body as Markdown: blank lines where prose, indented code, display math
/// and fenced blocks meet (an indented line cannot interrupt a paragraph), and hard
/// line breaks between consecutive prose lines.
func markdownBody(_ body: String) -> String {
    enum Kind { case prose, code, math, fence }
    var out: [String] = []
    var previous: Kind?
    var inFence = false
    for line in body.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
        if inFence {
            out.append(line)
            if line.hasPrefix("```") { inFence = false }
            continue
        }
        let kind: Kind = line.hasPrefix("```") ? .fence : line.hasPrefix("    ") ? .code : line.hasPrefix("$$") ? .math : .prose
        if let p = previous, p != kind || kind == .fence { out.append("") }
        if kind == .prose, previous == .prose, let last = out.indices.last { out[last] += "  " }
        if kind == .fence { inFence = true }
        out.append(line)
        previous = kind == .fence ? .prose : kind
    }
    return out.joined(separator: "\n")
}

/// A section body as LaTeX: prose lines escaped and ended as paragraphs; display
/// math, `align*` and `alltt` blocks and `\texttt` equation lines kept as they are.
func latexBody(_ body: String) -> String {
    var out: [String] = []
    var environment: String?
    for line in body.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
        if let env = environment {
            out.append(line)
            if line.hasPrefix("\\end{\(env)}") { environment = nil }
            continue
        }
        if line.hasPrefix("\\begin{") {
            environment = String(line.dropFirst(7).prefix { $0 != "}" })
            out.append(line)
        } else if line.hasPrefix("\\[") || line.hasPrefix("\\texttt{") {
            out.append(line)
        } else if line.isEmpty {
            out.append("")
        } else if line.hasSuffix(" \\\\") {
            out.append(latexEscaped(String(line.dropLast(3))) + " \\\\")   // a line break, kept
        } else {
            out.append(latexEscaped(line) + "\n")
        }
    }
    return out.joined(separator: "\n")
}

extension Walkthrough {
    /// One entry of the catalogue: an id, a one-line description and how to build it.
    public struct CatalogEntry: Sendable {
        /// The walkthrough's id.
        public let id: String
        /// One line for `backprop walkthrough`.
        public let summary: String
        /// Builds the walkthrough, its explanations in the given format.
        public let make: @Sendable (ExplanationFormat) -> Walkthrough
    }

    /// Every walkthrough, in the order of the lecture notes.
    public static let catalog: [CatalogEntry] = [
        CatalogEntry(id: "regression-2d", summary: "000: a linear neuron fitted by gradient descent; α, tolerance stop, restarts; the δ sign error",
                     make: { regression2D(format: $0) }),
        CatalogEntry(id: "sigmoid-222", summary: "001: the 2-2-2 sigmoid network (inputs 0.05, 0.10), one step with η = 0.5 (assumed)",
                     make: { sigmoid222(format: $0) }),
        CatalogEntry(id: "sigmoid-222-matrix", summary: "002: the matrix-form exercise, parts b) to d), in matrix notation",
                     make: { sigmoid222Matrix(format: $0) }),
        CatalogEntry(id: "sigmoid-222-lr06", summary: "003: the 2-2-2 sigmoid network of lecture 8, one step with η = 0.6",
                     make: { sigmoid222LR06(format: $0) }),
        CatalogEntry(id: "xor-threshold", summary: "002: XOR from hand-set threshold units (OR, AND)",
                     make: { xorThreshold(format: $0) }),
        CatalogEntry(id: "xor-train", summary: "001: a 2-2-1 sigmoid MLP trained on XOR to 100 % accuracy (seeded)",
                     make: { xorTrain(format: $0) }),
        CatalogEntry(id: "tanh-linear", summary: "002: tanh hidden layer, linear outputs, ½ sum of squares",
                     make: { tanhLinear(format: $0) }),
        CatalogEntry(id: "delta-rule-sgd", summary: "004: per-sample SGD with the delta rule; hidden δ with updated v^{t+1} vs the true gradient",
                     make: { deltaRuleSGD(format: $0) }),
    ]

    /// The walkthrough with the given id, or nil.
    public static func named(_ id: String, format: ExplanationFormat = .text) -> Walkthrough? {
        catalog.first { $0.id == id }?.make(format)
    }
}
