import Backprop
import Foundation

/// Names for the nodes of a scalar graph: a node's label when it has one, otherwise a
/// stable generated name (`v1`, `v2`, … in topological order from the output).
public struct NodeNames {
    private var names: [NodeID: String] = [:]

    /// Names every node that `output` depends on.
    public init(graphOf output: Value) {
        var counter = 0
        for node in output.topologicalOrder() {
            if let label = node.label {
                names[node.id] = label
            } else {
                counter += 1
                names[node.id] = "v\(counter)"
            }
        }
    }

    /// The name of `node` (its label, or its generated name; `?` for a node outside the graph).
    public subscript(_ node: Value) -> String { names[node.id] ?? node.label ?? "?" }
}

/// One factor of a chain-rule product: `∂upper/∂lower` and its value.
public struct ChainFactor {
    /// The node being differentiated.
    public var upper: Value
    /// The node it is differentiated with respect to.
    public var lower: Value
    /// The value of the partial derivative: the product of the local derivatives
    /// along the edges between `upper` and `lower` (one edge when nothing is hidden).
    public var value: Double
}

/// One path from an output back to a parameter: its factors and their product.
public struct ChainPath {
    /// Factors from the output down to the parameter.
    public var factors: [ChainFactor]
    /// The product of the factors: this path's contribution to the derivative.
    public var product: Double { factors.reduce(1) { $0 * $1.value } }
}

/// The chain rule for one output and one parameter: every path between them.
///
/// ```
/// ∂out/∂p = Σ over paths  Π over edges (u → v) on the path  ∂u/∂v
/// ```
///
/// Path counts grow exponentially with depth, so enumeration stops at `limit`
/// paths and says so (``isTruncated``); ``total`` is always the exact derivative.
/// Building an explanation does not change any node's gradient.
public struct ChainRuleExplanation {
    /// The output differentiated.
    public var output: Value
    /// The parameter differentiated with respect to.
    public var parameter: Value
    /// The enumerated paths (at most the limit).
    public var paths: [ChainPath]
    /// Whether more paths exist than were enumerated.
    public var isTruncated: Bool
    /// The exact derivative ∂output/∂parameter (from reverse mode).
    public var total: Double

    /// Enumerates the paths from `output` to `parameter`.
    ///
    /// - Parameters:
    ///   - shows: Which intermediate nodes appear as their own factor. Nodes not shown
    ///     are folded into the factor around them (by default every labelled node is
    ///     shown, so the result reads in the notes' notation).
    ///   - limit: The most paths to enumerate (default 64).
    public init(of output: Value, withRespectTo parameter: Value,
                shows: (Value) -> Bool = { $0.label != nil }, limit: Int = 64) {
        self.output = output
        self.parameter = parameter
        // The exact total, by a reverse sweep that leaves the graph's gradients untouched.
        total = adjoints(of: output)[parameter.id] ?? 0
        // Nodes that can reach the parameter (so dead-end branches are not explored).
        var reaches: Set<NodeID> = [parameter.id]
        for node in output.topologicalOrder() where node.inputs.contains(where: { reaches.contains($0.id) }) {
            reaches.insert(node.id)
        }
        // Depth-first enumeration with an explicit stack of partial paths.
        struct Partial { var node: Value; var edges: [(Value, Value, Double)] }
        var found: [[(Value, Value, Double)]] = []
        var truncated = false
        var stack = [Partial(node: output, edges: [])]
        while let partial = stack.popLast() {
            if partial.node.id == parameter.id {
                if found.count == limit { truncated = true; break }
                found.append(partial.edges)
                continue
            }
            let inputs = partial.node.inputs, locals = partial.node.localDerivatives
            for (input, local) in zip(inputs, locals).reversed() where reaches.contains(input.id) {
                stack.append(Partial(node: input, edges: partial.edges + [(partial.node, input, local)]))
            }
        }
        isTruncated = truncated
        // Fold edges through hidden nodes into one factor.
        paths = found.map { edges in
            var factors: [ChainFactor] = []
            var current: ChainFactor?
            for (upper, lower, local) in edges {
                if current == nil { current = ChainFactor(upper: upper, lower: lower, value: local) } else {
                    current!.lower = lower
                    current!.value *= local
                }
                if lower.id == parameter.id || shows(lower) {
                    factors.append(current!)
                    current = nil
                }
            }
            return ChainPath(factors: factors)
        }
    }

