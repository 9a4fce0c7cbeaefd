import Backprop
import Foundation

extension Walkthrough {
    /// `sigmoid-222`: the 2-2-2 sigmoid network of the EE514/CS535 notes
    /// (`001_6bc762e58b165d6e.txt`): inputs 0.05, 0.10, targets 0.01, 0.99, loss
    /// ½‖ỹ − y‖²; forward pass, the two chain-rule examples, the δ view, a numerical
    /// check, one update with η = 0.5 (the document gives no learning rate), and an
    /// audit of its numbers and of every formula it prints.
    public static func sigmoid222(format: ExplanationFormat = .text) -> Walkthrough {
        let x = [0.05, 0.10], y = [0.01, 0.99], eta = 0.5
        let w1 = [[0.15, 0.20], [0.25, 0.30]], b1 = [0.35, 0.35]
        let w2 = [[0.40, 0.45], [0.50, 0.55]], b2 = [0.60, 0.60]
        let net = LayeredNetwork(inputs: x, weights: [w1, w2], biases: [b1, b2],
                                 activations: [.sigmoid, .sigmoid], targets: y, naming: .bracket)
        let s = NetworkSections(net, format: format)
        net.loss.backward()
        let h = net.layers[0], o = net.layers[1]
        let wOut11 = o.weights[0][0], wIn11 = h.weights[0][0]

        var sections: [(heading: String, body: String)] = []
        sections.append(("Setup", [
            "A 2-2-2 network with sigmoid units g(z) = σ(z) = 1/(1 + e^(−z)); w[l]_ji joins input i to unit j of layer l,",
            "so z[l] = W[l]·a[l−1] + b[l]. Loss L = ½‖ỹ − y‖² with ỹ = a[2] (the document's symbolic loss is garbled; see the audit).",
            "x = (0.05, 0.10), y = (0.01, 0.99); W[1] = [[0.15, 0.20], [0.25, 0.30]], b[1] = (0.35, 0.35);",
            "W[2] = [[0.40, 0.45], [0.50, 0.55]], b[2] = (0.60, 0.60).",
            "The document prints no learning rate and no update: we use η = 0.5 (our choice, stated wherever it is used).",
            "Every number below is computed by the engine from a graph of scalar Values.",
        ].joined(separator: "\n")))
        sections.append(("Forward pass", s.forward()))
        sections.append(("Loss", s.loss()))
        sections.append(("Backward pass: the chain rule", [
            "The document's first example: one path from L back to w[2]_11.",
            s.chainRule(for: [wOut11]),
            "Its second example: w[1]_11 reaches L through both outputs, so two paths are summed.",
            s.chainRule(for: [wIn11]),
            "One backward pass gives every gradient at once, reusing the shared factors:",
            s.gradientList(),
        ].joined(separator: "\n")))
        let deltaView = DeltaView(net)
        sections.append(("The δ view: one local error per unit", deltaView.rendered(format)))
        let (checkText, _) = s.gradientCheck()
        sections.append(("Numerical gradient check (central differences)", checkText))
        let (updateText, updated, _) = s.update(learningRate: eta)
        sections.append(("Update (η = 0.5: our choice, the document gives none)", updateText))

        // Audit: numbers.
        let aOut1 = o.outputs[0], zOut1 = o.sums[0]
        let adj = adjoints(of: net.loss)
        var audit: [AuditEntry] = [
            AuditEntry("z_1^{[1]}", printed: "0.3775", computed: h.sums[0].value),
            AuditEntry("a_1^{[1]} = g(0.3775)", printed: "0.5933", computed: h.outputs[0].value),
            AuditEntry("z_2^{[1]}", printed: "0.3925", computed: h.sums[1].value),
            AuditEntry("a_2^{[1]} = g(0.3925)", printed: "0.5969", computed: h.outputs[1].value),
            AuditEntry("z_1^{[2]}", printed: "1.106", computed: zOut1.value),
            AuditEntry("a_1^{[2]} = ỹ^{(1)} = g(1.106)", printed: "0.7514", computed: aOut1.value),
            AuditEntry("z_2^{[2]}", printed: "1.225", computed: o.sums[1].value),
            AuditEntry("a_2^{[2]} = ỹ^{(2)} = g(1.225)", printed: "0.7729", computed: o.outputs[1].value),
            AuditEntry("loss ℒ = ½‖(0.01, 0.99) − (0.7514, 0.7729)‖²", printed: "0.2984", computed: net.loss.value),
            AuditEntry("∂ℒ/∂ỹ^{(1)} = ỹ^{(1)} − y^{(1)}", printed: "0.7414", computed: adj[aOut1.id] ?? .nan),
            AuditEntry("∂ỹ^{(1)}/∂z_1^{[2]} = σ(z)(1−σ(z))", printed: "0.1868", computed: aOut1.localDerivatives[0]),
            AuditEntry("∂z_1^{[2]}/∂w_{1,1}^{[2]} = a_1^{[1]}", printed: "0.5933",
                       computed: ChainRuleExplanation(of: zOut1, withRespectTo: wOut11).total),
        ]
        audit += sigmoid222FormulaAudit(net, deltaView)
        let p = s.gradients()
        return Walkthrough(
            id: "sigmoid-222",
            title: "Backpropagation, step by step: the 2-2-2 sigmoid network of EE514/CS535",
            source: #""Machine Learning EE514 – CS535: Neural Networks" (Z. Khalid, LUMS), section "Back Propagation – Example""#,
            sections: sections, audit: audit,
            parameters: [("x", .array(x.map(JSONValue.number))), ("y", .array(y.map(JSONValue.number))),
                         ("W1", .matrix(w1)), ("b1", .array(b1.map(JSONValue.number))),
                         ("W2", .matrix(w2)), ("b2", .array(b2.map(JSONValue.number))),
                         ("learningRate", .number(eta)),
                         ("learningRateNote", .string("not printed in the document; 0.5 is our choice"))],
            forward: s.forwardValues(), loss: net.loss.value, gradients: p, updated: updated, graph: net.loss)
    }

