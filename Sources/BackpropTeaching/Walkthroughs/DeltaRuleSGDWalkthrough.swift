import Backprop
import Foundation

extension Walkthrough {
    /// The SGD notes' naming: inputs x_k, hidden h_m, outputs d̂_g, weights w (into
    /// hidden units) and v (into outputs), biases as weights on x_0 = h_0 = 1, loss f.
    static let sgdNaming = LayeredNetwork.Naming(
        input: { "x_\($0)" }, weight: { $0 == 1 ? "w_\($1)\($2)" : "v_\($1)\($2)" },
        bias: { $0 == 1 ? "w_\($1)0" : "v_\($1)0" }, sum: { $0 == 1 ? "s_h\($1)" : "s_d\($1)" },
        output: { $0 == 1 ? "h_\($1)" : "d̂_\($1)" }, loss: "f")

    /// `delta-rule-sgd`: per-sample SGD with the delta rule (`004_29db0790c259fe54.txt`),
    /// and the algorithm box's variant that computes the hidden δ with the already
    /// updated output weights vᵗ⁺¹, compared with the true gradient on a concrete
    /// network (the 001 network, α = 0.5) and on the lecture-8 network (α = 0.6).
    public static func deltaRuleSGD(format: ExplanationFormat = .text) -> Walkthrough {
        let alpha = 0.5
        let x = [0.05, 0.10], d = [0.01, 0.99]
        let w = [[0.15, 0.20], [0.25, 0.30]], wb = [0.35, 0.35], v = [[0.40, 0.45], [0.50, 0.55]], vb = [0.60, 0.60]
        let net = LayeredNetwork(inputs: x, weights: [w, v], biases: [wb, vb], activations: [.sigmoid, .sigmoid],
                                 targets: d, naming: sgdNaming)
        let s = NetworkSections(net, format: format)
        net.loss.backward()
        let step = DeltaRuleStep(net, alpha: alpha)
        let netB = LayeredNetwork(inputs: [0.1, 0.5], weights: [[[0.1, 0.3], [0.2, 0.4]], [[0.5, 0.6], [0.7, 0.8]]],
                                  biases: [[0.25, 0.25], [0.35, 0.35]], activations: [.sigmoid, .sigmoid],
                                  targets: [0.05, 0.95], naming: sgdNaming)
        let stepB = DeltaRuleStep(netB, alpha: 0.6)
        let views = DeltaView(net)
        let hidden = net.layers[0], out = net.layers[1]
        let eq = { (t: String) in equationLine(t, format) }
        func f(_ t: Double) -> String { fixed(t, 8) }
        func pct(_ t: Double) -> String { String(format: "%+.2f %%", 100 * t) }

        var sections: [(heading: String, body: String)] = []
        sections.append(("Setup", [
            "The notes' model: h_m = σ(Σ_k w_mk x_k), d̂_g = σ(Σ_n h_n v_gn), f = ½ Σ_g (d̂_g − d_g)²; biases are the weights w_m0, v_g0 on x_0 = h_0 = 1.",
            "The notes print no network, so we use the 001 network: x = (0.05, 0.10), d = (0.01, 0.99),",
            "w = [0.15 0.20; 0.25 0.30], w_·0 = 0.35; v = [0.40 0.45; 0.50 0.55], v_·0 = 0.60; α = 0.5 (our choice).",
        ].joined(separator: "\n")))
        sections.append(("Forward pass (one sample i_t)", s.forward()))
        sections.append(("Loss", s.loss()))
        sections.append(("The delta rule, by the chain rule", [
            s.chainRule(for: [out.weights[0][0], hidden.weights[0][0]]),
            "The same through local errors: δ_g = (d̂_g − d_g)·d̂_g·(1 − d̂_g), γ_m = h_m(1 − h_m)·Σ_g δ_g·v_gm:",
            views.rendered(format),
        ].joined(separator: "\n")))
        sections.append(("Numerical gradient check (central differences)", s.gradientCheck().0))
        let (updateText, updated, _) = s.update(learningRate: alpha, what: "one SGD step on this sample")
        sections.append(("SGD update with the true gradient (α = 0.5)", updateText))

        var variant = [
            "The algorithm box updates v first and then computes the hidden δ with vᵗ⁺¹ = vᵗ − α·δ_g·h_m.",
            "That is not the gradient of f at wᵗ: the difference is exactly −α·h_m²(1 − h_m)·Σ_g δ_g².",
            eq("m   true γ_m (engine)   variant γ̃_m        γ̃_m − γ_m          closed form        relative"),
        ]
        for m in 0..<2 {
            let engine = hidden.biases[m].grad    // ∂f/∂w_m0 = γ_m
            variant.append(eq("\(m + 1)   \(f(engine))          \(f(step.variantGamma[m]))         \(f(step.variantGamma[m] - engine))        \(f(step.closedForm[m]))        \(pct(step.relativeError[m]))"))
        }
        variant.append("Per weight ∂f/∂w_mj = γ_m·x_j, so every hidden weight's step is off by the same relative amount.")
        variant.append(eq("loss \(fixed(step.lossBefore, 8)) → true step \(fixed(step.lossAfterTrue, 8)), variant step \(fixed(step.lossAfterVariant, 8))"))
        let sweep = [0.1, 0.5, 1, 2, 5].map { a in "α = \(a): \(pct(DeltaRuleStep(net, alpha: a).relativeError[0]))" }
        variant.append("The relative error of γ_1 grows linearly with α: " + sweep.joined(separator: ", ") + ".")
        variant.append("On the lecture-8 network (x = (0.1, 0.5), d = (0.05, 0.95), α = 0.6): relative errors \(pct(stepB.relativeError[0])) and \(pct(stepB.relativeError[1])).")
        sections.append(("The algorithm box's variant: hidden δ with vᵗ⁺¹", variant.joined(separator: "\n")))
        let run = sgdRun(steps: 4000, alpha: alpha, seed: 2019)
        sections.append(("Per-sample SGD on four samples (seeded i_t)", [
            "Samples x ∈ {0,1}², targets d = (x1 XOR x2, x1 AND x2); start from the weights above; pick i_t with SplitMix64(2019).",
            eq("step    mean f (true gradient)    mean f (variant)"),
        ].joined(separator: "\n") + "\n" + zip(run.trueLoss, run.variantLoss).enumerated().map { k, pair in
            eq(String(format: "%-7d %-25.8f %.8f", k * 1000, pair.0, pair.1))
        }.joined(separator: "\n")))

        // Formula audit.
        let z = Value(0.5, label: "z"), sz = z.sigmoid()
        sz.backward()
        let printedPrime: Double = 1 / ((1 + Foundation.exp(-0.5)) * (1 + Foundation.exp(-0.5)))
        let dHat = out.outputs.map(\.value), h = hidden.outputs.map(\.value)
        let v11 = out.weights[0][0], w11 = hidden.weights[0][0]
        // Non-convexity: f along v_11 at −10 and −4 against the midpoint −7.
        func lossAt(v11 value: Double) -> Double {
            withoutGradients {
                LayeredNetwork(inputs: x, weights: [w, [[value, 0.45], [0.50, 0.55]]], biases: [wb, vb],
                               activations: [.sigmoid, .sigmoid], targets: [0.99, 0.99], naming: sgdNaming).loss.value
            }
        }
        let chord = (lossAt(v11: -10) + lossAt(v11: -4)) / 2, middle = lossAt(v11: -7)
        let audit: [AuditEntry] = [
            AuditEntry(claim: "SGD loop", printed: "pick i_t at random; v^{t+1} = v^t - \\alpha_t \\partial f^{i,t}/\\partial v;  w^{t+1} = w^t - \\alpha_t \\partial f^{i,t}/\\partial w",
                       holds: run.trueLoss.last! < run.trueLoss.first!, computed: run.trueLoss.last!,
                       note: "4000 per-sample steps with engine gradients take the mean loss from \(fixed(run.trueLoss.first!, 6)) to \(fixed(run.trueLoss.last!, 6))"),
            AuditEntry(formula: "sigmoid derivative, first form", printed: "\\sigma'(z) = \\frac{1}{(1+e^{-z})^2}",
                       documentValue: printedPrime, computed: z.grad, evidence: "at z = 0.5",
                       cause: "the numerator e^{−z} is missing (as printed it is σ(z)²); the next equality σ(z)(1 − σ(z)) is right"),
            AuditEntry(formula: "sigmoid derivative, final form",
                       printed: "\\sigma'(z) = \\sigma(z)(1 - \\sigma(z));  \\sigma(\\sum h_n v_{k,n})(1 - \\sigma(\\cdot)) = \\hat d_k (1 - \\hat d_k)",
                       documentValue: dHat[0] * (1 - dHat[0]), computed: out.outputs[0].localDerivatives[0], evidence: "d̂_1(1 − d̂_1)"),
            AuditEntry(formula: "output-weight gradient",
                       printed: "\\partial f^i/\\partial v_{k,e} = (\\hat d_k - d_k) \\hat d_k (1 - \\hat d_k) h_e = \\delta_k h_e",
                       documentValue: step.outputDeltas[0] * h[0], computed: v11.grad, evidence: "∂f/∂v_11"),
            AuditEntry(formula: "output delta (delta rule)", printed: "\\delta_k = (\\hat d_k - d_k) \\hat d_k (1 - \\hat d_k)",
                       documentValue: step.outputDeltas[1], computed: views.deltas[1][1], evidence: "δ_2 vs the engine's ∂f/∂s_d2"),
            AuditEntry(formula: "output-weight update",
                       printed: "v_{k,e}^{t+1} = v_{k,e}^t - \\alpha_t \\delta_k h_e  (algorithm box: v_{k,2}^{t+1} = v_{k,2}^t - \\alpha_t \\delta_k h_g)",
                       documentValue: v11.value - alpha * step.outputDeltas[0] * h[0], computed: v11.value - alpha * v11.grad,
                       evidence: "new v_11 (α = 0.5)"),
            AuditEntry(formula: "chain factors for hidden weights",
                       printed: "\\partial \\hat d_g/\\partial h_m = \\hat d_g (1 - \\hat d_g) v_{g,m};  \\partial h_m/\\partial w_{m,j} = h_m (1 - h_m) x_j",
                       documentValue: dHat[1] * (1 - dHat[1]) * out.weights[1][0].value,
                       computed: adjoints(of: out.outputs[1])[hidden.outputs[0].id] ?? .nan, evidence: "∂d̂_2/∂h_1"),
            AuditEntry(formula: "hidden-weight gradient",
                       printed: "\\partial f^i/\\partial w_{m,j} = \\sum_g (\\hat d_g - d_g) \\hat d_g (1 - \\hat d_g) v_{g,m} h_m (1 - h_m) x_j = \\gamma_m x_j",
                       documentValue: step.trueGamma[0] * x[0], computed: w11.grad, evidence: "∂f/∂w_11"),
            AuditEntry(formula: "algorithm box: hidden delta with updated output weights",
                       printed: "\\delta_m^{it} = \\sum_{g=1}^G \\delta_g^{it} v_{g,m}^{t+1} h_m^{it} (1 - h_m^{it})",
                       documentValue: step.variantGamma[0], computed: hidden.biases[0].grad, evidence: "δ_1 of the hidden layer (α = 0.5)",
                       cause: "uses vᵗ⁺¹ instead of vᵗ: off by −α·h²(1 − h)·Σδ² = \(String(format: "%.6g", step.closedForm[0])) (\(pct(step.relativeError[0]))), growing linearly with α"),
            AuditEntry(formula: "hidden-weight update", printed: "w_m^{t+1} = w_m^t - \\alpha_t \\delta_m^{it} x_j^{it}",
                       documentValue: w11.value - alpha * step.trueGamma[0] * x[0], computed: w11.value - alpha * w11.grad,
                       evidence: "new w_11 with the true δ_1 (the form is right; only the variant δ of the previous line is not)"),
            AuditEntry(claim: "claim", printed: "Cost is a non convex function of weights - converge to local minima",
                       holds: middle > chord, computed: middle - chord,
                       note: "along v_11 (targets 0.99): f(−7) = \(fixed(middle, 6)) lies above the chord (f(−10) + f(−4))/2 = \(fixed(chord, 6)), so f is not convex"),
        ]
        return Walkthrough(
            id: "delta-rule-sgd",
            title: "Per-sample SGD with the delta rule, and the cost of using vᵗ⁺¹ for the hidden δ",
            source: #""The Backpropagation Algorithm for Training Neural Networks", the algorithm box under "Backpropagation involves simple computations""#,
            sections: sections, audit: audit,
            parameters: [("x", .array(x.map(JSONValue.number))), ("d", .array(d.map(JSONValue.number))),
                         ("w", .matrix(w)), ("w0", .array(wb.map(JSONValue.number))),
                         ("v", .matrix(v)), ("v0", .array(vb.map(JSONValue.number))),
                         ("alpha", .number(alpha)),
                         ("variant", .object([("trueGamma", .array(step.trueGamma.map(JSONValue.number))),
                                              ("variantGamma", .array(step.variantGamma.map(JSONValue.number))),
                                              ("relativeError", .array(step.relativeError.map(JSONValue.number))),
                                              ("lossAfterTrueStep", .number(step.lossAfterTrue)),
                                              ("lossAfterVariantStep", .number(step.lossAfterVariant))])),
                         ("note", .string("no network is printed; the 001 network with α = 0.5, our choice"))],
            forward: s.forwardValues(), loss: net.loss.value, gradients: s.gradients(), updated: updated, graph: net.loss)
    }

