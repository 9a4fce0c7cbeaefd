import Backprop
import Foundation

/// The δ view of back-propagation on a ``LayeredNetwork``: one local error per unit,
/// computed once and reused for every weight into that unit and for the layer below.
///
/// ```
/// δ_k = ∂E/∂a_k · f′(z_k)                 (output units)
/// δ_j = f′(z_j) · Σ_k w_kj · δ_k          (hidden units: the recursion)
/// ∂E/∂w_ji = δ_j · a_i,   ∂E/∂b_j = δ_j
/// ```
///
/// The δs are the engine's adjoints of the weighted sums; the recursion is evaluated
/// separately from them and compared, so the view is also a check.
public struct DeltaView {
    /// The network.
    public let network: LayeredNetwork
    /// `deltas[l][j]` = ∂E/∂sum_j of layer l+1, from the engine.
    public let deltas: [[Double]]
    /// The same, for hidden layers evaluated by the recursion from the layer above
    /// (output layer: ∂E/∂a_k · f′(z_k)).
    public let recursion: [[Double]]
    /// ∂E/∂(activation) of the output units, from the engine.
    public let outputErrors: [Double]

    /// Computes the δs of `network` (its gradients are left untouched).
    public init(_ network: LayeredNetwork) {
        self.network = network
        let adj = adjoints(of: network.loss)
        let deltas = network.layers.map { $0.sums.map { adj[$0.id] ?? 0 } }
        self.deltas = deltas
        let last = network.layers.count - 1
        let outputErrors = network.outputs.map { adj[$0.id] ?? 0 }
        self.outputErrors = outputErrors
        var rec = deltas
        for l in (0...last).reversed() {
            let layer = network.layers[l]
            for j in layer.sums.indices {
                let fPrime = DeltaView.derivative(layer, j)
                if l == last {
                    rec[l][j] = outputErrors[j] * fPrime
                } else {
                    let above = network.layers[l + 1]
                    let sum = above.weights.indices.reduce(0.0) { $0 + above.weights[$1][j].value * deltas[l + 1][$1] }
                    rec[l][j] = fPrime * sum
                }
            }
        }
        recursion = rec
    }

    /// f′(z_j), the local derivative the forward pass stored on the activation node.
    static func derivative(_ layer: LayeredNetwork.Layer, _ j: Int) -> Double {
        if case .identity = layer.activation { return 1 }
        return layer.outputs[j].localDerivatives.first ?? .nan
    }

    /// The largest |recursion − engine| over all units.
    public var largestDiscrepancy: Double {
        zip(recursion.joined(), deltas.joined()).map { Swift.abs($0 - $1) }.max() ?? 0
    }

