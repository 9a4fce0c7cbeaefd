import Backprop
@testable import BackpropTeaching
import Foundation
import Testing
import BackpropTestSupport

@Suite("Step-through page")
struct StepPageTests {
    /// The JSON embedded in the page, parsed back.
    private func embeddedData(_ html: String) throws -> [String: Any] {
        let open = "<script type=\"application/json\" id=\"steps\">"
        let start = try #require(html.range(of: open)), end = try #require(html.range(of: "</script>", range: start.upperBound..<html.endIndex))
        let text = String(html[start.upperBound..<end.lowerBound])
        return try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    @Test("one forward and one backward step per node, with the engine's values and gradients",
          arguments: ["sigmoid-222-lr06", "sigmoid-222", "regression-2d", "tanh-linear"])
    func stepsMatchEngine(_ id: String) throws {
        let walkthrough = try #require(Walkthrough.named(id))
        let page = try #require(StepPage(walkthrough: walkthrough))
        let data = try embeddedData(page.html)
        #expect(page.steps.staleNodes.isEmpty)
        let nodes = try #require(data["nodes"] as? [[String: Any]]), steps = try #require(data["steps"] as? [[String: Any]])

        // The engine's own numbers: values from the graph, gradients from a fresh backward pass.
        let graph = try #require(walkthrough.graph)
        graph.zeroGradients()
        graph.backward()
        let order = graph.topologicalOrder()
        #expect(nodes.count == order.count && steps.count == 2 * order.count)
        let close = { (a: Double, b: Double) in isClose(a, b, tolerance: 1e-12) }
        // Forward: every node once, each after its inputs (a topological order).
        let forward = steps.prefix(order.count).map { $0["node"] as! Int }
        #expect(Set(forward) == Set(0..<order.count))
        var seen = Set<Int>()
        for (step, k) in zip(steps.prefix(order.count), forward) {
            #expect(step["phase"] as? String == "forward")
            #expect(close(try #require(step["value"] as? Double), order[k].value))
            #expect(close(try #require(nodes[k]["value"] as? Double), order[k].value))
            let inputs = try #require(nodes[k]["inputs"] as? [[String: Any]])
            #expect(inputs.count == order[k].inputs.count)
            for (input, (node, local)) in zip(inputs, zip(order[k].inputs, order[k].localDerivatives)) {
                #expect(close(input["local"] as! Double, local))
                #expect(input["node"] as? Int == order.firstIndex { $0.id == node.id })
                #expect(seen.contains(input["node"] as! Int), "an input of \(nodes[k]["name"]!) comes later")
            }
            seen.insert(k)
        }
        // Backward: the forward order reversed, so every consumer's gradient is known first.
        var graded = Set<Int>()
        for (step, k) in zip(steps.dropFirst(order.count), forward.reversed()) {
            #expect(step["phase"] as? String == "backward" && step["node"] as? Int == k)
            let grad = try #require(step["grad"] as? Double)
            #expect(close(grad, order[k].grad), "∂/∂\(nodes[k]["name"]!) = \(grad), engine \(order[k].grad)")
            let terms = try #require(step["terms"] as? [[String: Any]])
            #expect(k == order.count - 1 ? terms.isEmpty && grad == 1 : !terms.isEmpty)
            if !terms.isEmpty {
                // Each term is a consumer's gradient (already computed: an earlier backward step) × its local derivative.
                let sum = terms.reduce(0.0) { $0 + ($1["upstream"] as! Double) * ($1["local"] as! Double) }
                #expect(close(sum, grad))
                for t in terms { #expect(graded.contains(t["consumer"] as! Int)) }
            }
            graded.insert(k)
        }
    }

    @Test("the page is self-contained and its drawing is well-formed XML")
    func selfContained() throws {
        let page = try #require(StepPage(walkthrough: Walkthrough.sigmoid222LR06()))
        let html = page.html
        #expect(!html.contains("<link") && !html.contains(" src=") && !html.contains("@import") && !html.contains("url(http"))
        #expect(html.replacingOccurrences(of: "http://www.w3.org/2000/svg", with: "").range(of: "http") == nil)
        for needle in ["id=\"next\"", "id=\"prev\"", "ArrowRight", "ArrowLeft", "step="] { #expect(html.contains(needle)) }
        let parsed = parseXML(page.svg)
        let elements = try #require(parsed.elements, "not well-formed: \(parsed.error ?? "")")
        #expect(elements.filter { $0.name == "g" && ($0.attributes["class"] ?? "").hasPrefix("node") }.count == page.steps.nodes.count)
        let edges = page.steps.nodes.reduce(0) { $0 + $1.inputs.count }
        #expect(elements.filter { $0.attributes["class"] == "edge" }.count == edges)
        // Every node has its own place in the drawing.
        let positions = page.layout.positions.map { "\($0.x),\($0.y)" }
        #expect(Set(positions).count == positions.count)
    }

    @Test("small graphs and hostile labels: a lone leaf, and a label that tries to close the script")
    func edgeCases() throws {
        let leaf = StepPage(of: Value(3, label: "x"), title: "a leaf")
        let data = try embeddedData(leaf.html)
        #expect((data["nodes"] as? [Any])?.count == 1 && (data["steps"] as? [Any])?.count == 2)
        let w = Value(0.5, label: "</script><!--w"), x = Value(2, label: "x & \"y\"")
        let page = StepPage(of: (w * x).tanh().labeled("out"), title: "<b>title</b>")
        let html = page.html
        #expect(html.components(separatedBy: "</script>").count == 3)   // the two real ones only
        #expect(!html.contains("<b>title"))
        let nodes = try #require(try embeddedData(html)["nodes"] as? [[String: Any]])
        #expect(Set(nodes.compactMap { $0["name"] as? String }) == ["x & \"y\"", "</script><!--w", "v1", "out"])
        #expect(parseXML(page.svg).elements != nil)
    }

    @Test("every walkthrough with a consistent graph has a page; xor-train's graph is stale (trained after recording)")
    func consistency() throws {
        for entry in Walkthrough.catalog {
            let w = entry.make(.text)
            let stale = w.graph.map { !StepList(of: $0, title: "").staleNodes.isEmpty } ?? true
            #expect((StepPage(walkthrough: w) == nil) == stale, "\(entry.id)")
            #expect(stale == (entry.id == "xor-train"), "\(entry.id)")
        }
        // The check itself: change a leaf after recording and the nodes above it go stale.
        let w = Value(2, label: "w"), x = Value(3, label: "x")
        let y = (w * x).sigmoid().labeled("y")
        #expect(StepList(of: y, title: "").staleNodes.isEmpty)
        w.value = 5
        #expect(StepList(of: y, title: "").staleNodes.count == 1)   // w·x; σ still matches its (stale) input
    }
}
