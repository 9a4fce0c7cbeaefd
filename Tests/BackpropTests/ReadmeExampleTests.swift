import Foundation
import Testing
import Backprop

/// The README's and the docs' examples, compiled and checked.
@Suite("Documentation examples")
struct ReadmeExampleTests {
    @Test("README: ten lines")
    func readme() {
        let w = Value(0.5, label: "w"), x = Value(2.0, label: "x"), b = Value(-0.3, label: "b")
        let y = (w * x + b).tanh()
        y.backward()
        let t = Foundation.tanh(0.7)
        #expect(Swift.abs(y.value - t) < 1e-15)
        #expect(Swift.abs(w.grad - (1 - t * t) * 2) < 1e-15)
        #expect(Swift.abs(b.grad - (1 - t * t)) < 1e-15)
        #expect(x.label == "x")
        let report = checkGradients(at: [0.5, 2.0, -0.3]) { v in (v[0] * v[1] + v[2]).tanh() }
        #expect(report.passed)
    }

    @Test("ScalarEngine.md: the labelled sigmoid unit")
    func scalarEngineDoc() {
        let i1 = Value(0.1, label: "i1"), w1 = Value(0.1, label: "w1"), b1 = Value(0.25, label: "b1")
        let sum = (i1 * w1 + b1).labeled("sum_h1")
        let out = sum.sigmoid().labeled("output_h1")
        out.backward()
        let s = 1 / (1 + Foundation.exp(-0.26))
        #expect(Swift.abs(out.localDerivatives[0] - s * (1 - s)) < 1e-15)
        #expect(Swift.abs(w1.grad - s * (1 - s) * 0.1) < 1e-15)
    }

    @Test("VerifyGradients.md: a passing check and a failing one")
    func verifyGradientsDoc() {
        let report = checkGradients(at: [0.3, -1.2], labels: ["w", "x"]) { v in
            (v[0] * v[1]).tanh() + v[0].squared()
        }
        #expect(report.passed && report.description.contains("gradient check PASSED"))
        let bad = checkGradients(at: [0.5, 1.0]) { x in x[0] * 2 + Value(x[1].value).sin() }
        #expect(!bad.passed && bad.failures.map(\.name) == ["x1"])
    }
}
