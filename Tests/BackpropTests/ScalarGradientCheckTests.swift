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

    /// f(x) + c·x − c·x̂ where x̂ is x read as a plain Double: the value of f, with
    /// reverse mode reporting f′(x) + c (the graph sees c·x but not its cancellation).
    static func offsetGradient(_ f: Value, _ x: Value, by c: Double) -> Value {
        f + x * c - Value(x.value) * c
    }

    @Test("a wrong derivative at a kink fails: |x| whose derivative at 0 is reported as 7")
    func wrongDerivativeAtKink() {
        let bad = checkGradients(at: [0.0]) { x in Self.offsetGradient(x[0].abs(), x[0], by: 7) }
        #expect(!bad.passed, "\(bad)")
        #expect(bad.entries[0].analytic == 7)
        #expect(bad.entries[0].note.contains("analytic value 7 is outside the slopes -1 (left) and 1 (right): expected a value between them"),
                "\(bad)")
        // Subgradients in [−1, 1] are valid: the engine's sign(0) = 0, and ±1, ±0.5 made by the same offset.
        for c in [-1.0, -0.5, 0, 0.5, 1] {
            let good = checkGradients(at: [0.0]) { x in Self.offsetGradient(x[0].abs(), x[0], by: c) }
            #expect(good.passed && good.entries[0].status == .kink, "subgradient \(c):\n\(good)")
        }
    }

    @Test("a steep smooth function is not a kink: a gradient 0.19 % off fails, the exact one passes",
          arguments: [1e4, 1e5, 1e6])
    func steepIsNotAKink(_ k: Double) {
        // tanh(k·x) at k·x = 0.3: at ε = 1e-6 the one-sided slopes differ by ε·|f″|, more than
        // the tolerance for every k here, yet the function is smooth.
        let x0 = 0.3 / k
        let exact = k * (1 - Foundation.tanh(0.3) * Foundation.tanh(0.3))
        let good = checkGradients(at: [x0]) { x in (x[0] * k).tanh() }
        #expect(good.passed && good.entries[0].status == .pass, "\(good)")
        #expect(!good.description.contains("kink"), "\(good)")
        #expect(Swift.abs(good.entries[0].numeric - exact) <= 1e-5 * exact, "\(good)")
        let off = checkGradients(at: [x0]) { x in Self.offsetGradient((x[0] * k).tanh(), x[0], by: 0.0019 * exact) }
        #expect(!off.passed, "\(off)")
        #expect(off.entries[0].status == .fail && off.entries[0].note.contains("steep"), "\(off)")
        #expect(!off.description.contains("kink"), "\(off)")
    }

    @Test("a step ε below the floating-point spacing at the point fails with a note, not a wrong numeric")
    func stepBelowSpacing() {
        // ulp(1e12) ≈ 1.2e-4: x ± 1e-6 rounds back to x, so no difference can be taken.
        let report = checkGradients(at: [1e12]) { x in x[0] * 0.5 }
        #expect(!report.passed)
        #expect(report.entries[0].note.contains("below the floating-point spacing"), "\(report)")
        #expect(checkGradients(at: [1e12], options: .init(eps: 1e-2)) { x in x[0] * 0.5 }.passed)
    }
}
