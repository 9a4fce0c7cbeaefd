import Backprop
import Foundation

extension Walkthrough {
    /// The 20 formulas and claims of the gradient-descent notes, each evaluated on our
    /// data or on the 2-2-1 test network and compared with the engine.
    static func regression2DAudit(data: LinearRegression, start: (Double, Double), gradient: (Double, Double),
                                  good: LinearRegression.Run, big: LinearRegression.Run,
                                  goodAlpha: Double, bigAlpha: Double, tolerance: Double, restartEnds: [(Double, Double)],
                                  net: LayeredNetwork, views: DeltaView,
                                  stepPrinted: Double, stepCorrect: Double) -> [AuditEntry] {
        let bowl = data.bowl
        let x1 = data.x[0]
        let w1 = Value(start.0), w2 = Value(start.1)
        let (cost, predictions) = data.cost(w1, w2)
        var plainCost = 0.0, plainGradient = (0.0, 0.0)
        for ((a, b), t) in zip(data.x, data.y) {
            let r = start.0 * a + start.1 * b - t
            plainCost += r * r
            plainGradient.0 += 2 * r * a
            plainGradient.1 += 2 * r * b
        }
        let distance = { (w: (Double, Double)) in ((w.0 - bowl.minimum.0) * (w.0 - bowl.minimum.0) + (w.1 - bowl.minimum.1) * (w.1 - bowl.minimum.1)).squareRoot() }
        // Steepest descent: central-difference slopes of E along 360 unit directions.
        let norm = (gradient.0 * gradient.0 + gradient.1 * gradient.1).squareRoot()
        var steepest = (angle: 0.0, slope: Double.infinity)
        for degree in 0..<360 {
            let t = Double(degree) * Double.pi / 180, u = (Foundation.cos(t), Foundation.sin(t)), h = 1e-6
            let slope = (data.cost(at: (start.0 + h * u.0, start.1 + h * u.1)) - data.cost(at: (start.0 - h * u.0, start.1 - h * u.1))) / (2 * h)
            if slope < steepest.slope { steepest = (t, slope) }
        }
        let downhill = Foundation.atan2(-gradient.1, -gradient.0)
        var angleGap = Swift.abs(steepest.angle - downhill).truncatingRemainder(dividingBy: 2 * Double.pi)
        angleGap = min(angleGap, 2 * Double.pi - angleGap)
        // The quiz: where ∂E/∂w1 < 0 the update increases w1.
        let left = Value(bowl.minimum.0 - 1), right = Value(bowl.minimum.1)
        let leftCost = data.cost(left, right).cost
        leftCost.backward()
        let moved = -goodAlpha * left.grad
        // Log losses through the engine.
        let z = Value(0.3, label: "z"), h = z.sigmoid()
        let binary = -(1.0 * h.log() + 0.0 * (1.0 - h).log())        // y = 1
        binary.backward()
        let probabilities = [0.7, 0.2, 0.1], onehot = [1.0, 0.0, 0.0]
        let hv = probabilities.map { Value($0) }
        var categorical = -onehot[0] * hv[0].log()
        for c in 1..<3 { categorical = categorical - onehot[c] * hv[c].log() }
        let printedMultinomial = -zip(onehot, probabilities).reduce(0.0) { $0 + $1.0 * Foundation.log($1.1) + (1 - $1.0) * Foundation.log(1 - $1.1) }
        // MSE with two samples and two classes.
        let yy = [[1.0, 0.0], [0.0, 1.0]], hh = [[0.8, 0.1], [0.3, 0.6]]
        var mse = Value(0)
        for i in 0..<2 { for c in 0..<2 { mse = mse + (yy[i][c] - Value(hh[i][c])).squared() } }
        mse = mse / 2
        let printedMSE = Double(2) / 2 * ((yy[0][0] - hh[0][0]) * (yy[0][0] - hh[0][0]) + (yy[1][0] - hh[1][0]) * (yy[1][0] - hh[1][0]))
        let mseSingle = predictions.enumerated().reduce(Value(0)) { $0 + (data.y[$1.offset] - $1.element).squared() } / Double(data.y.count)
        // The test network.
        let hidden = net.layers[0], out = net.layers[1]
        let a2 = hidden.outputs.map(\.value), x = net.inputs.map(\.value)
        let forwardRule: Double = 1 / (1 + Foundation.exp(-(hidden.weights[0][0].value * x[0] + hidden.weights[0][1].value * x[1] + hidden.biases[0].value)))
        var weightGap = 0.0, biasGap = 0.0
        for (l, layer) in net.layers.enumerated() {
            let below = l == 0 ? x : a2
            for (j, row) in layer.weights.enumerated() {
                for (i, w) in row.enumerated() { weightGap = max(weightGap, Swift.abs(views.deltas[l][j] * below[i] - w.grad)) }
                biasGap = max(biasGap, Swift.abs(views.deltas[l][j] - layer.biases[j].grad))
            }
        }
        let a = out.outputs[0], yT = net.targets[0]
        let adj = adjoints(of: net.loss)
        let delta22: Double = views.deltas[1][0] * out.weights[0][1].value * hidden.outputs[1].localDerivatives[0]
        let printedDelta = 2 * (yT - a.value) * a.localDerivatives[0]
        return [
            AuditEntry(formula: "neuron h", printed: "h = f(\\sum_j w_j x_j) = f(x_1 w_1 + x_2 w_2),  f(z) = z",
                       documentValue: x1.0 * start.0 + x1.1 * start.1, computed: predictions[0].value, evidence: "h_1 at the start"),
            AuditEntry(formula: "cost E(W) (SSE)",
                       printed: "E(W) = \\sum_i^n (h_i - y_i)^2 = \\sum_i^n ((w_1 x_1^i + w_2 x_2^i) - y_i)^2",
                       documentValue: plainCost, computed: cost.value,
                       evidence: "E at the start (its gradient 2Σ(h − y)x gives (\(fixed(plainGradient.0, 6)), \(fixed(plainGradient.1, 6))), engine (\(fixed(gradient.0, 6)), \(fixed(gradient.1, 6))))"),
            AuditEntry(claim: "gradient-descent update",
                       printed: "w_i := w_i - \\alpha \\times \\partial E(W)/\\partial w_i ; [w_1, w_2]^T <= [w_1, w_2]^T - \\alpha \\nabla E(w_1, w_2)",
                       holds: good.stopped && distance(good.w) < 1e-4, computed: good.costs.last!,
                       note: "α = \(goodAlpha): \(good.costs.count - 1) steps reach w = (\(fixed(good.w.0, 6)), \(fixed(good.w.1, 6))), |w − w*| = \(String(format: "%.2g", distance(good.w)))"),
            AuditEntry(claim: "direction of steepest descent",
                       printed: "Gradient -\\nabla E(w_1, w_2) will always point to the steepest direction down the bowl",
                       holds: angleGap <= Double.pi / 180 && Swift.abs(steepest.slope + norm) < 1e-3 * norm, computed: steepest.slope,
                       note: "of 360 directions the steepest descent slope \(fixed(steepest.slope, 4)) is \(fixed(angleGap * 180 / Double.pi, 2))° from −∇E, and equals −‖∇E‖ = \(fixed(-norm, 4)) (read as −∇E; the en-dash on some slides is extraction noise)"),
            AuditEntry(claim: "quiz: what does grad E control", printed: "Direction step Yes!!! / Length step Yes!!! / Both Yes!!!",
                       holds: norm > 0, computed: goodAlpha * norm,
                       note: "the step −α∇E has direction −∇E/‖∇E‖ and length α‖∇E‖ = \(fixed(goodAlpha * norm, 6)): both"),
            AuditEntry(claim: "quiz: sign at the red point",
                       printed: "gradient Negative -> Increase -> Right;  W - \\alpha(-G) = W + \\alpha(G) => W \\uparrow",
                       holds: left.grad < 0 && moved > 0, computed: moved,
                       note: "left of the bottom ∂E/∂w1 = \(fixed(left.grad, 4)) < 0 and the step moves w1 by \(fixed(moved, 4)) > 0"),
            AuditEntry(claim: "claim: cost decreases at every update", printed: "Cost should be lower any time you update weights.",
                       holds: zip(good.costs, good.costs.dropFirst()).allSatisfy { $1 <= $0 }, computed: good.costs.last!,
                       note: "true for α = \(goodAlpha) < 2/λ_max = \(fixed(2 / bowl.lambdaMax, 5)) (E falls at every one of \(good.costs.count - 1) steps); with α = \(bigAlpha) E grows from \(String(format: "%.4g", big.costs.first!)) to \(String(format: "%.4g", big.costs.last!)) in \(big.costs.count - 1) steps — a monitoring rule, valid for small α"),
            AuditEntry(claim: "claim: alpha usually between 0 and 1", printed: "Alpha is usually between 0 and 1.",
                       holds: goodAlpha > 0 && goodAlpha < 1, computed: 2 / bowl.lambdaMax,
                       note: "a rule of thumb: here the stable range is α < \(fixed(2 / bowl.lambdaMax, 5)); it depends on the scale of the data"),
            AuditEntry(claim: "stop criterion", printed: "|Cost(i - 1) - Cost(i)| < \\epsilon  (or stop when the gradient is very small)",
                       holds: good.stopped && restartEnds.allSatisfy { distance($0) < 1e-4 }, computed: Double(good.costs.count - 1),
                       note: "with ε = \(tolerance) the run and all \(restartEnds.count) restarts stop within 1e-4 of the bottom"),
            AuditEntry(formula: "binomial log loss",
                       printed: "E(W) = -\\frac{1}{m} \\sum_{i=1}^m [y^i \\log(h(x^i)) + (1 - y^i) \\log(1 - h(x^i))]",
                       documentValue: h.value - 1, computed: z.grad, evidence: "for a sigmoid output, ∂/∂z of one term should be h − y (z = 0.3, y = 1)"),
            AuditEntry(formula: "multinomial log loss",
                       printed: "E(W) = -\\frac{1}{m} \\sum_{c=1}^k \\sum_{i=1}^m [y_c^i \\log(h_c(x^i)) + (1 - y_c^i) \\log(1 - h_c(x^i))]",
                       documentValue: printedMultinomial, computed: categorical.value, evidence: "h = (0.7, 0.2, 0.1), y = (1, 0, 0)",
                       cause: "this is a sum of k one-vs-rest binary cross-entropies; the multinomial log loss is −Σ_c y_c log h_c"),
            AuditEntry(formula: "MSE, single output", printed: "MSE = E(W) = \\frac{1}{m} \\sum_{i=1}^m [y^i - h(x^i)]^2",
                       documentValue: plainCost / Double(data.y.count), computed: mseSingle.value, evidence: "our data at the start"),
            AuditEntry(formula: "MSE, multiple outputs", printed: "MSE = E(W) = \\frac{1}{m} \\sum_{c=1}^k \\sum_{i=1}^m [y^i - h(x^i)]^2",
                       documentValue: printedMSE, computed: mse.value, evidence: "m = 2, k = 2, the summand read as class 1 (it has no c)",
                       cause: "the class index is missing: [y_c^i − h_c(x^i)]²"),
            AuditEntry(formula: "forward rule", printed: "a_j^{(l)} = f(o_j^{(l)}) = f(\\sum_i w_{ij}^{(l-1)} a_i^{(l-1)} + b_j^{(l-1)})",
                       documentValue: forwardRule, computed: hidden.outputs[0].value, evidence: "a(2)_1 on the 2-2-1 network"),
            AuditEntry(formula: "weight gradient", printed: "\\partial E/\\partial w_{ij}^{(l)} = \\delta_j^{(l+1)} a_i^{(l)}",
                       largestDifference: weightGap, evidence: "largest |δ_j a_i − engine gradient| over 6 weights (correct δ)"),
            AuditEntry(formula: "bias gradient", printed: "\\partial E/\\partial b_j^{(l)} = \\delta_j^{(l+1)}",
                       largestDifference: biasGap, evidence: "largest |δ_j − engine gradient| over 3 biases"),
            AuditEntry(formula: "hidden delta", printed: "\\delta_j^{(l)} = \\sum_k \\delta_k^{(l+1)} \\cdot w_{jk}^{(l)} \\cdot f'(o_j^{(l)})",
                       documentValue: views.recursion[0][0], computed: views.deltas[0][0], evidence: "δ(2)_1 vs the engine's ∂E/∂o(2)_1"),
            AuditEntry(formula: "delta_2^(2) example", printed: "\\delta_2^{(2)} = \\delta_1^{(3)} \\cdot w_{2,1}^{(2)} \\cdot f'(o_2^{(2)})",
                       documentValue: delta22, computed: views.deltas[0][1], evidence: "δ(2)_2"),
            AuditEntry(formula: "output-layer derivative step", printed: "\\partial (y - a_j^{(l)})^2 / \\partial a_j^{(l)} = 2(y - a_j^{(l)})",
                       documentValue: 2 * (yT - a.value), computed: adj[a.id] ?? .nan, evidence: "at a = \(fixed(a.value, 6)), y = 0.01",
                       cause: "sign error: the inner derivative ∂(y − a)/∂a = −1 is dropped; −2(y − a) = 2(a − y)"),
            AuditEntry(formula: "output delta",
                       printed: "\\delta_j^{(l)} = 2(y - a_j^{(l)}) \\cdot f'(o_j^{(l)});  \\delta_1^{(3)} = 2(y - a_1^{(3)}) \\cdot f'(o_1^{(3)})",
                       documentValue: printedDelta, computed: views.deltas[1][0], evidence: "δ(3)_1",
                       cause: "the sign error carried into δ: with w := w − αδa it climbs (α = 0.5: E \(fixed(net.loss.value, 6)) → \(fixed(stepPrinted, 6)); correct δ → \(fixed(stepCorrect, 6)))"),
        ]
    }
}