    /// Per-sample SGD from the walkthrough's weights on four samples, with the true
    /// gradient (engine) and with the algorithm box's variant; mean loss every 1000 steps.
    static func sgdRun(steps: Int, alpha: Double, seed: UInt64) -> (trueLoss: [Double], variantLoss: [Double]) {
        let samples: [([Double], [Double])] = [([0, 0], [0, 0]), ([1, 0], [1, 0]), ([0, 1], [1, 0]), ([1, 1], [0, 1])]
        func start() -> LayeredNetwork.Parameters {
            LayeredNetwork.Parameters(weights: [[[0.15, 0.20], [0.25, 0.30]], [[0.40, 0.45], [0.50, 0.55]]],
                                      biases: [[0.35, 0.35], [0.60, 0.60]], naming: sgdNaming)
        }
        func meanLoss(_ p: LayeredNetwork.Parameters) -> Double {
            withoutGradients {
                samples.reduce(0) { $0 + LayeredNetwork(inputs: $1.0, parameters: p, activations: [.sigmoid, .sigmoid],
                                                        targets: $1.1, naming: sgdNaming).loss.value } / Double(samples.count)
            }
        }
        var result: ([Double], [Double]) = ([], [])
        for useVariant in [false, true] {
            var rng = SplitMix64(seed: seed)
            let p = start()
            var trace = [meanLoss(p)]
            for t in 1...steps {
                let (x, d) = samples[Int(rng.next() % UInt64(samples.count))]
                let net = LayeredNetwork(inputs: x, parameters: p, activations: [.sigmoid, .sigmoid], targets: d, naming: sgdNaming)
                if useVariant {
                    let gamma = DeltaRuleStep(net, alpha: alpha).variantGamma
                    net.loss.backward()     // output-layer gradients are the same δ_g·h_m
                    for (m, row) in p.weights[0].enumerated() {
                        for (j, w) in row.enumerated() { w.grad = gamma[m] * x[j] }
                        p.biases[0][m].grad = gamma[m]
                    }
                } else {
                    net.loss.backward()
                }
                p.descend(learningRate: alpha)
                p.all.zeroGradients()
                if t % 1000 == 0 { trace.append(meanLoss(p)) }
            }
            if useVariant { result.1 = trace } else { result.0 = trace }
        }
        return result
    }
}
