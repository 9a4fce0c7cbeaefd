import Backprop
import Foundation
import Testing
@testable import BackpropTeaching

@Suite("Every walkthrough: pinned verdicts, formats, JSON, DOT")
struct WalkthroughCatalogTests {
    /// Each walkthrough's verdicts in audit order (M = MATCH, R = ROUNDING, W = WRONG).
    static let pinned: [String: String] = [
        "regression-2d": "MMMMMMMMMMWMWMMMMMWW",
        "sigmoid-222": "MMMMMMMMMMMM" + "WWMMMMMMMMMMWMMMMWW",
        "sigmoid-222-matrix": "MMMMMMMM" + "WWWWWWWWWWWWWWWW" + "MWWMMMMM",
        "sigmoid-222-lr06": "MRMMMRRMMRRRRMMRRRRMRMRRRRRRMMRMMM" + "MMMMMM",
        "xor-threshold": "MMMMMMMMMMMMMMMM" + "MMMWM",
        "xor-train": "MMMM" + "MM",
        "tanh-linear": "MMWMMMMMM",
        "delta-rule-sgd": "MWMMMMMMWMM",
    ]

    @Test("the catalogue lists the eight lecture examples, in order")
    func catalogue() {
        #expect(Walkthrough.catalog.map(\.id) == ["regression-2d", "sigmoid-222", "sigmoid-222-matrix", "sigmoid-222-lr06",
                                                  "xor-threshold", "xor-train", "tanh-linear", "delta-rule-sgd"])
        #expect(Walkthrough.named("no-such-walkthrough") == nil)
        #expect(Walkthrough.catalog.allSatisfy { !$0.summary.isEmpty })
    }

    @Test("verdicts, renderings and JSON of each walkthrough", arguments: Walkthrough.catalog.map(\.id))
    func walkthrough(id: String) throws {
        let w = try #require(Walkthrough.named(id))
        #expect(w.id == id)
        let letters = String(w.audit.map { $0.verdict.rawValue.first! })
        #expect(letters == Self.pinned[id], "\(id): \(letters)")
        // Every WRONG says what the correct value is, or why.
        for e in w.audit where e.verdict == .wrong { #expect(!e.note.isEmpty, "\(id) / \(e.quantity)") }
        // Text: the numerical check ran and passed, the audit is there.
        let text = w.rendered()
        #expect(text.contains("gradient check PASSED"), "\(id): no passing gradient check")
        #expect(text.contains("Audit"))
        // Markdown and LaTeX.
        let md = Walkthrough.named(id, format: .markdown)!.rendered(.markdown)
        #expect(md.hasPrefix("# ") && md.contains("| quantity | printed |"))
        let tex = Walkthrough.named(id, format: .latex)!.rendered(.latex)
        #expect(tex.contains("\\begin{tabular}") && tex.contains("\\section*"))
        // JSON parses and carries the audit exactly.
        let encoded = w.json.encoded()
        let object = try #require(try JSONSerialization.jsonObject(with: Data(encoded.utf8)) as? [String: Any])
        for key in ["id", "source", "parameters", "forward", "loss", "gradients", "updated", "audit"] {
            #expect(object[key] != nil, "\(id): JSON lacks \(key)")
        }
        #expect(object["id"] as? String == id)
        let audit = try #require(object["audit"] as? [[String: Any]])
        #expect(audit.count == w.audit.count)
        for (a, e) in zip(audit, w.audit) {
            #expect(a["printed"] as? String == e.printed)
            #expect(a["verdict"] as? String == e.verdict.rawValue)
            // Foundation's parser on Linux may lose the last bit of a double, so compare
            // its reading loosely and check the exact shortest round-trip text separately.
            #expect((a["computed"] as? Double).map { Swift.abs($0 - e.computed) <= 1e-15 * max(1, Swift.abs(e.computed)) } ?? !e.computed.isFinite)
            if e.computed.isFinite {
                #expect(Double(jsonNumber(e.computed)) == e.computed)
                #expect(encoded.contains("\"computed\":\(jsonNumber(e.computed))"))
            }
        }
        #expect(!(object["gradients"] as! [String: Any]).isEmpty)
        // DOT: one record per node, one edge per input.
        let graph = try #require(w.graph)
        let dotText = dot(graph, title: id)
        let nodes = graph.topologicalOrder()
        #expect(dotText.hasPrefix("digraph"))
        #expect(dotText.components(separatedBy: "[label=\"{").count - 1 == nodes.count)
        #expect(dotText.components(separatedBy: " -> ").count - 1 == nodes.reduce(0) { $0 + $1.inputs.count })
    }
}
