import Backprop
import Foundation

/// A scalar graph in Graphviz DOT: one record per node (name, op, value, ∂output/∂node)
/// and one edge per input, labelled with the local derivative the op stored.
///
/// ```
/// v12 [label="{a[1]_1 | σ | value 0.59327 | grad 0.00877}"]
/// v11 -> v12 [label="0.24135"]
/// ```
///
/// Gradients are the adjoints of `output` (computed here, so no backward pass is
/// needed and no node's `grad` is changed). Render with `dot -Tsvg graph.dot > graph.svg`.
public func dot(_ output: Value, title: String = "graph", decimals: Int = 5) -> String {
    let order = output.topologicalOrder()
    let names = NodeNames(graphOf: output)
    let adj = adjoints(of: output)
    var ids: [NodeID: Int] = [:]
    for (k, node) in order.enumerated() { ids[node.id] = k }
    func escape(_ s: String) -> String {
        var out = ""
        for c in s {
            if "{}|<>\"\\".contains(c) { out += "\\" }
            out.append(c)
        }
        return out
    }
    var lines = ["digraph \"\(escape(title))\" {", "  rankdir=LR;", "  node [shape=record, fontname=\"Helvetica\", fontsize=10];"]
    for (k, node) in order.enumerated() {
        var op = node.opSymbol
        if let c = node.constantOperand {
            op = c.isFirst ? "\(c.value) \(op) ·" : "· \(op) \(c.value)"
        } else if let arg = node.opArgument {
            op += " (\(arg))"
        }
        let fill = node.isLeaf ? ", style=filled, fillcolor=\"#e8f0fe\"" : (node.id == output.id ? ", style=filled, fillcolor=\"#fde8e8\"" : "")
        let record = "{\(escape(names[node])) | \(escape(op)) | value \(fixed(node.value, decimals)) | grad \(fixed(adj[node.id] ?? 0, decimals))}"
        lines.append("  n\(k) [label=\"\(record)\"\(fill)];")
    }
    for (k, node) in order.enumerated() {
        for (input, local) in zip(node.inputs, node.localDerivatives) {
            guard let from = ids[input.id] else { continue }
            lines.append("  n\(from) -> n\(k) [label=\"\(fixed(local, decimals))\"];")
        }
    }
    lines.append("}")
    return lines.joined(separator: "\n")
}
