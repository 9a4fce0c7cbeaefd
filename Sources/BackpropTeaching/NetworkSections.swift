import Backprop

/// The sections every network walkthrough shares — forward pass, chain rule, δ view,
/// gradient check, update — built from a ``LayeredNetwork`` in the document's names.
struct NetworkSections {
    let net: LayeredNetwork
    let format: ExplanationFormat
    let decimals: Int
    let names: NodeNames

    init(_ net: LayeredNetwork, format: ExplanationFormat, decimals: Int = 5) {
        self.net = net
        self.format = format
        self.decimals = decimals
        names = NodeNames(graphOf: net.loss)
    }

    /// One displayed equation in the walkthrough's format.
    func eq(_ s: String) -> String { equationLine(s, format) }

    func f(_ x: Double) -> String { fixed(x, decimals) }

    /// A parameter as the notes would write it: "0.15" when it is short, else rounded;
    /// negative values in parentheses.
    func short(_ x: Double) -> String {
        let plain = "\(x)"
        let text = plain.count <= 7 ? plain : fixed(x, decimals)
        return x < 0 ? "(\(text))" : text
    }

    /// Every weighted sum and activation, with the numbers substituted.
    func forward() -> String {
        var lines: [String] = []
        for (l, layer) in net.layers.enumerated() {
            let below: [Value] = l == 0 ? net.inputs : net.layers[l - 1].outputs
            for (j, row) in layer.weights.enumerated() {
                var symbols = zip(row, below).map { "\(names[$0])·\(names[$1])" }
                var numbers = zip(row, below).map { "\(short($0.value))·\(f($1.value))" }
                if !layer.biases.isEmpty {
                    let b = layer.biases[layer.biases.count == 1 ? 0 : j]
                    symbols.append(names[b])
                    numbers.append(short(b.value))
                }
                let sum = layer.sums[j]
                lines.append(eq("\(names[sum]) = \(symbols.joined(separator: " + ")) = \(numbers.joined(separator: " + ")) = \(f(sum.value))"))
                if case .identity = layer.activation { continue }
                lines.append(eq("\(names[layer.outputs[j]]) = \(layer.activation.symbol)(\(names[sum])) = \(f(layer.outputs[j].value))"))
            }
        }
        return lines.joined(separator: "\n")
    }

    /// The loss with its terms.
    func loss() -> String {
        let terms = zip(net.outputs, net.targets).map { a, y in
            switch net.lossKind {
            case .halfSumOfSquares: return "½(\(names[a]) − \(y))²"
            case .sumOfSquares: return "(\(y) − \(names[a]))²"
            }
        }
        return eq("\(names[net.loss]) = \(terms.joined(separator: " + ")) = \(f(net.loss.value))")
    }

    /// The chain rule, path by path, for the given parameters.
    func chainRule(for parameters: [Value]) -> String {
        chainRuleBlock(parameters.map { ChainRuleExplanation(of: net.loss, withRespectTo: $0) }, format, names: names, decimals: decimals)
    }

    /// ∂loss/∂p for every parameter, from one backward pass (run here if needed).
    func gradients() -> [(String, Double)] {
        let adj = adjoints(of: net.loss)
        return net.parameters.all.map { (names[$0], adj[$0.id] ?? 0) }
    }

    /// All gradients on one or a few lines.
    func gradientList() -> String {
        let all = gradients()
        return stride(from: 0, to: all.count, by: 4).map { start in
            eq(all[start..<min(start + 4, all.count)].map { "∂\(names[net.loss])/∂\($0.0) = \(f($0.1))" }.joined(separator: ", "))
        }.joined(separator: "\n")
    }

    /// The numerical check, as the engine's report.
    func gradientCheck() -> (String, GradientCheckReport) {
        let report = net.gradientCheck()
        return (format == .text ? report.description : codeBlock(report.description, format), report)
    }

    /// One gradient-descent step on every parameter (on copies: the graph keeps its
    /// values), the loss after it, and the new values by name.
    func update(learningRate eta: Double, what: String = "every weight and bias") -> (String, [(String, Double)], Double) {
        let grads = gradients()
        var lines: [String] = []
        var updated: [(String, Double)] = []
        let copies = net.parameters.copied()
        for ((name, g), p) in zip(grads, copies.all) {
            let old = p.value
            p.value = old - eta * g
            updated.append((name, p.value))
            lines.append(eq("\(name) ← \(name) − η·∂\(names[net.loss])/∂\(name) = \(short(old)) − \(eta)·\(g < 0 ? "(\(f(g)))" : f(g)) = \(f(p.value))"))
        }
        let after = withoutGradients {
            LayeredNetwork(inputs: net.inputs.map(\.value), parameters: copies, activations: net.activations,
                           targets: net.targets, loss: net.lossKind, naming: net.naming).loss.value
        }
        lines.append("After the step (η = \(eta), \(what)):")
        lines.append(eq("\(names[net.loss]) = \(f(after)) (was \(f(net.loss.value)))"))
        return (lines.joined(separator: "\n"), updated, after)
    }

    /// Forward values by name, layer by layer.
    func forwardValues() -> [(String, Double)] {
        net.layers.flatMap { layer -> [(String, Double)] in
            zip(layer.sums, layer.outputs).flatMap { s, a -> [(String, Double)] in
                s.id == a.id ? [(names[s], s.value)] : [(names[s], s.value), (names[a], a.value)]
            }
        }
    }
}

/// Chain-rule explanations as a block: indented in text, display math in Markdown,
/// one `align*` environment in LaTeX.
func chainRuleBlock(_ explanations: [ChainRuleExplanation], _ format: ExplanationFormat,
                    names: NodeNames? = nil, decimals: Int = 5) -> String {
    let body = explanations.map { e in
        e.rendered(format, names: names, decimals: decimals)
            .split(separator: "\n").map { format == .text ? "  " + $0 : String($0) }.joined(separator: "\n")
    }.joined(separator: "\n")
    return format == .latex ? "\\begin{align*}\n" + body + "\n\\end{align*}" : body
}

/// One displayed equation: indented in text, a code line in Markdown, a line of an
/// `align*`-style block in LaTeX.
func equationLine(_ s: String, _ format: ExplanationFormat) -> String {
    switch format {
    case .text: return "  " + s
    case .markdown: return "    " + s
    case .latex: return "\\texttt{" + latexEscaped(s) + "} \\\\"
    }
}

/// Preformatted text (a report table) in the given format.
func codeBlock(_ s: String, _ format: ExplanationFormat) -> String {
    switch format {
    case .text: return s
    case .markdown: return "```\n" + s + "\n```"
    case .latex: return "\\begin{alltt}\n" + latexEscaped(s) + "\n\\end{alltt}"   // alltt: aligned, and symbols as commands
    }
}