    /// The formulas of document 001, each evaluated as printed on this network (or at
    /// the point the note names) and compared with the engine.
    static func sigmoid222FormulaAudit(_ net: LayeredNetwork, _ deltas: DeltaView) -> [AuditEntry] {
        let h = net.layers[0], o = net.layers[1]
        let x = net.inputs.map(\.value), y = net.targets
        let yt = o.outputs.map(\.value), a1 = h.outputs.map(\.value)
        let e1: Double = (yt[0] - y[0]) * (yt[0] - y[0]), e2: Double = (yt[1] - y[1]) * (yt[1] - y[1])
        let printedLoss: Double = 0.5 * (e1 - e2) * (e1 - e2)
        let withX: Double = o.weights[0][0].value * x[0] + o.weights[0][1].value * x[1] + o.biases[0].value
        let z21 = o.sums[0].value
        let sigma = { (z: Double) in 1 / (1 + Foundation.exp(-z)) }
        // The two five-factor paths, multiplied out by hand from the node values.
        let s1 = yt[0] * (1 - yt[0]), s2 = yt[1] * (1 - yt[1]), sh = a1[0] * (1 - a1[0])
        let path1: Double = (yt[0] - y[0]) * s1 * o.weights[0][0].value * sh * x[0]
        let path2: Double = (yt[1] - y[1]) * s2 * o.weights[1][0].value * sh * x[0]
        let twoPaths = path1 + path2
        // Key equations: δ aᵀ, δ, the recursion and the base case against the engine.
        var weightGap = 0.0, biasGap = 0.0
        for (l, layer) in net.layers.enumerated() {
            let below = l == 0 ? x : a1
            for (j, row) in layer.weights.enumerated() {
                for (i, w) in row.enumerated() { weightGap = max(weightGap, Swift.abs(deltas.recursion[l][j] * below[i] - w.grad)) }
                biasGap = max(biasGap, Swift.abs(deltas.recursion[l][j] - layer.biases[j].grad))
            }
        }
        var baseGap = 0.0
        for k in 0..<2 {
            let formula: Double = (yt[k] - y[k]) * yt[k] * (1 - yt[k])
            baseGap = max(baseGap, Swift.abs(formula - deltas.deltas[1][k]))
        }
        var jacobianGap = 0.0
        for k in 0..<2 {
            let adj = adjoints(of: o.sums[k])
            for j in 0..<2 { jacobianGap = max(jacobianGap, Swift.abs((adj[h.outputs[j].id] ?? .nan) - o.weights[k][j].value)) }
        }
        // Log loss at a = 0.7: as printed, and correctly bracketed through the engine.
        let a = Value(0.7, label: "a")
        let correctLogLoss0 = -1.0 * (1.0 - a).log()          // y = 0: −[0·log a + 1·log(1 − a)]
        let printedLogLoss0: Double = -0.0 * Foundation.log(0.7) + 1.0 * Foundation.log(0.3)   // y = 0
        let a2 = Value(0.7, label: "a")
        let logLoss1 = -1.0 * (1.0 * a2.log() + 0.0 * (1.0 - a2).log())      // y = 1
        logLoss1.backward()
        let printedDerivative: Double = -(1.0 / 0.7 - 0.0 / 0.3)
        // Activations at z = 0.7.
        let z = Value(0.7, label: "z"), sz = z.sigmoid()
        sz.backward()
        let t = Value(0.7, label: "z"), tz = t.tanh()
        tz.backward()
        let twoSigma = 2 * (2 * Value(0.7)).sigmoid() - 1
        let ez = Foundation.exp(0.7), emz = Foundation.exp(-0.7)
        // A linear hidden unit back-propagates: ∂/∂w of (y − v·(w·x))² is nonzero and checks.
        let linear = checkGradients(at: [0.8, -0.6], labels: ["w", "v"]) { p in
            let hidden = p[0] * 1.5              // identity activation, g′ = 1
            return (0.3 - p[1] * hidden).squared()
        }
        // Dimension bookkeeping on a seeded 3-4-3-1 sigmoid network.
        var rng = SplitMix64(seed: 417)
        let shapes = [(4, 3), (3, 4), (1, 3)]
        let random = LayeredNetwork(
            inputs: [0.5, -0.2, 0.9],
            weights: shapes.map { r, c in (0..<r).map { _ in (0..<c).map { _ in rng.nextDouble(in: -1...1) } } },
            biases: shapes.map { r, _ in (0..<r).map { _ in rng.nextDouble(in: -1...1) } },
            activations: [.sigmoid, .sigmoid, .sigmoid], targets: [1], naming: .bracket)
        let randomCheck = random.gradientCheck()
        let gradShapes = random.layers.map { ($0.weights.count, $0.weights[0].count) }
        let shapesHold = zip(gradShapes, shapes).allSatisfy { $0 == $1 } && randomCheck.passed

        return [
            AuditEntry(formula: "loss function (vector output)",
                       printed: "\\mathcal{L} = \\frac{1}{2} \\|(\\tilde{y}^{(1)} - y^{(1)})^2 - (\\tilde{y}^{(2)} - y^{(2)})^2\\|^2",
                       documentValue: printedLoss, computed: net.loss.value, evidence: "evaluated on this network",
                       cause: "a difference of squared errors, squared again; the intended ½‖ỹ − y‖² is what 0.2984 uses"),
            AuditEntry(formula: "output pre-activation", printed: "z_1^{[2]} = \\mathbf{w}_1^{[2]T} \\mathbf{x} + b_1^{[2]}  (same for z_2^{[2]})",
                       documentValue: withX, computed: z21, evidence: "z_1^{[2]} with x as printed",
                       cause: "typo: the second layer takes a^{[1]}, not x; the printed 1.106 uses a^{[1]}"),
            AuditEntry(formula: "sigmoid-derivative factor notation", printed: "\\sigma(\\partial z_1^{[2]})(1 - \\sigma(\\partial z_1^{[2]}))",
                       documentValue: sigma(z21) * (1 - sigma(z21)), computed: o.outputs[0].localDerivatives[0],
                       evidence: "σ(z)(1 − σ(z)) at z_1^{[2]}, reading the stray ∂ as extraction noise"),
            AuditEntry(formula: "last chain factor notation", printed: "\\partial z_1^{[2]}/\\partial w_{1,1}^{[2]} = a_1^{[a]}",
                       documentValue: a1[0], computed: ChainRuleExplanation(of: o.sums[0], withRespectTo: o.weights[0][0]).total,
                       evidence: "a_1^{[1]} (the superscript [a] read as [1])"),
            AuditEntry(formula: "two-path chain rule for ∂ℒ/∂w_{1,1}^{[1]}",
                       printed: "\\partial L/\\partial w_{1,1}^{[1]} = (\\partial L/\\partial \\tilde y^{(1)})(\\partial \\tilde y^{(1)}/\\partial z_1^{[2]})(\\partial z_1^{[2]}/\\partial a_1^{[1]})(\\partial a_1^{[1]}/\\partial z_1^{[1]})(\\partial z_1^{[1]}/\\partial w_{1,1}^{[1]}) + (same through \\tilde y^{(2)}, z_2^{[2]})",
                       documentValue: twoPaths, computed: h.weights[0][0].grad, evidence: "the two products multiplied out by hand vs the backward pass"),
            AuditEntry(formula: "key equation: weight gradient", printed: "\\partial L/\\partial W^{[\\ell]} = \\partial L/\\partial z^{[\\ell]} \\, a^{[\\ell-1]T}",
                       largestDifference: weightGap, evidence: "largest |δ aᵀ − engine gradient| over the 8 weights"),
            AuditEntry(formula: "key equation: bias gradient", printed: "\\partial L/\\partial b^{[\\ell]} = \\partial L/\\partial z^{[\\ell]}",
                       largestDifference: biasGap, evidence: "largest |δ − engine gradient| over the 4 biases"),
            AuditEntry(formula: "key equation: delta recursion",
                       printed: "\\partial L/\\partial z^{[\\ell]} = (W^{[\\ell+1]T} \\partial L/\\partial z^{[\\ell+1]}) \\odot g'(z^{[\\ell]})",
                       largestDifference: deltas.largestDiscrepancy, evidence: "largest |recursion − engine adjoint of z|"),
            AuditEntry(formula: "key equation: base case",
                       printed: "\\partial L/\\partial z^{[L]} = \\partial L/\\partial a^{[L]} \\odot g'(z^{[L]}),  with  \\partial L/\\partial a^{[L]} = a^{[L]} - y",
                       largestDifference: baseGap, evidence: "largest |(a − y)·g′(z) − engine δ| over the outputs"),
            AuditEntry(formula: "Jacobian of z w.r.t. previous activation", printed: "\\partial z^{[\\ell+1]}/\\partial a^{[\\ell]} = W^{[\\ell+1]}",
                       largestDifference: jacobianGap, evidence: "largest |engine ∂z_k/∂a_j − W_kj|"),
            AuditEntry(formula: "∂z/∂W notation", printed: "\\partial z^{[\\ell]}/\\partial W^{[\\ell]} = a^{[\\ell-1]}",
                       documentValue: a1[1], computed: ChainRuleExplanation(of: o.sums[0], withRespectTo: o.weights[0][1]).total,
                       evidence: "∂z_1^{[2]}/∂w_{1,2}^{[2]} = a_2^{[1]}"),
            AuditEntry(claim: "dimension bookkeeping",
                       printed: "(4×1) = (4×3)(3×1) + (4×1); (3×1) = (3×4)(4×1)+(3×1); (1×1) = (1×3)(3×1)+(1×1); W^{[1]} 4×3, W^{[2]} 3×4, W^{[3]} 1×3",
                       holds: shapesHold, computed: Double(random.parameters.all.count),
                       note: "a seeded 3-4-3-1 sigmoid network: gradient shapes \(gradShapes.map { "\($0.0)×\($0.1)" }.joined(separator: ", ")), gradient check \(randomCheck.passed ? "passed" : "FAILED") for all \(random.parameters.all.count) parameters"),
            AuditEntry(formula: "log-loss (cross entropy)", printed: "\\mathcal{L} = -y \\log a^{[L]} + (1 - y) \\log (1 - a^{[L]})",
                       documentValue: printedLogLoss0, computed: correctLogLoss0.value, evidence: "at a = 0.7, y = 0",
                       cause: "missing brackets: −[y log a + (1 − y) log(1 − a)]; as printed the loss is negative and falls as the prediction worsens"),
            AuditEntry(formula: "log-loss derivative", printed: "\\partial L/\\partial a^{[L]} = -(y/a^{[L]} - (1 - y)/(1 - a^{[L]}))",
                       documentValue: printedDerivative, computed: a2.grad, evidence: "at a = 0.7, y = 1, engine gradient of the bracketed log loss"),
            AuditEntry(formula: "sigmoid derivative", printed: "g'(z) = g(z)(1 - g(z))",
                       documentValue: sigma(0.7) * (1 - sigma(0.7)), computed: z.grad, evidence: "at z = 0.7"),
            AuditEntry(formula: "tanh identities", printed: "\\tanh(z) = 2\\sigma(2z) - 1 = \\frac{2}{1 + e^{-2z}} - 1 = \\frac{e^z - e^{-z}}{e^z + e^{-z}}",
                       documentValue: twoSigma.value, computed: tz.value, tolerance: 1e-12,
                       evidence: "at z = 0.7 (the last form gives \(String(format: "%.12g", (ez - emz) / (ez + emz))))"),
            AuditEntry(formula: "tanh derivative", printed: "g'(z) = 1 - (g(z))^2",
                       documentValue: 1 - tz.value * tz.value, computed: t.grad, evidence: "at z = 0.7"),
            AuditEntry(claim: "claim about linear activation", printed: "Constant derivative, g'(z) = α; cannot be used for backpropagation.",
                       holds: !linear.passed || linear.entries[0].analytic == 0, computed: linear.entries[0].analytic,
                       note: "a linear hidden unit back-propagates fine: in (0.3 − v·(1.5w))² the engine gives ∂/∂w = \(String(format: "%.6g", linear.entries[0].analytic)), central differences agree (check \(linear.passed ? "passed" : "failed")); the real limitation is that stacked linear layers collapse to one linear map"),
            AuditEntry(claim: "input-layer notation", printed: "\\mathbf{a}^{[\\ell]} = \\mathbf{x} input layer",
                       holds: a1[0] == x[0], computed: a1[0],
                       note: "typo: the input layer is a^{[0]} = x; a^{[1]}_1 = \(fixed(a1[0], 4)) ≠ x_1 = \(x[0]) (the later notation slide has a^{[0]})"),
        ]
    }
}
