import Backprop

/// The delta rule of the SGD notes (`004_…`) on a one-hidden-layer sigmoid network,
/// and the algorithm box's variant that computes the hidden δ with the output weights
/// already updated:
///
/// ```
/// δ_g = (d̂_g − d_g)·d̂_g·(1 − d̂_g)                  output units
/// γ_m = h_m(1 − h_m)·Σ_g δ_g·v_gm                   hidden units, true gradient (v = vᵗ)
/// γ̃_m = h_m(1 − h_m)·Σ_g δ_g·(v_gm − α·δ_g·h_m)    the variant (v = vᵗ⁺¹)
///     = γ_m − α·h_m²(1 − h_m)·Σ_g δ_g²
/// ```
struct DeltaRuleStep {
    /// Output δs, from the formula on the engine's forward values.
    let outputDeltas: [Double]
    /// The true hidden γs (∂f/∂(hidden sum)) and the variant's.
    let trueGamma: [Double], variantGamma: [Double]
    /// The closed form of their difference, −α·h_m²(1 − h_m)·Σ_g δ_g².
    let closedForm: [Double]
    /// The loss before, after a true SGD step, and after the variant's step.
    let lossBefore: Double, lossAfterTrue: Double, lossAfterVariant: Double

    /// Evaluates one step at learning rate `alpha` on `net` (a 2-layer sigmoid
    /// `LayeredNetwork` with ½ sum-of-squares loss).
    init(_ net: LayeredNetwork, alpha: Double) {
        let hidden = net.layers[0], out = net.layers[1]
        let h = hidden.outputs.map(\.value), dHat = out.outputs.map(\.value), d = net.targets
        let delta = dHat.indices.map { (dHat[$0] - d[$0]) * dHat[$0] * (1 - dHat[$0]) }
        let v = out.weights.map { $0.map(\.value) }
        outputDeltas = delta
        trueGamma = h.indices.map { m in h[m] * (1 - h[m]) * delta.indices.reduce(0) { $0 + delta[$1] * v[$1][m] } }
        variantGamma = h.indices.map { m in
            h[m] * (1 - h[m]) * delta.indices.reduce(0) { $0 + delta[$1] * (v[$1][m] - alpha * delta[$1] * h[m]) }
        }
        closedForm = h.indices.map { m in -alpha * h[m] * h[m] * (1 - h[m]) * delta.reduce(0) { $0 + $1 * $1 } }
        lossBefore = net.loss.value
        // Both steps update v with the delta rule; they differ in the hidden weights.
        let x = net.inputs.map(\.value)
        func step(_ gamma: [Double]) -> Double {
            let p = net.parameters.copied()
            for (g, row) in p.weights[1].enumerated() {
                for (m, w) in row.enumerated() { w.value -= alpha * delta[g] * h[m] }
                p.biases[1][g].value -= alpha * delta[g]
            }
            for (m, row) in p.weights[0].enumerated() {
                for (j, w) in row.enumerated() { w.value -= alpha * gamma[m] * x[j] }
                p.biases[0][m].value -= alpha * gamma[m]
            }
            return withoutGradients {
                LayeredNetwork(inputs: x, parameters: p, activations: net.activations, targets: d, naming: net.naming).loss.value
            }
        }
        lossAfterTrue = step(trueGamma)
        lossAfterVariant = step(variantGamma)
    }

    /// Relative error of the variant's γ_m against the true one.
    var relativeError: [Double] { zip(variantGamma, trueGamma).map { ($0 - $1) / $1 } }
}
