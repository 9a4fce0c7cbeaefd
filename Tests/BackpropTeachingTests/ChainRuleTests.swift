import Backprop
import Foundation
import Testing
@testable import BackpropTeaching

@Suite("Chain-rule explanations")
struct ChainRuleTests {
    @Test("paths of a diamond: one per route, products sum to the reverse-mode gradient")
    func diamond() {
        let x = Value(0.7, label: "x")
        let a = x.sin().labeled("a")
        let b = (x * x).labeled("b")
        let out = (a * b).labeled("out")
        let e = ChainRuleExplanation(of: out, withRespectTo: x)
        #expect(e.paths.count == 3, "via a, and twice via b (x·x uses x twice)")
        #expect(!e.isTruncated)
        let sum = e.paths.reduce(0) { $0 + $1.product }
        out.backward()
        #expect(Swift.abs(sum - x.grad) < 1e-15)
        #expect(Swift.abs(e.total - x.grad) < 1e-15)
        // Closed form: d/dx sin(x)·x² = cos(x)·x² + 2x·sin(x).
        #expect(Swift.abs(e.total - (Foundation.cos(0.7) * 0.49 + 1.4 * Foundation.sin(0.7))) < 1e-15)
    }

    @Test("building an explanation leaves every gradient as it was")
    func noSideEffects() {
        let x = Value(1.2, label: "x"), y = Value(-0.4, label: "y")
        let out = (x * y).tanh().labeled("out")
        out.backward()
        let before = [x.grad, y.grad, out.grad]
        _ = ChainRuleExplanation(of: out, withRespectTo: x)
        _ = ChainRuleExplanation(of: x * 3, withRespectTo: x)
        #expect([x.grad, y.grad, out.grad] == before)
    }

    @Test("path enumeration is capped and says so; the total stays exact")
    func capped() {
        // Each layer doubles the number of paths: 2^20 in all.
        let x = Value(0.1, label: "x")
        var h = x
        for _ in 0..<20 { h = h * 0.5 + h * 0.5 }
        let e = ChainRuleExplanation(of: h, withRespectTo: x, limit: 10)
        #expect(e.paths.count == 10 && e.isTruncated)
        #expect(Swift.abs(e.total - 1) < 1e-12)
        #expect(e.rendered().contains("only the first 10 paths"))
    }

    @Test("unlabelled nodes are folded into the factor around them, or named v1, v2, …")
    func folding() {
        let w = Value(2, label: "w"), x = Value(3, label: "x")
        let net = (w * x + 1).labeled("net")       // the + and × are one factor ∂net/∂w = x
        let out = net.sigmoid().labeled("out")
        let e = ChainRuleExplanation(of: out, withRespectTo: w)
        #expect(e.paths.count == 1 && e.paths[0].factors.count == 2)
        #expect(e.paths[0].factors[1].value == 3)
        let text = e.rendered()
        #expect(text.hasPrefix("∂out/∂w = ∂out/∂net · ∂net/∂w = "))
        let all = ChainRuleExplanation(of: out, withRespectTo: w, shows: { _ in true })
        #expect(all.paths[0].factors.count == 3, "out ← net ← v (w·x, the constant 1 is inline) ← w")
        #expect(all.rendered().contains("∂net/∂v"))
        #expect(all.rendered(.latex).contains("\\frac{\\partial out}{\\partial net}"))
        #expect(all.rendered(.markdown).hasPrefix("$$"))
    }

    @Test("adjoints equal the gradients of a backward pass")
    func adjointsMatchBackward() {
        let a = Value(0.3), b = Value(-1.1)
        let out = (a * b + a.exp()).sigmoid() * b
        let adj = adjoints(of: out)
        out.backward()
        #expect(Swift.abs(adj[a.id]! - a.grad) < 1e-15 && Swift.abs(adj[b.id]! - b.grad) < 1e-15)
    }
}

@Suite("Audit verdicts")
struct AuditVerdictTests {
    @Test("MATCH, truncation, the document's own rounded arithmetic, one unit, WRONG")
    func verdicts() {
        #expect(AuditEntry("a", printed: "0.61538", computed: 0.6153837).verdict == .match)
        #expect(AuditEntry("a", printed: "0.41", computed: 0.41000000000000003).verdict == .match)
        let truncated = AuditEntry("a", printed: "0.60108", computed: 0.6010878)
        #expect(truncated.verdict == .rounding && truncated.note.contains("truncated"))
        #expect(AuditEntry("a", printed: "-0.17044", computed: -0.1704461).verdict == .rounding)
        let own = AuditEntry("a", printed: "0.00110", computed: 0.0011180, fromPrintedInputs: 0.00159 - 0.00049)
        #expect(own.verdict == .rounding && own.note.contains("rounded intermediates"))
        #expect(AuditEntry("a", printed: "0.123", computed: 0.12210).verdict == .rounding)
        let wrong = AuditEntry("h − y", printed: "0.04", computed: 0.7393, cause: "x used in place of h")
        #expect(wrong.verdict == .wrong && wrong.note.contains("0.74") && wrong.note.contains("x used"))
    }
}
