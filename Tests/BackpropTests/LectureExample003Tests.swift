import Foundation
import Testing
import Backprop

/// The 2-2-2 sigmoid network of COMP417 Lecture 8, "Learning the Network: Backpropagation Part 3":
/// inputs 0.1, 0.5; targets 0.05, 0.95; learning rate 0.6.
///
/// The document's figure is missing from the text, so the weights are read off its
/// printed arithmetic: `sum_h1 = 0.1·0.1 + 0.5·0.3 + 0.25` gives w1 = 0.1, w3 = 0.3,
/// b1 = 0.25; `new_w5 = 0.5 − 0.6·…` gives w5 = 0.5, and likewise w6 = 0.6, w7 = 0.7;
/// `sum_h2 = 0.47` with w2 = 0.2, w4 = 0.4; `sum_o1 = 1.01977` needs b2 = 0.35, and
/// w8 = 0.8 follows from new_w8. Every printed number is then reproduced.
@Suite("Lecture example 003: 2-2-2 sigmoid network, learning rate 0.6")
struct LectureExample003Tests {
    /// How a printed number relates to our value.
    enum Printed {
        /// Our value rounded to the printed number of decimals is the printed string.
        case rounded
        /// The document truncated: our value cut (toward zero) to the printed decimals
        /// is the printed string, and rounding would have changed the last digit.
        case truncated
    }

    struct Network {
        let i1 = Value(0.1, label: "i1"), i2 = Value(0.5, label: "i2")
        let w = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8].enumerated().map { Value($1, label: "w\($0 + 1)") }
        let b1 = Value(0.25, label: "b1"), b2 = Value(0.35, label: "b2")
        let sumH1, outH1, sumH2, outH2, sumO1, outO1, sumO2, outO2, e1, e2, total: Value

