import Backprop
import Foundation

/// One self-contained HTML page that steps through the forward and then the backward
/// pass of a scalar graph, node by node: the graph drawn in layers, the active node
/// highlighted, its value, local derivatives, upstream gradient and products shown.
/// Next/Previous buttons and the ←/→ keys move; `?step=N` or `#step=N` opens step N
/// (1-based), and `?press=N` presses → N times after loading. No network: the CSS, script, drawing and data are all inline, the data
/// as JSON in `<script type="application/json" id="steps">`.
public struct StepPage {
    /// The steps shown.
    public var steps: StepList
    /// The drawing's layout.
    public var layout: GraphLayout

    /// The page for the graph that computes `output`.
    public init(of output: Value, title: String) {
        steps = StepList(of: output, title: title)
        layout = GraphLayout(steps)
    }

    /// The page for a walkthrough's loss graph, or nil when it has none or when its
    /// graph is stale (recorded before its parameters were trained: ``StepList/staleNodes``).
    public init?(walkthrough: Walkthrough) {
        guard let graph = walkthrough.graph else { return nil }
        self.init(of: graph, title: walkthrough.title)
        guard steps.staleNodes.isEmpty else { return nil }
    }

    /// The embedded JSON (``StepList/json(layout:)``), made safe inside `<script>`: every
    /// `<` (only ever inside strings) written as `\u003c`, so no label can close the
    /// script or open a comment.
    public var json: String {
        steps.json(layout: layout).encoded().replacingOccurrences(of: "<", with: "\\u003c")
    }

    /// The graph as inline SVG: one `<g class="node" id="n-K">` per node and one
    /// `<path class="edge" id="e-I-K-J">` per input edge, with a hidden edge label.
    public var svg: String {
        let w = GraphLayout.boxWidth, h = GraphLayout.boxHeight
        var out = ["<svg id=\"graph\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(svgNumber(layout.width)) \(svgNumber(layout.height))\" "
                   + "width=\"\(svgNumber(layout.width))\" height=\"\(svgNumber(layout.height))\">",
                   "<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto\">"
                   + "<path d=\"M0 0L10 5L0 10z\" fill=\"#8a8a8a\"/></marker>"
                   + "<marker id=\"arrow-hot\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto\">"
                   + "<path d=\"M0 0L10 5L0 10z\" fill=\"#d55e00\"/></marker></defs>"]
        var labels: [String] = []
        for node in steps.nodes {
            let to = layout.positions[node.index]
            for (j, input) in node.inputs.enumerated() {
                let from = layout.positions[input.index]
                let a = (from.x + w / 2, from.y), b = (to.x - w / 2, to.y + (Double(j) - Double(node.inputs.count - 1) / 2) * 10)
                let mid = (a.0 + b.0) / 2
                out.append("<path class=\"edge\" id=\"e-\(input.index)-\(node.index)-\(j)\" d=\"M\(svgNumber(a.0)) \(svgNumber(a.1))C\(svgNumber(mid)) \(svgNumber(a.1)) "
                           + "\(svgNumber(mid)) \(svgNumber(b.1)) \(svgNumber(b.0)) \(svgNumber(b.1))\"/>")
                let lx = a.0 + 0.5 * (b.0 - a.0), ly = a.1 + 0.5 * (b.1 - a.1)
                labels.append("<text class=\"elabel\" id=\"l-\(input.index)-\(node.index)-\(j)\" x=\"\(svgNumber(lx))\" y=\"\(svgNumber(ly - 6))\" text-anchor=\"middle\"></text>")
            }
        }
        for node in steps.nodes {
            let p = layout.positions[node.index]
            let kind = node.isLeaf ? " leaf" : (node.index == steps.nodes.count - 1 ? " output" : "")
            out.append("<g class=\"node\(kind)\" id=\"n-\(node.index)\" transform=\"translate(\(svgNumber(p.x - w / 2)),\(svgNumber(p.y - h / 2)))\">"
                       + "<rect width=\"\(svgNumber(w))\" height=\"\(svgNumber(h))\" rx=\"7\"/>"
                       + "<text class=\"name\" x=\"\(svgNumber(w / 2))\" y=\"17\" text-anchor=\"middle\">\(xmlEscaped(node.name))"
                       + (node.isLeaf ? "" : "<tspan class=\"op\"> \(xmlEscaped(node.op))</tspan>") + "</text>"
                       + "<text class=\"val\" id=\"v-\(node.index)\" x=\"\(svgNumber(w / 2))\" y=\"33\" text-anchor=\"middle\"></text>"
                       + "<text class=\"grad\" id=\"g-\(node.index)\" x=\"\(svgNumber(w / 2))\" y=\"48\" text-anchor=\"middle\"></text></g>")
        }
        return (out + labels + ["</svg>"]).joined(separator: "\n")
    }

    /// The whole page.
    public var html: String {
        """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(xmlEscaped(steps.title)) — step through</title>
        <style>
        \(StepPage.css)
        </style>
        </head>
        <body>
        <header>
          <h1>\(xmlEscaped(steps.title))</h1>
          <div class="controls">
            <button id="prev" type="button" title="Previous step (←)">← Previous</button>
            <span id="counter"></span>
            <button id="next" type="button" title="Next step (→)">Next →</button>
            <span class="hint">keys ← / →</span>
          </div>
          <div id="progress"><div id="bar"></div></div>
        </header>
        <main>
          <div id="canvas">
        \(svg)
          </div>
          <section id="panel" aria-live="polite"></section>
        </main>
        <script type="application/json" id="steps">\(json)</script>
        <script>
        \(StepPage.script)
        </script>
        </body>
        </html>

        """
    }
}
