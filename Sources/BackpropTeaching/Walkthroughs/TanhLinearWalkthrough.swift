import Backprop
import Foundation

extension Walkthrough {
    /// `tanh-linear`: the worked derivation of the Deep Learning notes
    /// (`002_1dd5d5d05fbbafd6.txt`) for tanh hidden units, linear outputs and
    /// ½ sum-of-squares error (Bishop §5.3.2):
    ///
    /// ```
    /// a_j = Σ_i w_ji x_i,  z_j = tanh(a_j),  h_k = Σ_j w_kj z_j
    /// δ_k = h_k − y_k,     δ_j = (1 − z_j²) Σ_k w_kj δ_k
    /// ∂E_n/∂w_ji = δ_j x_i,  ∂E_n/∂w_kj = δ_k z_j
    /// ```
    ///
    /// The document prints no numbers, so its formulas are evaluated on the exercise
    /// network of the same notes (W⁽¹⁾, b⁽¹⁾, W⁽²⁾, b⁽²⁾, x, y) with these activations.
    public static func tanhLinear(format: ExplanationFormat = .text) -> Walkthrough {
        let x = [0.05, 0.10], y = [0.01, 0.99], eta = 0.1
        let w1 = [[0.25, 0.30], [0.15, 0.20]], b1 = [0.35, 0.35]
        let w2 = [[0.45, 0.40], [0.50, 0.55]], b2 = [0.60, 0.60]
        let net = LayeredNetwork(inputs: x, weights: [w1, w2], biases: [b1, b2],
                                 activations: [.tanh, .identity], targets: y, naming: .bishop)
        let s = NetworkSections(net, format: format)
        net.loss.backward()
        let views = DeltaView(net)
        let hidden = net.layers[0], out = net.layers[1]

        var sections: [(heading: String, body: String)] = []
        sections.append(("Setup", [
            "Two layers: tanh hidden units z_j = tanh(a_j), linear outputs h_k = a_k, E_n = ½ Σ_k (h_k − y_k)².",
            "The document prints only formulas; we evaluate them on its own exercise numbers:",
            "x = (0.05, 0.10), y = (0.01, 0.99), W(1) = [0.25 0.30; 0.15 0.20], b(1) = (0.35, 0.35), W(2) = [0.45 0.40; 0.50 0.55], b(2) = (0.60, 0.60).",
            "The biases are the document's implicit w_j0 (with x_0 = z_0 = 1). Learning rate η = 0.1: our choice, none is printed.",
        ].joined(separator: "\n")))
        sections.append(("1. Forward-propagate", s.forward()))
        sections.append(("Loss", s.loss()))
        sections.append(("2.–4. The δs and the derivatives", views.rendered(format)))
        sections.append(("The same by the chain rule, path by path", s.chainRule(for: [out.weights[0][0], hidden.weights[0][0]])))
        sections.append(("Numerical gradient check (central differences)", s.gradientCheck().0))
        let (updateText, updated, _) = s.update(learningRate: eta)
        sections.append(("Update (η = 0.1: our choice)", updateText))

        // Formula audit.
        let h = out.outputs.map(\.value), z = hidden.outputs.map(\.value)
        let plainLoss = 0.5 * ((h[0] - y[0]) * (h[0] - y[0]) + (h[1] - y[1]) * (h[1] - y[1]))
        let plainH1: Double = w2[0][0] * z[0] + w2[0][1] * z[1] + b2[0]
        let plainA1: Double = b1[0] * 1 + w1[0][0] * x[0] + w1[0][1] * x[1]
        let a = Value(0.4, label: "a"), ta = a.tanh()
        ta.backward()
        let e = Foundation.exp(0.4), me = Foundation.exp(-0.4)
        let tanhByDefinition = (e - me) / (e + me)
        let logistic = Value(0.4).sigmoid()
        let hiddenFormula: Double = (1 - z[0] * z[0]) * (w2[0][0] * views.deltas[1][0] + w2[1][0] * views.deltas[1][1])
        // ∂E/∂w = δ · (input) on this network and on a seeded random 3-4-2 tanh/linear one.
        var rng = SplitMix64(seed: 679)
        let random = LayeredNetwork(
            inputs: [0.3, -0.7, 0.2],
            weights: [(0..<4).map { _ in (0..<3).map { _ in rng.nextDouble(in: -1...1) } },
                      (0..<2).map { _ in (0..<4).map { _ in rng.nextDouble(in: -1...1) } }],
            biases: [(0..<4).map { _ in rng.nextDouble(in: -1...1) }, (0..<2).map { _ in rng.nextDouble(in: -1...1) }],
            activations: [.tanh, .identity], targets: [0.5, -0.25], naming: .bishop)
        random.loss.backward()
        func gap(_ n: LayeredNetwork, layer l: Int) -> Double {
            let d = DeltaView(n)
            let below = l == 0 ? n.inputs.map(\.value) : n.layers[l - 1].outputs.map(\.value)
            var worst = 0.0
            for (j, row) in n.layers[l].weights.enumerated() {
                for (i, w) in row.enumerated() { worst = max(worst, Swift.abs(d.recursion[l][j] * below[i] - w.grad)) }
            }
            return worst
        }
        let audit: [AuditEntry] = [
            AuditEntry(formula: "error", printed: "E_n = \\frac{1}{2} \\sum_k (h_k - y_k^{(n)})^2",
                       documentValue: plainLoss, computed: net.loss.value, evidence: "on the exercise network"),
            AuditEntry(formula: "linear outputs", printed: "h_k = a_k;  h_k = \\sum_{j=0}^M w_{kj}^{(2)} z_j^{(1)}",
                       documentValue: plainH1, computed: out.outputs[0].value, evidence: "h_1 with z_0 = 1, w_10 = b_1"),
            AuditEntry(claim: "hidden activation label", printed: "Logistic hidden h(a) = \\tanh(a)",
                       holds: Swift.abs(ta.value - logistic.value) < 1e-12, computed: ta.value,
                       note: "tanh is not the logistic function: tanh(0.4) = \(fixed(ta.value, 6)), σ(0.4) = \(fixed(logistic.value, 6)) (tanh(a) = 2σ(2a) − 1); and h names both the hidden activation and the output. The formula that follows is right"),
            AuditEntry(formula: "tanh definition and derivative",
                       printed: "\\tanh(a) = (e^a - e^{-a})/(e^a + e^{-a});  \\tanh'(a) = 1 - \\tanh(a)^2",
                       documentValue: 1 - tanhByDefinition * tanhByDefinition, computed: a.grad,
                       evidence: "at a = 0.4, tanh from its definition, engine derivative"),
            AuditEntry(formula: "forward pass", printed: "a_j^{(1)} = \\sum_{i=0}^D w_{ji}^{(1)} x_i;  z_j^{(1)} = \\tanh(a_j^{(1)})",
                       documentValue: plainA1, computed: hidden.sums[0].value, evidence: "a_1^{(1)} with x_0 = 1, w_10 = b_1"),
            AuditEntry(formula: "output deltas", printed: "\\delta_k^{(2)} = h_k - y_k",
                       documentValue: h[0] - y[0], computed: views.deltas[1][0], evidence: "δ_1^{(2)} (right here: the outputs are linear)"),
            AuditEntry(formula: "hidden deltas", printed: "\\delta_j^{(1)} = (1 - z_j^{(1)2}) \\sum_{k=1}^K w_{kj}^{(2)} \\delta_k^{(2)}",
                       documentValue: hiddenFormula, computed: views.deltas[0][0], evidence: "δ_1^{(1)} vs the engine's ∂E_n/∂a_1^{(1)}"),
            AuditEntry(formula: "first-layer derivatives", printed: "\\partial E_n/\\partial w_{ji}^{(1)} = \\delta_j^{(1)} x_i",
                       largestDifference: max(gap(net, layer: 0), gap(random, layer: 0)),
                       evidence: "largest |δ_j x_i − engine gradient| on this network and a seeded 3-4-2 one"),
            AuditEntry(formula: "second-layer derivatives", printed: "\\partial E_n/\\partial w_{kj}^{(2)} = \\delta_k^{(2)} z_j^{(1)}",
                       largestDifference: max(gap(net, layer: 1), gap(random, layer: 1)),
                       evidence: "largest |δ_k z_j − engine gradient| on this network and a seeded 3-4-2 one"),
        ]
        return Walkthrough(
            id: "tanh-linear",
            title: "Back-propagation for tanh hidden units and linear outputs (Bishop's example)",
            source: #""Machine Learning, Session 10: Deep Learning", section "Network training", the example with tanh hidden units and linear outputs (after Bishop, ch. 5)"#,
            sections: sections, audit: audit,
            parameters: [("x", .array(x.map(JSONValue.number))), ("y", .array(y.map(JSONValue.number))),
                         ("W1", .matrix(w1)), ("b1", .array(b1.map(JSONValue.number))),
                         ("W2", .matrix(w2)), ("b2", .array(b2.map(JSONValue.number))),
                         ("activations", .array([.string("tanh"), .string("identity")])),
                         ("learningRate", .number(eta)),
                         ("note", .string("no network is printed; the exercise numbers of the same notes, with tanh/linear units"))],
            forward: s.forwardValues(), loss: net.loss.value, gradients: s.gradients(), updated: updated, graph: net.loss)
    }
}