        init() {
            sumH1 = (i1 * w[0] + i2 * w[2] + b1).labeled("sum_h1")
            outH1 = sumH1.sigmoid().labeled("output_h1")
            sumH2 = (i1 * w[1] + i2 * w[3] + b1).labeled("sum_h2")
            outH2 = sumH2.sigmoid().labeled("output_h2")
            sumO1 = (outH1 * w[4] + outH2 * w[5] + b2).labeled("sum_o1")
            outO1 = sumO1.sigmoid().labeled("output_o1")
            sumO2 = (outH1 * w[6] + outH2 * w[7] + b2).labeled("sum_o2")
            outO2 = sumO2.sigmoid().labeled("output_o2")
            e1 = (0.5 * (0.05 - outO1).squared()).labeled("E_1")
            e2 = (0.5 * (0.95 - outO2).squared()).labeled("E_2")
            total = (e1 + e2).labeled("E_total")
        }
    }

    /// Checks `value` against a number as the document prints it.
    func expectPrinted(_ printed: String, _ value: Double, _ kind: Printed, _ what: String,
                       sourceLocation: SourceLocation = #_sourceLocation) {
        let decimals = printed.split(separator: ".").last.map(\.count) ?? 0
        let rounded = String(format: "%.\(decimals)f", value)
        let scale = Foundation.pow(10.0, Double(decimals))
        let cut = (value * scale).rounded(.towardZero) / scale
        let truncated = String(format: "%.\(decimals)f", cut)
        switch kind {
        case .rounded:
            #expect(rounded == printed, "\(what): printed \(printed), computed \(value)", sourceLocation: sourceLocation)
        case .truncated:
            #expect(truncated == printed && rounded != printed,
                    "\(what): printed \(printed) should be the truncation of \(value) (rounds to \(rounded))",
                    sourceLocation: sourceLocation)
        }
    }

    @Test("forward pass and errors")
    func forwardPass() {
        let n = Network()
        expectPrinted("0.41", n.sumH1.value, .rounded, "sum_h1")
        expectPrinted("0.60108", n.outH1.value, .truncated, "output_h1")       // 0.601087…
        expectPrinted("0.47", n.sumH2.value, .rounded, "sum_h2")
        expectPrinted("0.61538", n.outH2.value, .rounded, "output_h2")
        expectPrinted("1.01977", n.sumO1.value, .rounded, "sum_o1")
        expectPrinted("0.73492", n.outO1.value, .truncated, "output_o1")       // 0.734928…
        expectPrinted("1.26306", n.sumO2.value, .truncated, "sum_o2")          // 1.263068…
        expectPrinted("0.77955", n.outO2.value, .rounded, "output_o2")
        expectPrinted("0.23456", n.e1.value, .rounded, "E_1")
        expectPrinted("0.01452", n.e2.value, .truncated, "E_2")                // 0.014525…
        expectPrinted("0.24908", n.total.value, .truncated, "E_total")         // 0.249089…
    }

    @Test("every chain factor and gradient, read from the graph")
    func chainFactors() {
        let n = Network()
        n.total.backward()
        // ∂E_total/∂output_o1 = output_o1 − target_1, and the sigmoid's local derivative.
        expectPrinted("0.68492", n.outO1.grad, .truncated, "∂E_total/∂output_o1")        // 0.684928…
        expectPrinted("0.19480", n.outO1.localDerivatives[0], .truncated, "∂output_o1/∂sum_o1") // 0.194808…
        expectPrinted("0.60108", n.w[4].grad / n.sumO1.grad, .truncated, "∂sum_o1/∂w5 = output_h1")
        expectPrinted("0.08020", n.w[4].grad, .rounded, "∂E_total/∂w5")
        expectPrinted("0.61538", n.w[5].grad / n.sumO1.grad, .rounded, "∂sum_o1/∂w6 = output_h2")
        expectPrinted("0.08211", n.w[5].grad, .rounded, "∂E_total/∂w6")
        expectPrinted("-0.17044", n.outO2.grad, .truncated, "∂E_total/∂output_o2")       // −0.170446…
        expectPrinted("0.17184", n.outO2.localDerivatives[0], .truncated, "∂output_o2/∂sum_o2") // 0.171849…
        expectPrinted("-0.01760", n.w[6].grad, .truncated, "∂E_total/∂w7")               // −0.017606…
        expectPrinted("-0.01802", n.w[7].grad, .truncated, "∂E_total/∂w8")               // −0.018025…
        // Hidden layer: the two paths from w1, E_1's and E_2's, as the document splits them.
        let sigmoidH1 = n.outH1.localDerivatives[0]
        expectPrinted("0.23978", sigmoidH1, .rounded, "∂output_h1/∂sum_h1")
        let viaE1 = n.outO1.grad * n.outO1.localDerivatives[0] * n.w[4].value * sigmoidH1 * n.i1.value
        let viaE2 = n.outO2.grad * n.outO2.localDerivatives[0] * n.w[6].value * sigmoidH1 * n.i1.value
        expectPrinted("0.00159", viaE1, .truncated, "∂E_1/∂w1")                         // 0.001599…
        expectPrinted("-0.00049", viaE2, .rounded, "∂E_2/∂w1")
        #expect(Swift.abs(viaE1 + viaE2 - n.w[0].grad) < 1e-15, "the engine sums both paths")
        expectPrinted("0.00110", n.w[0].grad, .truncated, "∂E_total/∂w1")               // 0.001108…
    }

    @Test("one gradient-descent step gives the printed new weights")
    func update() {
        let n = Network()
        n.total.backward()
        let printed: [(String, Printed)] = [
            ("0.09933", .truncated), ("0.19919", .truncated), ("0.29667", .truncated), ("0.39597", .truncated),
            ("0.45187", .truncated), ("0.55073", .rounded), ("0.71056", .rounded), ("0.81081", .truncated),
        ]
        for (w, (text, kind)) in zip(n.w, printed) {
            let old = w.value
            w.value -= 0.6 * w.grad
            expectPrinted(text, w.value, kind, "new \(w.label!) (was \(old))")
        }
        // The step lowers the error, as the document says it should.
        #expect(Network.errorAfterUpdate(n) < n.total.value)
    }

    @Test("gradients agree with central differences")
    func gradientCheck() {
        let weights = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.25, 0.35]
        let report = checkGradients(at: weights, labels: ["w1", "w2", "w3", "w4", "w5", "w6", "w7", "w8", "b1", "b2"]) { p in
            let h1 = (0.1 * p[0] + 0.5 * p[2] + p[8]).sigmoid()
            let h2 = (0.1 * p[1] + 0.5 * p[3] + p[8]).sigmoid()
            let o1 = (h1 * p[4] + h2 * p[5] + p[9]).sigmoid()
            let o2 = (h1 * p[6] + h2 * p[7] + p[9]).sigmoid()
            return 0.5 * (0.05 - o1).squared() + 0.5 * (0.95 - o2).squared()
        }
        #expect(report.passed, "\(report)")
    }
}

extension LectureExample003Tests.Network {
    /// E_total recomputed from the (updated) weight leaves of `n`.
    static func errorAfterUpdate(_ n: Self) -> Double {
        let w = n.w.map(\.value)
        func s(_ x: Double) -> Double { 1 / (1 + Foundation.exp(-x)) }
        let h1 = s(0.1 * w[0] + 0.5 * w[2] + 0.25), h2 = s(0.1 * w[1] + 0.5 * w[3] + 0.25)
        let o1 = s(h1 * w[4] + h2 * w[5] + 0.35), o2 = s(h1 * w[6] + h2 * w[7] + 0.35)
        return 0.5 * (0.05 - o1) * (0.05 - o1) + 0.5 * (0.95 - o2) * (0.95 - o2)
    }
}
