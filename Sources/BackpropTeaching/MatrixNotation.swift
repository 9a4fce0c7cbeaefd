/// Matrices and vectors of numbers written for a walkthrough: `[0.25 0.30; 0.15 0.20]`
/// in text, `\begin{pmatrix}…\end{pmatrix}` in Markdown and LaTeX.
struct MatrixNotation {
    let format: ExplanationFormat
    let decimals: Int

    /// A matrix given by its rows.
    func matrix(_ rows: [[Double]]) -> String {
        switch format {
        case .text:
            return "[" + rows.map { $0.map { fixed($0, decimals) }.joined(separator: " ") }.joined(separator: "; ") + "]"
        case .markdown, .latex:
            return "\\begin{pmatrix} " + rows.map { $0.map { fixed($0, decimals) }.joined(separator: " & ") }.joined(separator: " \\\\ ")
                + " \\end{pmatrix}"
        }
    }

    /// A column vector.
    func column(_ v: [Double]) -> String { matrix(v.map { [$0] }) }

    /// A row vector.
    func row(_ v: [Double]) -> String { matrix([v]) }

    /// A displayed equation.
    func equation(_ s: String) -> String {
        switch format {
        case .text: return "  " + s
        case .markdown: return "$$" + mathSymbols(s) + "$$"
        case .latex: return "\\[" + mathSymbols(s) + "\\]"
        }
    }

    /// Unicode symbols of the text format as TeX math.
    func mathSymbols(_ s: String) -> String {
        let table: [(String, String)] = [
            ("σ′", "\\sigma'"), ("σ", "\\sigma"), ("δ", "\\delta"), ("−", "-"), ("‖", "\\|"), ("²", "^2"),
            ("ᵀ", "^T"), ("½", "\\tfrac{1}{2}"), ("∂", "\\partial "), ("(and ", "\\quad(\\text{and }"),
        ]
        return table.reduce(s) { $0.replacingOccurrences(of: $1.0, with: $1.1) }
    }

    /// A symbol: plain in text, TeX otherwise (`W(1)` → `\mathbf{W}^{(1)}`).
    func symbol(_ text: String, _ tex: String) -> String { format == .text ? text : tex }

    /// Multiplication and Hadamard product signs.
    var times: String { format == .text ? "·" : " \\cdot " }
    var hadamard: String { format == .text ? " ⊙ " : " \\odot " }
}
