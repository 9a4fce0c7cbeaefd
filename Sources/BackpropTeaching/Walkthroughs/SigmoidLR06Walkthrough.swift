import Backprop
import Foundation

extension Walkthrough {
    /// `sigmoid-222-lr06`: the 2-2-2 sigmoid network of COMP417 Lecture 8
    /// (`003_f2f096adea60b029.txt`): inputs 0.1, 0.5, targets 0.05, 0.95, learning
    /// rate 0.6; forward pass, errors, every chain product, one update of w1…w8.
    ///
    /// The document's figure did not survive, so the weights are read off its printed
    /// arithmetic: w1…w8 = 0.1…0.8, b1 = 0.25, b2 = 0.35.
    public static func sigmoid222LR06(format: ExplanationFormat = .text) -> Walkthrough {
        let p = { NamedParameter($0, $1) }
        let net = SigmoidNetwork222(
            inputs: [0.1, 0.5],
            hidden: [[p("w1", 0.1), p("w3", 0.3)], [p("w2", 0.2), p("w4", 0.4)]],
            output: [[p("w5", 0.5), p("w6", 0.6)], [p("w7", 0.7), p("w8", 0.8)]],
            biases: (p("b1", 0.25), p("b2", 0.35)),
            targets: [0.05, 0.95],
            notation: .init(sum: "sum", output: "output"))
        let eta = 0.6
        let names = NodeNames(graphOf: net.total)
        func f(_ x: Double) -> String { fixed(x, 5) }
        func eq(_ s: String) -> String { format == .text ? "  " + s : (format == .markdown ? "    " + s : s + " \\\\") }

        var sections: [(String, String)] = []
        let w = net.weights
        sections.append(("Setup", [
            "A 2-2-2 network with sigmoid units, σ(x) = 1/(1 + e^(−x)), and error E_total = Σ ½(target − output)².",
            "Inputs i1 = 0.1, i2 = 0.5; targets 0.05, 0.95; learning rate η = 0.6.",
            "Weights, read off the document's arithmetic (its figure is missing):",
            "  " + w.map { "\($0.label!) = \($0.value)" }.joined(separator: ", ") + ", b1 = 0.25, b2 = 0.35",
            "Every line below is computed by the engine from a graph of scalar Values.",
        ].joined(separator: "\n")))

        // 1. Forward pass.
        var forward: [String] = []
        for (j, (sum, out)) in zip(net.hiddenSums, net.hiddenOutputs).enumerated() {
            let wi = net.hiddenWeights[j]
            forward.append(eq("\(names[sum]) = i1·\(names[wi[0]]) + i2·\(names[wi[1]]) + b1 = 0.1·\(wi[0].value) + 0.5·\(wi[1].value) + 0.25 = \(f(sum.value))"))
            forward.append(eq("\(names[out]) = σ(\(names[sum])) = \(f(out.value))"))
        }
        for (k, (sum, out)) in zip(net.outputSums, net.outputs).enumerated() {
            let wk = net.outputWeights[k]
            forward.append(eq("\(names[sum]) = output_h1·\(names[wk[0]]) + output_h2·\(names[wk[1]]) + b2 = \(f(sum.value))"))
            forward.append(eq("\(names[out]) = σ(\(names[sum])) = \(f(out.value))"))
        }
        sections.append(("Forward pass", forward.joined(separator: "\n")))

        sections.append(("Error", [
            eq("E_1 = ½(0.05 − output_o1)² = \(f(net.errors[0].value))"),
            eq("E_2 = ½(0.95 − output_o2)² = \(f(net.errors[1].value))"),
            eq("E_total = E_1 + E_2 = \(f(net.total.value))"),
        ].joined(separator: "\n")))

        // 2. Backward pass: chain rule, factor by factor, as the document does it.
        net.total.backward()
        let showsOutputs: (Value) -> Bool = { v in
            guard let l = v.label else { return false }
            return l.hasPrefix("output_") || l.hasPrefix("sum_")
        }
        var backward: [String] = []
        // LaTeX: one align* block of math lines; text and Markdown: indented lines.
        func chain(_ e: ChainRuleExplanation) -> String {
            format == .latex ? chainRuleBlock([e], format, names: names)
                : e.rendered(format, names: names).split(separator: "\n").map { eq(String($0)) }.joined(separator: "\n")
        }
        backward.append("Output layer: each factor is a local derivative the forward pass stored on the graph.")
        for weight in w[4...7] {
            let e = ChainRuleExplanation(of: net.total, withRespectTo: weight, shows: showsOutputs)
            backward.append(chain(e))
        }
        backward.append("Hidden layer: w1 reaches E_total through both outputs; the document splits the two paths.")
        for error in net.errors {
            let e = ChainRuleExplanation(of: error, withRespectTo: w[0], shows: showsOutputs)
            backward.append(chain(e))
        }
        backward.append(eq("∂E_total/∂w1 = ∂E_1/∂w1 + ∂E_2/∂w1 = \(f(w[0].grad))"))
        backward.append("All gradients (one backward pass computes them together, reusing shared factors):")
        backward.append(eq(net.parameters.map { "∂E/∂\($0.label!) = \(f($0.grad))" }.joined(separator: ", ")))
        sections.append(("Backward pass: the chain rule", backward.joined(separator: "\n")))

        // The δ view, on the same network laid out in layers (one shared bias per layer).
        let layered = LayeredNetwork(
            inputs: [0.1, 0.5], weights: [[[0.1, 0.3], [0.2, 0.4]], [[0.5, 0.6], [0.7, 0.8]]], biases: [[0.25], [0.35]],
            activations: [.sigmoid, .sigmoid], targets: [0.05, 0.95], naming: lr06Naming)
        sections.append(("The δ view: one local error per unit, shared by its weights", DeltaView(layered).rendered(format)))

        // 3. Numerical check.
        let report = checkGradients(at: net.parameters.map(\.value), labels: net.parameters.map { $0.label! }) { q in
            let h1 = (0.1 * q[0] + 0.5 * q[2] + q[8]).sigmoid(), h2 = (0.1 * q[1] + 0.5 * q[3] + q[8]).sigmoid()
            let o1 = (h1 * q[4] + h2 * q[5] + q[9]).sigmoid(), o2 = (h1 * q[6] + h2 * q[7] + q[9]).sigmoid()
            return 0.5 * (0.05 - o1).squared() + 0.5 * (0.95 - o2).squared()
        }
        sections.append(("Numerical gradient check (central differences, ε = 1e-6)", report.description))

        // 4. Update.
        let gradients = w.map(\.grad)
        var update: [String] = []
        for (weight, g) in zip(w, gradients) {
            let old = weight.value
            weight.value = old - eta * g
            update.append(eq("new_\(weight.label!) = \(weight.label!) − η·∂E/∂\(weight.label!) = \(old) − 0.6·\(f(g)) = \(f(weight.value))"))
        }
        let newError = withoutGradients {
            SigmoidNetwork222(inputs: [0.1, 0.5],
                              hidden: [[p("w1", w[0].value), p("w3", w[2].value)], [p("w2", w[1].value), p("w4", w[3].value)]],
                              output: [[p("w5", w[4].value), p("w6", w[5].value)], [p("w7", w[6].value), p("w8", w[7].value)]],
                              biases: (p("b1", 0.25), p("b2", 0.35)), targets: [0.05, 0.95],
                              notation: .init(sum: "sum", output: "output")).total.value
        }
        update.append("The document updates only the weights (the biases stay 0.25 and 0.35). After the step:")
        update.append(eq("E_total = \(f(newError)) (was \(f(net.total.value)))"))
        sections.append(("Update (gradient descent, η = 0.6)", update.joined(separator: "\n")))

        // 5. Audit of every number the document prints.
        let h1 = net.hiddenOutputs[0], o1 = net.outputs[0], o2 = net.outputs[1]
        var audit: [AuditEntry] = [
            AuditEntry("sum_h1", printed: "0.41", computed: net.hiddenSums[0].value),
            AuditEntry("output_h1", printed: "0.60108", computed: h1.value),
            AuditEntry("sum_h2", printed: "0.47", computed: net.hiddenSums[1].value),
            AuditEntry("output_h2", printed: "0.61538", computed: net.hiddenOutputs[1].value),
            AuditEntry("sum_o1", printed: "1.01977", computed: net.outputSums[0].value),
            AuditEntry("output_o1", printed: "0.73492", computed: o1.value),
            AuditEntry("sum_o2", printed: "1.26306", computed: net.outputSums[1].value),
            AuditEntry("output_o2", printed: "0.77955", computed: o2.value),
            AuditEntry("E_1", printed: "0.23456", computed: net.errors[0].value),
            AuditEntry("E_2", printed: "0.01452", computed: net.errors[1].value),
            AuditEntry("E_total", printed: "0.24908", computed: net.total.value),
            AuditEntry("∂E_total/∂output_o1", printed: "0.68492", computed: o1.grad),
            AuditEntry("∂output_o1/∂sum_o1", printed: "0.19480", computed: o1.localDerivatives[0]),
            AuditEntry("∂E_total/∂w5", printed: "0.08020", computed: gradients[4]),
            AuditEntry("∂E_total/∂w6", printed: "0.08211", computed: gradients[5]),
            AuditEntry("∂E_total/∂output_o2", printed: "-0.17044", computed: o2.grad),
            AuditEntry("∂output_o2/∂sum_o2", printed: "0.17184", computed: o2.localDerivatives[0]),
            AuditEntry("∂E_total/∂w7", printed: "-0.01760", computed: gradients[6]),
            AuditEntry("∂E_total/∂w8", printed: "-0.01802", computed: gradients[7]),
            AuditEntry("∂output_h1/∂sum_h1", printed: "0.23978", computed: h1.localDerivatives[0]),
        ]
        let pathE1 = ChainRuleExplanation(of: net.errors[0], withRespectTo: w[0]).total
        let pathE2 = ChainRuleExplanation(of: net.errors[1], withRespectTo: w[0]).total
        audit += [
            AuditEntry("∂E_1/∂w1", printed: "0.00159", computed: pathE1),
            AuditEntry("∂E_2/∂w1", printed: "-0.00049", computed: pathE2),
            AuditEntry("∂E_total/∂w1", printed: "0.00110", computed: gradients[0], fromPrintedInputs: 0.00159 - 0.00049),
        ]
        let printedNew = ["0.09933", "0.19919", "0.29667", "0.39597", "0.45187", "0.55073", "0.71056", "0.81081"]
        for (k, text) in printedNew.enumerated() {
            audit.append(AuditEntry("new w\(k + 1)", printed: text, computed: w[k].value))
        }
        // The three single factors the document prints inside the w1 chains.
        let sumO1 = net.outputSums[0], sumO2 = net.outputSums[1], sumH1 = net.hiddenSums[0]
        audit += [
            AuditEntry("∂sum_o1/∂output_h1", printed: "0.5", computed: ChainRuleExplanation(of: sumO1, withRespectTo: h1).total),
            AuditEntry("∂sum_h1/∂w1", printed: "0.1", computed: ChainRuleExplanation(of: sumH1, withRespectTo: w[0]).total),
            AuditEntry("∂sum_o2/∂output_h1", printed: "0.7", computed: ChainRuleExplanation(of: sumO2, withRespectTo: h1).total),
        ]
        audit = audit.map { $0.referencing(lr06References[$0.quantity] ?? $0.quantity) }
        audit += lr06FormulaAudit(net, gradients: gradients, newError: newError)
        let original = SigmoidNetwork222(
            inputs: [0.1, 0.5],
            hidden: [[p("w1", 0.1), p("w3", 0.3)], [p("w2", 0.2), p("w4", 0.4)]],
            output: [[p("w5", 0.5), p("w6", 0.6)], [p("w7", 0.7), p("w8", 0.8)]],
            biases: (p("b1", 0.25), p("b2", 0.35)), targets: [0.05, 0.95],
            notation: .init(sum: "sum", output: "output"))
        let forwardValues = zip(net.hiddenSums + net.outputSums, net.hiddenOutputs + net.outputs)
            .flatMap { [($0.label!, $0.value), ($1.label!, $1.value)] }
        return Walkthrough(
            id: "sigmoid-222-lr06",
            title: "Backpropagation, step by step: the 2-2-2 sigmoid network of COMP417 Lecture 8",
            source: #""COMP417 Lecture 8: Learning the Network: Backpropagation Part 3" (H. Dawood), section "Example: Backpropagation""#,
            sections: sections, audit: audit,
            parameters: [("i", .array([.number(0.1), .number(0.5)])), ("target", .array([.number(0.05), .number(0.95)])),
                         ("weights", .numbers(original.weights.map { ($0.label!, $0.value) })),
                         ("b1", .number(0.25)), ("b2", .number(0.35)), ("learningRate", .number(eta)),
                         ("note", .string("weights read off the document's arithmetic (its figure is missing); biases are not updated"))],
            forward: forwardValues + net.errors.map { ($0.label!, $0.value) },
            loss: net.total.value,
            gradients: zip(net.parameters, net.parameters.indices).map { v, k in (v.label!, k < 8 ? gradients[k] : v.grad) },
            updated: w.map { ($0.label!, $0.value) }, graph: original.total)
    }

