import Backprop

/// A worked example from the lecture notes, recomputed by the engine: its sections
/// of explanation and an audit of every number the document prints.
public struct Walkthrough {
    /// Short identifier ("sigmoid-222-lr06").
    public var id: String
    /// Title line.
    public var title: String
    /// The source document in `shared/seeds/`.
    public var source: String
    /// Explanation sections in order: a heading and its body.
    public var sections: [(heading: String, body: String)]
    /// The document's printed numbers against ours.
    public var audit: [AuditEntry]

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
            out.append("\(sections.count + 1). Audit: the document's printed numbers against ours")
        case .markdown:
            out.append("# \(title)")
            out.append("Source: `\(source)`")
            for s in sections { out.append("\n## \(s.heading)\n\n\(s.body)") }
            out.append("\n## Audit: the document's printed numbers against ours\n")
        case .latex:
            out.append("\\section*{\(title)}")
            out.append("Source: \\texttt{\(source.replacingOccurrences(of: "_", with: "\\_"))}")
            for s in sections { out.append("\\subsection*{\(s.heading)}\n\(s.body)") }
            out.append("\\subsection*{Audit}")
        }
        out.append(renderAudit(audit, format: format))
        return out.joined(separator: "\n")
    }
}
