import Backprop
import Foundation

extension Walkthrough {
    /// `sigmoid-222-matrix`: the matrix-form exercise of the Deep Learning notes
    /// (`002_1dd5d5d05fbbafd6.txt`) with that document's W⁽¹⁾, b⁽¹⁾, W⁽²⁾, b⁽²⁾, parts b)
    /// to d) in matrix notation; the scalar graph underneath is arranged as matrices.
    ///
    /// ```
    /// a⁽¹⁾ = W⁽¹⁾x + b⁽¹⁾,  z⁽¹⁾ = σ(a⁽¹⁾),  a⁽²⁾ = W⁽²⁾z⁽¹⁾ + b⁽²⁾,  h = σ(a⁽²⁾)
    /// δ⁽²⁾ = (h − y) ⊙ σ′(a⁽²⁾),  δ⁽¹⁾ = σ′(a⁽¹⁾) ⊙ W⁽²⁾ᵀδ⁽²⁾,  ∂E/∂W⁽ˡ⁾ = δ⁽ˡ⁾ z⁽ˡ⁻¹⁾ᵀ
    /// ```
    public static func sigmoid222Matrix(format: ExplanationFormat = .text) -> Walkthrough {
        let x = [0.05, 0.10], y = [0.01, 0.99], eta = 0.5
        let w1 = [[0.25, 0.30], [0.15, 0.20]], b1 = [0.35, 0.35]
        let w2 = [[0.45, 0.40], [0.50, 0.55]], b2 = [0.60, 0.60]
        let net = LayeredNetwork(inputs: x, weights: [w1, w2], biases: [b1, b2],
                                 activations: [.sigmoid, .sigmoid], targets: y, naming: .bishop)
        let s = NetworkSections(net, format: format)
        net.loss.backward()
        let m = MatrixNotation(format: format, decimals: 4)
        let hidden = net.layers[0], out = net.layers[1]
        let a1 = hidden.sums.map(\.value), z1 = hidden.outputs.map(\.value)
        let a2 = out.sums.map(\.value), h = out.outputs.map(\.value)
        let views = DeltaView(net)
        let d2 = views.deltas[1], d1 = views.deltas[0]
        let adj = adjoints(of: net.loss)
        let residual = out.outputs.map { adj[$0.id] ?? .nan }          // ∂E_n/∂h = h − y
        let gW2 = out.weights.map { $0.map(\.grad) }, gW1 = hidden.weights.map { $0.map(\.grad) }
        let sym = { (t: String, x: String) in m.symbol(t, x) }

        var sections: [(heading: String, body: String)] = []
        sections.append(("Setup", [
            "A 2-2-2 network, sigmoid everywhere, in the document's notation: pre-activations a, activations z, output h.",
            m.equation("\(sym("W(1)", "\\mathbf{W}^{(1)}")) = \(m.matrix(w1)), \(sym("b(1)", "\\mathbf{b}^{(1)}")) = \(m.column(b1)), \(sym("W(2)", "\\mathbf{W}^{(2)}")) = \(m.matrix(w2)), \(sym("b(2)", "\\mathbf{b}^{(2)}")) = \(m.column(b2))"),
            m.equation("x = \(m.column(x)), y = \(m.column(y))"),
            "E_n = ½‖h − y‖² for back-propagation (part c asks for ‖h − y‖² without ½). No learning rate is printed: the update uses η = 0.5, our choice.",
            "The numbers are the engine's (a graph of scalar Values arranged as these matrices), shown to 4 decimals.",
        ].joined(separator: "\n")))
        sections.append(("b) Forward pass", [
            m.equation("\(sym("a(1)", "\\mathbf{a}^{(1)}")) = \(sym("W(1)", "\\mathbf{W}^{(1)}"))\(m.times)x + \(sym("b(1)", "\\mathbf{b}^{(1)}")) = \(m.matrix(w1))\(m.times)\(m.column(x)) + \(m.column(b1)) = \(m.column(a1))"),
            m.equation("\(sym("z(1)", "\\mathbf{z}^{(1)}")) = σ(\(sym("a(1)", "\\mathbf{a}^{(1)}"))) = \(m.column(z1))"),
            m.equation("\(sym("a(2)", "\\mathbf{a}^{(2)}")) = \(sym("W(2)", "\\mathbf{W}^{(2)}"))\(m.times)\(sym("z(1)", "\\mathbf{z}^{(1)}")) + \(sym("b(2)", "\\mathbf{b}^{(2)}")) = \(m.matrix(w2))\(m.times)\(m.column(z1)) + \(m.column(b2)) = \(m.column(a2))"),
            m.equation("h = σ(\(sym("a(2)", "\\mathbf{a}^{(2)}"))) = \(m.column(h))"),
            "The same, unit by unit:", s.forward(),
        ].joined(separator: "\n")))
        sections.append(("c) Error", [
            m.equation("h − y = \(m.column(residual))"),
            m.equation("‖h − y‖² = \(fixed(2 * net.loss.value, 4))   (and E_n = ½‖h − y‖² = \(fixed(net.loss.value, 4)))"),
            "The document subtracts y from the input x instead of the output h (see the audit).",
        ].joined(separator: "\n")))
        let sigmaPrime2 = out.outputs.map { $0.localDerivatives[0] }, sigmaPrime1 = hidden.outputs.map { $0.localDerivatives[0] }
        sections.append(("d) Back-propagation in matrix form", [
            "Output local errors: the outputs are sigmoid units, so δ = ∂E_n/∂a⁽²⁾ carries the factor σ′(a⁽²⁾):",
            m.equation("\(sym("δ(2)", "\\boldsymbol{\\delta}^{(2)}")) = (h − y)\(m.hadamard)σ′(\(sym("a(2)", "\\mathbf{a}^{(2)}"))) = \(m.column(residual))\(m.hadamard)\(m.column(sigmaPrime2)) = \(m.column(d2))"),
            "Hidden local errors: the recursion through the transpose of W⁽²⁾:",
            m.equation("\(sym("δ(1)", "\\boldsymbol{\\delta}^{(1)}")) = σ′(\(sym("a(1)", "\\mathbf{a}^{(1)}")))\(m.hadamard)\(sym("W(2)ᵀ", "\\mathbf{W}^{(2)T}"))\(sym("δ(2)", "\\boldsymbol{\\delta}^{(2)}")) = \(m.column(sigmaPrime1))\(m.hadamard)\(m.matrix(transpose(w2)))\(m.times)\(m.column(d2)) = \(m.column(d1))"),
            "Weight derivatives as outer products (the engine's gradients, identical):",
            m.equation("∂E_n/∂\(sym("W(2)", "\\mathbf{W}^{(2)}")) = \(sym("δ(2)", "\\boldsymbol{\\delta}^{(2)}"))\(sym("z(1)ᵀ", "\\mathbf{z}^{(1)T}")) = \(m.column(d2))\(m.times)\(m.row(z1)) = \(m.matrix(gW2))"),
            m.equation("∂E_n/∂\(sym("W(1)", "\\mathbf{W}^{(1)}")) = \(sym("δ(1)", "\\boldsymbol{\\delta}^{(1)}"))xᵀ = \(m.column(d1))\(m.times)\(m.row(x)) = \(m.matrix(gW1))"),
            "One weight's chain rule, path by path:",
            s.chainRule(for: [out.weights[0][0], hidden.weights[0][0]]),
        ].joined(separator: "\n")))
        sections.append(("The δ view: one local error per unit", views.rendered(format)))
        sections.append(("Numerical gradient check (central differences)", s.gradientCheck().0))
        let (updateText, updated, after) = s.update(learningRate: eta)
        sections.append(("Update W′ ← W − η ∂E_n/∂W (η = 0.5: our choice, the document gives none)", updateText))

        // Audit: the printed numbers.
        let sigma = { (v: Double) in 1 / (1 + Foundation.exp(-v)) }
        let docHidden1: Double = sigma(0.39) * (1 - sigma(0.39)) * (0.45 * 0.74 + 0.50 * -0.22)
        let docHidden2: Double = sigma(0.38) * (1 - sigma(0.38)) * (0.40 * 0.74 + 0.55 * -0.22)
        let propagated = "propagated from the output deltas that miss σ′"
        var audit: [AuditEntry] = [
            AuditEntry("a^{(1)}_1", printed: "0.39", computed: a1[0]),
            AuditEntry("a^{(1)}_2", printed: "0.38", computed: a1[1]),
            AuditEntry("z^{(1)}_1 = σ(a^{(1)}_1)", printed: "0.60", computed: z1[0]),
            AuditEntry("z^{(1)}_2 = σ(a^{(1)}_2)", printed: "0.59", computed: z1[1]),
            AuditEntry("a^{(2)}_1", printed: "1.11", computed: a2[0]),
            AuditEntry("a^{(2)}_2", printed: "1.22", computed: a2[1]),
            AuditEntry("h_1 = σ(a^{(2)}_1)", printed: "0.75", computed: h[0]),
            AuditEntry("h_2 = σ(a^{(2)}_2)", printed: "0.77", computed: h[1]),
            AuditEntry("c) (h_W(x) − y)_1", printed: "0.04", computed: residual[0],
                       cause: "the input x was subtracted instead of the output h", documentMethod: ("x_1 − y_1", x[0] - y[0])),
            AuditEntry("c) (h_W(x) − y)_2", printed: "-0.89", computed: residual[1],
                       cause: "x used instead of h", documentMethod: ("x_2 − y_2", x[1] - y[1])),
            AuditEntry("c) error |h_W(x) − y|²", printed: "0.79", computed: 2 * net.loss.value,
                       cause: "‖x − y‖² was computed instead of ‖h − y‖²",
                       documentMethod: ("|x − y|²", (x[0] - y[0]) * (x[0] - y[0]) + (x[1] - y[1]) * (x[1] - y[1]))),
            AuditEntry("d) δ^{(2)}_1 (printed as 0.75 − 0.01)", printed: "0.74", computed: d2[0],
                       cause: "δ = h − y holds for linear outputs; these are sigmoid units, so δ = (h − y)·σ′(a⁽²⁾)",
                       documentMethod: ("h_1 − y_1, no σ′", residual[0])),
            AuditEntry("d) δ^{(2)}_2 (printed as 0.77 − 0.99)", printed: "-0.22", computed: d2[1],
                       cause: "the factor σ′(a⁽²⁾_2) is missing", documentMethod: ("h_2 − y_2, no σ′", residual[1])),
            AuditEntry("d) δ^{(1)}_1", printed: "0.05", computed: d1[0], cause: propagated,
                       documentMethod: ("σ(0.39)(1−σ(0.39))(0.45·0.74 + 0.50·(−0.22))", docHidden1)),
            AuditEntry("d) δ^{(1)}_2", printed: "0.03", computed: d1[1],
                       cause: propagated + ", and an arithmetic slip: the printed expression itself gives 0.04",
                       documentMethod: ("σ(0.38)(1−σ(0.38))(0.40·0.74 + 0.55·(−0.22))", docHidden2)),
            AuditEntry("d) ∂E_n/∂w^{(2)}_{11} = δ^{(2)}_1 z^{(1)}_1", printed: "0.44", computed: gW2[0][0], cause: propagated,
                       documentMethod: ("0.74 × 0.60", 0.74 * 0.60)),
            AuditEntry("d) ∂E_n/∂w^{(2)}_{12} = δ^{(2)}_1 z^{(1)}_2", printed: "0.44", computed: gW2[0][1], cause: propagated,
                       documentMethod: ("0.74 × 0.59", 0.74 * 0.59)),
            AuditEntry("d) ∂E_n/∂w^{(2)}_{21} = δ^{(2)}_2 z^{(1)}_1", printed: "-13.2", computed: gW2[1][0],
                       cause: propagated + "; and off by 100 (−0.132 printed as −13.2: a lost ·10⁻²)",
                       documentMethod: ("−0.22 × 0.60", -0.22 * 0.60)),
            AuditEntry("d) ∂E_n/∂w^{(2)}_{22} = δ^{(2)}_2 z^{(1)}_2", printed: "-12.8", computed: gW2[1][1],
                       cause: propagated + "; the lost ·10⁻², and −0.22 × 0.59 is −0.1298, not −0.128",
                       documentMethod: ("−0.22 × 0.59", -0.22 * 0.59)),
            AuditEntry("d) x_2 as written in (x_1, x_2) = (0.05, 0.01)", printed: "0.01", computed: net.inputs[1].value,
                       cause: "copying error: x_2 = 0.10"),
            AuditEntry("d) ∂E_n/∂w^{(1)}_{11} = δ^{(1)}_1 x_1", printed: "2.5·10^-3", computed: gW1[0][0], cause: propagated,
                       documentMethod: ("0.05 × 0.05", 0.05 * 0.05)),
            AuditEntry("d) ∂E_n/∂w^{(1)}_{12} = δ^{(1)}_1 x_2", printed: "5·10^-4", computed: gW1[0][1],
                       cause: propagated + "; x_2 miscopied as 0.01", documentMethod: ("0.05 × 0.01", 0.05 * 0.01)),
            AuditEntry("d) ∂E_n/∂w^{(1)}_{21} = δ^{(1)}_2 x_1", printed: "1.5·10^-3", computed: gW1[1][0],
                       cause: propagated + "; δ⁽¹⁾_2 itself mis-evaluated", documentMethod: ("0.03 × 0.05", 0.03 * 0.05)),
            AuditEntry("d) ∂E_n/∂w^{(1)}_{22} = δ^{(1)}_2 x_2", printed: "3·10^-4", computed: gW1[1][1],
                       cause: propagated + "; x_2 miscopied as 0.01", documentMethod: ("0.03 × 0.01", 0.03 * 0.01)),
        ]
        audit += sigmoid222MatrixFormulaAudit(net, views, lossAfterUpdate: after)
        return Walkthrough(
            id: "sigmoid-222-matrix",
            title: "The matrix-form exercise of the Deep Learning notes: a 2-2-2 sigmoid network, parts b) to d)",
            source: #""Machine Learning, Session 10: Deep Learning", section "Network training", the 2-2-2 sigmoid example in matrix form"#,
            sections: sections, audit: audit,
            parameters: [("x", .array(x.map(JSONValue.number))), ("y", .array(y.map(JSONValue.number))),
                         ("W1", .matrix(w1)), ("b1", .array(b1.map(JSONValue.number))),
                         ("W2", .matrix(w2)), ("b2", .array(b2.map(JSONValue.number))),
                         ("learningRate", .number(eta)),
                         ("learningRateNote", .string("not printed in the document; 0.5 is our choice"))],
            forward: s.forwardValues(), loss: net.loss.value, gradients: s.gradients(), updated: updated, graph: net.loss)
    }