    /// Lecture 8's names: w1 (i1→h1), w2 (i1→h2), w3 (i2→h1), w4 (i2→h2), w5…w8 into the
    /// outputs; sum/output for pre-activations and activations; E_total.
    static let lr06Naming = LayeredNetwork.Naming(
        input: { "i\($0)" }, weight: { l, j, i in l == 1 ? "w\(j + 2 * (i - 1))" : "w\(4 + 2 * (j - 1) + i)" },
        bias: { l, _ in "b\(l)" }, sum: { l, j in l == 1 ? "sum_h\(j)" : "sum_o\(j)" },
        output: { l, j in l == 1 ? "output_h\(j)" : "output_o\(j)" }, loss: "E_total")

    /// The independent audit's names for the entries of this walkthrough.
    static let lr06References: [String: String] = [
        "sum_h1": "sum_{h1} = 0.1*0.1 + 0.5*0.3 + 0.25", "output_h1": "output_{h1}", "sum_h2": "sum_{h2}",
        "output_h2": "output_{h2}", "sum_o1": "sum_{o1}", "output_o1": "output_{o1}", "sum_o2": "sum_{o2}",
        "output_o2": "output_{o2}", "E_1": "E_1 = ½(0.05 − 0.73492)²", "E_2": "E_2 = ½(0.95 − 0.77955)²",
        "E_total": "E_total = E_1 + E_2",
        "∂E_total/∂output_o1": "∂E_total/∂output_{o1} = output_{o1} − target_1",
        "∂output_o1/∂sum_o1": "∂output_{o1}/∂sum_{o1} = output_{o1}(1 − output_{o1})",
        "∂E_total/∂w5": "∂E_total/∂w5 = 0.68492 * 0.19480 * 0.60108",
        "∂E_total/∂w6": "∂E_total/∂w6 = 0.68492 * 0.19480 * 0.61538",
        "∂E_total/∂output_o2": "∂E_total/∂output_{o2} = output_{o2} − target_2",
        "∂output_o2/∂sum_o2": "∂output_{o2}/∂sum_{o2} = output_{o2}(1 − output_{o2})",
        "∂E_total/∂w7": "∂E_total/∂w7 = −0.17044 * 0.17184 * 0.60108", "∂E_total/∂w8": "∂E_total/∂w8",
        "∂output_h1/∂sum_h1": "∂output_{h1}/∂sum_{h1} = output_{h1}(1 − output_{h1})",
        "∂E_1/∂w1": "∂E_1/∂w1 = 0.68492 * 0.19480 * 0.5 * 0.23978 * 0.1",
        "∂E_2/∂w1": "∂E_2/∂w1 = −0.17044 * 0.17184 * 0.7 * 0.23978 * 0.1",
        "∂E_total/∂w1": "∂E_total/∂w1 = 0.00159 + (−0.00049)",
        "new w1": "new w1 = 0.1 − 0.6 * 0.00110", "new w5": "new w5 = 0.5 − 0.6 * 0.08020",
        "new w6": "new w6 = 0.6 − 0.6 * 0.08211", "new w7": "new w7 = 0.7 − 0.6 * −0.01760",
        "∂sum_o1/∂output_h1": "∂sum_{o1}/∂output_{h1} = w5 (factor in ∂E_1/∂w1)",
        "∂sum_h1/∂w1": "∂sum_{h1}/∂w1 = i_1",
        "∂sum_o2/∂output_h1": "∂sum_{o2}/∂output_{h1} = w7 (factor in ∂E_2/∂w1)",
    ]

