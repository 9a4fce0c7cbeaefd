import Foundation
import Testing
@testable import Backprop

@Suite("Scalar gradient checker")
struct ScalarGradientCheckTests {
    @Test("passes a smooth function and uses PyTorch's defaults")
    func smooth() {
        let report = checkGradients(at: [0.3, -1.2, 0.8], labels: ["a", "b", "c"]) { x in
            (x[0] * x[1] + x[2].exp()).tanh() / (x[2] * x[2] + 1)
        }
        #expect(report.passed)
        #expect(report.entries.map(\.name) == ["a", "b", "c"])
        #expect(report.options.eps == 1e-6 && report.options.atol == 1e-5 && report.options.rtol == 1e-3)
        #expect(report.entries.allSatisfy { $0.status == .pass })
    }

    @Test("fails, naming the input, when the function escapes the graph")
    func detectsWrongGradient() {
        // x[1] is read as a plain Double and re-entered as a fresh leaf: the graph loses
        // its dependence on x[1], so reverse mode reports 0 where the slope is cos(1).
        let report = checkGradients(at: [0.5, 1.0]) { x in
            x[0] * 2 + Value(x[1].value).sin()
        }
        #expect(!report.passed)
        #expect(report.failures.map(\.name) == ["x1"])
        let e = report.entries[1]
        #expect(e.analytic == 0)
        #expect(Swift.abs(e.numeric - Foundation.cos(1.0)) < 1e-6)
        #expect(report.description.contains("FAILED"))
        #expect(report.description.contains("x1"))
    }

    @Test("reports kinks instead of failing: relu and |x| at 0, max on a tie, step at its threshold",
          arguments: [
            ("relu", { (x: [Value]) in x[0].relu() } as @Sendable ([Value]) -> Value, [0.0]),
            ("abs", { (x: [Value]) in x[0].abs() } as @Sendable ([Value]) -> Value, [0.0]),
            ("max", { (x: [Value]) in Value.maximum(x[0], x[1]) } as @Sendable ([Value]) -> Value, [1.0, 1.0]),
            ("step", { (x: [Value]) in x[0].step(threshold: 0.5) } as @Sendable ([Value]) -> Value, [0.5]),
          ])
    func kinks(_ name: String, _ f: @Sendable ([Value]) -> Value, _ point: [Double]) {
        let report = checkGradients(at: point, of: f)
        #expect(report.passed, "\(name):\n\(report)")
        #expect(report.entries.contains { $0.status == .kink }, "\(name):\n\(report)")
        #expect(report.description.contains("kink"))
    }

    @Test("an analytic value outside a kink's one-sided slopes still fails")
    func wrongAtKink() {
        // f(x) = relu(x) + 2x has slopes 2 (left) and 3 (right) at 0. Computing it from
        // the plain Double escapes the graph, so reverse mode reports 0: outside [2, 3].
        let bad = checkGradients(at: [0.0]) { x in
            let escaped = Value(x[0].value)
            return escaped.relu() + escaped * 2 + x[0] * 0
        }
        #expect(!bad.passed)
        #expect(bad.entries[0].note.contains("outside"))
        // The honest version is a kink, not a failure.
        let good = checkGradients(at: [0.0]) { x in x[0].relu() + x[0] * 2 }
        #expect(good.passed && good.entries[0].status == .kink)
    }

    @Test("NaN gradients fail with a note")
    func nanFails() {
        let report = checkGradients(at: [-1.0]) { x in x[0].squareRoot() }
        #expect(!report.passed)
        #expect(!report.entries[0].note.isEmpty)
    }
}