    /// The formulas of the exercise, evaluated as printed and compared with the engine.
    static func sigmoid222MatrixFormulaAudit(_ net: LayeredNetwork, _ views: DeltaView, lossAfterUpdate after: Double) -> [AuditEntry] {
        let hidden = net.layers[0], out = net.layers[1]
        let x = net.inputs.map(\.value), y = net.targets
        let sigma = { (v: Double) in 1 / (1 + Foundation.exp(-v)) }
        // The forward pass by plain arithmetic, as the document writes it.
        let w1 = hidden.weights.map { $0.map(\.value) }, w2 = out.weights.map { $0.map(\.value) }
        let z1 = (0..<2).map { j in sigma(w1[j][0] * x[0] + w1[j][1] * x[1] + hidden.biases[j].value) }
        let h1: Double = sigma(w2[0][0] * z1[0] + w2[0][1] * z1[1] + out.biases[0].value)
        // Linear ("canonical") outputs on the same weights: δ should be h − y.
        let linear = LayeredNetwork(inputs: x, weights: [w1, w2], biases: [hidden.biases.map(\.value), out.biases.map(\.value)],
                                    activations: [.sigmoid, .identity], targets: y, naming: .bishop)
        let linearDelta = DeltaView(linear).deltas[1][0]
        let jac = adjoints(of: out.sums[0])[hidden.sums[0].id] ?? .nan
        var weightGap = 0.0
        for (l, layer) in net.layers.enumerated() {
            let below = l == 0 ? x : hidden.outputs.map(\.value)
            for (j, row) in layer.weights.enumerated() {
                for (i, w) in row.enumerated() { weightGap = max(weightGap, Swift.abs(views.recursion[l][j] * below[i] - w.grad)) }
            }
        }
        return [
            AuditEntry(formula: "forward pass / error definition",
                       printed: "a^{(1)} = W^{(1)} x + b^{(1)}, z^{(1)} = σ(a^{(1)}), a^{(2)} = W^{(2)} z^{(1)} + b^{(2)}, h = σ(a^{(2)}); error = |h − y|²",
                       documentValue: h1, computed: out.outputs[0].value, evidence: "h_1 by plain arithmetic vs the engine"),
            AuditEntry(formula: "output formula typo", printed: "h = \\sigma(a^{(2)}) = \\frac{1}{1 + e^{-a^{(1)}}}",
                       documentValue: sigma(hidden.sums[0].value), computed: out.outputs[0].value, evidence: "h_1 with a^{(1)}_1 in the exponent",
                       cause: "typo: the exponent should be −a^{(2)} (as on the other slides); harmless for the numbers"),
            AuditEntry(formula: "output local error used in the example",
                       printed: "\\delta_1^{(2)} = h_1 - y_1,  \\delta_2^{(2)} = h_2 - y_2  (for sigmoid output units)",
                       documentValue: out.outputs[0].value - y[0], computed: views.deltas[1][0], evidence: "δ^{(2)}_1",
                       cause: "valid only for linear outputs (the document's own 'canonical' rule); sigmoid outputs need the factor σ′(a^{(2)})"),
            AuditEntry(formula: "canonical output local error",
                       printed: "\\partial E_n/\\partial a_j^{(\\ell)} = (h_k(x) - y^{(n)})  (output without nonlinearity)",
                       documentValue: linear.outputs[0].value - y[0], computed: linearDelta, evidence: "the same weights with linear outputs, δ_1"),
            AuditEntry(formula: "hidden local error", printed: "\\delta_j^{(\\ell)} = \\sigma'(a_j^{(\\ell)}) \\sum_k w_{kj}^{(\\ell+1)} \\delta_k^{(\\ell+1)}",
                       largestDifference: views.largestDiscrepancy, evidence: "largest |recursion − engine adjoint|"),
            AuditEntry(formula: "chain pieces",
                       printed: "\\partial a_k^{(\\ell+1)}/\\partial a_j^{(\\ell)} = w_{kj}^{(\\ell+1)} \\sigma'(a_j^{(\\ell)}); \\partial a_j/\\partial w_{ji} = z_i^{(\\ell-1)}",
                       documentValue: out.weights[0][0].value * hidden.outputs[0].localDerivatives[0], computed: jac,
                       evidence: "∂a^{(2)}_1/∂a^{(1)}_1"),
            AuditEntry(formula: "weight derivative",
                       printed: "\\partial E_n/\\partial w_{ji}^{(\\ell)} = \\delta_j^{(\\ell)} z_i^{(\\ell-1)};  \\partial E_n/\\partial W = \\delta z^T",
                       largestDifference: weightGap, evidence: "largest |δ zᵀ − engine gradient| over the 8 weights"),
            AuditEntry(claim: "update rule", printed: "W' \\leftarrow W - \\eta \\, \\partial E_n/\\partial W",
                       holds: after < net.loss.value, computed: after,
                       note: "one step with η = 0.5 (our choice) lowers E_n from \(fixed(net.loss.value, 6)) to \(fixed(after, 6))"),
        ]
    }
}

/// The transpose of a matrix given by rows.
func transpose(_ m: [[Double]]) -> [[Double]] {
    guard let first = m.first else { return [] }
    return first.indices.map { j in m.map { $0[j] } }
}