    /// The view in the given format: δ per unit and layer, the recursion with its
    /// numbers, and every weight gradient as δ_j · a_i.
    public func rendered(_ format: ExplanationFormat = .text, decimals: Int = 5) -> String {
        let net = network, naming = net.naming, last = net.layers.count - 1
        let math = format != .text
        func n(_ x: Double) -> String {
            let s = fixed(x, decimals)
            return x < 0 ? "(\(s))" : s
        }
        func sym(_ name: String) -> String { math ? tex(name) : name }
        func delta(_ l: Int, _ j: Int) -> String {
            let n = l + naming.layerOffset
            return math ? "\\delta^{(\(n))}_{\(j)}" : "δ(\(n))_\(j)"
        }
        func prime(_ l: Int, _ j: Int) -> String {
            let f = net.layers[l - 1].activation
            let z = sym(naming.sum(l, j))
            switch f {
            case .sigmoid: return math ? "\\sigma'(\(z))" : "σ′(\(z))"
            case .tanh: return math ? "\\tanh'(\(z))" : "tanh′(\(z))"
            case .identity: return "1"
            }
        }
        let dot = math ? " \\cdot " : "·"
        let partialE = { (x: String) in math ? "\\frac{\\partial \(tex(naming.loss))}{\\partial \(x)}" : "∂\(naming.loss)/∂\(x)" }
        func line(_ s: String) -> String {
            switch format {
            case .text: return "  " + s
            case .markdown: return "$$" + s + "$$"
            case .latex: return "\\[" + s + "\\]"
            }
        }
        func prose(_ s: String) -> String { format == .latex ? latexEscaped(s) : s }
        var out: [String] = []
        for l in (0...last).reversed() {
            let layer = net.layers[l], L = l + 1
            if l == last {
                out.append(prose("Output layer \(L + naming.layerOffset) (\(layer.activation.symbol)): δ_k = ∂\(naming.loss)/∂(output k) · f′(weighted sum k)"))
                for k in layer.sums.indices {
                    let fp = DeltaView.derivative(layer, k)
                    let outName = sym(naming.output(L, k + 1))
                    out.append(line("\(delta(L, k + 1)) = \(partialE(outName))\(dot)\(prime(L, k + 1)) = \(n(outputErrors[k]))\(dot)\(n(fp)) = \(fixed(recursion[l][k], decimals))"))
                }
            } else {
                let above = net.layers[l + 1]
                out.append(prose("Layer \(L + naming.layerOffset) (\(layer.activation.symbol)): δ_j = f′(weighted sum j) · Σ_k w_kj · δ_k, reusing the δs of layer \(L + 1 + naming.layerOffset)"))
                for j in layer.sums.indices {
                    let fp = DeltaView.derivative(layer, j)
                    let terms = above.weights.indices.map { "\(sym(above.weights[$0][j].label ?? "w"))\(dot)\(delta(L + 1, $0 + 1))" }
                    let numbers = above.weights.indices.map { "\(n(above.weights[$0][j].value))\(dot)\(n(deltas[l + 1][$0]))" }
                    let open = math ? "\\left(" : "(", close = math ? "\\right)" : ")"
                    out.append(line("\(delta(L, j + 1)) = \(prime(L, j + 1))\(dot)\(open)\(terms.joined(separator: " + "))\(close) = \(n(fp))\(dot)\(open)\(numbers.joined(separator: " + "))\(close) = \(fixed(recursion[l][j], decimals))"))
                }
            }
        }
        out.append(prose("Weight gradients ∂\(naming.loss)/∂w_ji = δ_j · (input i of unit j) and ∂\(naming.loss)/∂b_j = δ_j: each δ is computed once and shared by every weight into its unit (and by the layer below)."))
        for (l, layer) in net.layers.enumerated() {
            let L = l + 1
            let below: [Value] = l == 0 ? net.inputs : net.layers[l - 1].outputs
            for (j, row) in layer.weights.enumerated() {
                for (i, w) in row.enumerated() {
                    let value = deltas[l][j] * below[i].value
                    let source = sym(l == 0 ? naming.input(i + 1) : naming.output(l, i + 1))
                    out.append(line("\(partialE(sym(w.label ?? "w"))) = \(delta(L, j + 1))\(dot)\(source) = \(n(deltas[l][j]))\(dot)\(n(below[i].value)) = \(fixed(value, decimals))"))
                }
                if layer.biases.count > 1 {
                    out.append(line("\(partialE(sym(layer.biases[j].label ?? "b"))) = \(delta(L, j + 1)) = \(fixed(deltas[l][j], decimals))"))
                }
            }
            if layer.biases.count == 1 && layer.weights.count > 1 {
                let terms = layer.weights.indices.map { delta(L, $0 + 1) }.joined(separator: " + ")
                let total = deltas[l].reduce(0, +)
                out.append(line("\(partialE(sym(layer.biases[0].label ?? "b"))) = \(terms) = \(fixed(total, decimals))"))
                out.append(prose("(one bias shared by the layer: it collects the δ of every unit)"))
            }
        }
        let count = net.layers.reduce(0) { $0 + $1.sums.count }
        let weightCount = net.parameters.all.count
        out.append(prose("\(count) δs give all \(weightCount) parameter gradients; largest |recursion − engine adjoint| = \(String(format: "%.2g", largestDiscrepancy))."))
        return out.joined(separator: "\n")
    }
}