    /// The six formulas of lecture 8, evaluated as printed and compared with the engine.
    static func lr06FormulaAudit(_ net: SigmoidNetwork222, gradients: [Double], newError: Double) -> [AuditEntry] {
        let i = net.inputs.map(\.value), t = net.targets
        let o = net.outputs.map(\.value), h = net.hiddenOutputs.map(\.value)
        let sumH1: Double = i[0] * 0.1 + i[1] * 0.3 + 0.25
        let total: Double = 0.5 * (t[0] - o[0]) * (t[0] - o[0]) + 0.5 * (t[1] - o[1]) * (t[1] - o[1])
        let dOut: Double = 2 * 0.5 * (t[0] - o[0]) * -1
        let x = net.outputSums[0].value, sigma = 1 / (1 + Foundation.exp(-x))
        let w5: Double = (o[0] - t[0]) * (o[0] * (1 - o[0])) * h[0]
        let sh = h[0] * (1 - h[0])
        let w1a: Double = (o[0] - t[0]) * o[0] * (1 - o[0]) * 0.5 * sh * i[0]
        let w1b: Double = (o[1] - t[1]) * o[1] * (1 - o[1]) * 0.7 * sh * i[0]
        let chainGap = max(Swift.abs(w5 - gradients[4]), Swift.abs(w1a + w1b - gradients[0]))
        return [
            AuditEntry(formula: "forward sums", printed: "sum_{h1} = i1*w1 + i2*w3 + b1; sum_{h2} = i1*w2 + i2*w4 + b1; sum_{o1} = out_{h1}*w5 + out_{h2}*w6 + b2; sum_{o2} = out_{h1}*w7 + out_{h2}*w8 + b2",
                       documentValue: sumH1, computed: net.hiddenSums[0].value, evidence: "sum_h1"),
            AuditEntry(formula: "total error", printed: "E_{total} = \\sum \\frac{1}{2} (target - output)^2",
                       documentValue: total, computed: net.total.value, evidence: "E_total"),
            AuditEntry(formula: "∂E/∂output", printed: "\\partial E_{total}/\\partial output_{o1} = 2 * \\frac{1}{2} * (target_1 - output_{o1}) * -1 = output_{o1} - target_1",
                       documentValue: dOut, computed: net.outputs[0].grad, evidence: "∂E_total/∂output_o1"),
            AuditEntry(formula: "logistic derivative", printed: "\\frac{d}{dx}\\sigma(x) = \\sigma(x)(1 - \\sigma(x))",
                       documentValue: sigma * (1 - sigma), computed: net.outputs[0].localDerivatives[0], evidence: "at x = sum_o1"),
            AuditEntry(formula: "chain rule for w5..w8 and w1", printed: "\\partial E/\\partial w_5 = [out_{o1} - t_1][out_{o1}(1 - out_{o1})][out_{h1}] ;  \\partial E/\\partial w_1 = \\partial E_1/\\partial w_1 + \\partial E_2/\\partial w_1 (five-factor chains through w5 and w7)",
                       largestDifference: chainGap, evidence: "largest |chain product − engine gradient| for w5 and w1"),
            AuditEntry(claim: "update rule", printed: "new_w = w − n * ∂E_total/∂w  (n = learning rate = 0.6)",
                       holds: newError < net.total.value, computed: newError,
                       note: "the step lowers E_total from \(fixed(net.total.value, 6)) to \(fixed(newError, 6)); only w1…w8 are updated (the biases, with non-zero gradients, are kept — a simplification)"),
        ]
    }
}