    /// The explanation in the notes' style, one line per path, then their sum:
    /// `∂E_total/∂w5 = ∂E_total/∂out_o1 · ∂out_o1/∂net_o1 · ∂net_o1/∂w5 = 0.68492 · 0.19480 · 0.60108 = 0.08020`.
    public func rendered(_ format: ExplanationFormat = .text, names: NodeNames? = nil, decimals: Int = 5) -> String {
        let names = names ?? NodeNames(graphOf: output)
        let style = format.style
        let lhs = style.partial(names[output], names[parameter])
        var lines: [String] = []
        for path in paths {
            let symbols = path.factors.map { style.partial(names[$0.upper], names[$0.lower]) }
            let numbers = path.factors.map { fixed($0.value, decimals) }
            var line = "\(lhs) = " + symbols.joined(separator: style.times)
            if path.factors.count > 1 { line += " = " + numbers.joined(separator: style.times) }
            line += " = " + fixed(path.product, decimals)
            lines.append(style.line(line))
        }
        if paths.count > 1 {
            let sum = paths.map { fixed($0.product, decimals) }.joined(separator: " + ")
            lines.append(style.line("\(lhs) = " + sum + " = " + fixed(total, decimals)))
        }
        if paths.isEmpty { lines.append(style.line("\(lhs) = 0   (no path: the output does not depend on it)")) }
        if isTruncated {
            lines.append("(only the first \(paths.count) paths are listed; the number of paths grows exponentially with depth. The total, \(fixed(total, decimals)), is exact.)")
        }
        return lines.joined(separator: "\n")
    }
}

/// ∂output/∂node for every node `output` depends on, computed from the local
/// derivatives stored on the graph without touching any node's `grad`:
///
/// ```
/// adj(output) = 1;  adj(n) = Σ over consumers c:  adj(c) · ∂c/∂n   (reverse topological order)
/// ```
public func adjoints(of output: Value) -> [NodeID: Double] {
    var adjoint: [NodeID: Double] = [output.id: 1]
    for node in output.topologicalOrder().reversed() {
        guard let g = adjoint[node.id] else { continue }
        for (input, local) in zip(node.inputs, node.localDerivatives) {
            adjoint[input.id, default: 0] += g * local
        }
    }
    return adjoint
}

/// Output formats of explanations.
public enum ExplanationFormat: String, CaseIterable, Sendable {
    /// Plain Unicode text.
    case text
    /// Markdown (math in `$…$`).
    case markdown
    /// LaTeX (an `align*`-ready line per equation).
    case latex

    struct Style {
        let partial: (String, String) -> String
        let times: String
        let line: (String) -> String
    }

    var style: Style {
        switch self {
        case .text:
            return Style(partial: { "∂\($0)/∂\($1)" }, times: " · ", line: { $0 })
        case .markdown:
            return Style(partial: { "\\frac{\\partial \(tex($0))}{\\partial \(tex($1))}" }, times: " \\cdot ",
                         line: { "$$" + $0 + "$$" })
        case .latex:
            return Style(partial: { "\\frac{\\partial \(tex($0))}{\\partial \(tex($1))}" }, times: " \\cdot ",
                         line: { $0 + " \\\\" })
        }
    }
}

/// A name as a TeX symbol: `out_o1` → `out_{o1}`, `E_total` → `E_{total}`.
func tex(_ name: String) -> String {
    guard let underscore = name.firstIndex(of: "_") else { return name }
    let base = name[..<underscore], subscriptPart = name[name.index(after: underscore)...]
    return "\(base)_{\(subscriptPart.replacingOccurrences(of: "_", with: "\\_"))}"
}

/// `x` with a fixed number of decimals.
func fixed(_ x: Double, _ decimals: Int) -> String { String(format: "%.\(decimals)f", x) }
