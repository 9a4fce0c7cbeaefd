import Backprop
import Foundation

extension Walkthrough {
    /// The notation of the notes' back-propagation derivation (`000_…`): layers count
    /// from the inputs (layer 1), `w(l)_ij` joins unit i of layer l to unit j of layer
    /// l + 1, `o` are pre-activations and `a` activations.
    static let regressionNaming: LayeredNetwork.Naming = {
        var naming = LayeredNetwork.Naming(
            input: { "x_\($0)" }, weight: { "w(\($0))_\($2)\($1)" }, bias: { "b(\($0))_\($1)" },
            sum: { "o(\($0 + 1))_\($1)" }, output: { "a(\($0 + 1))_\($1)" }, loss: "E")
        naming.layerOffset = 1
        return naming
    }()

    /// The 2-2-1 sigmoid network used to check the notes' hand-derived δs (none is
    /// printed): x = (0.05, 0.10), y = 0.01, E = (y − a)².
    static func regressionTestNetwork(hidden: [[Double]] = [[0.15, 0.20], [0.25, 0.30]], hiddenBias: [Double] = [0.35, 0.35],
                                      output: [[Double]] = [[0.40, 0.45]], outputBias: [Double] = [0.60]) -> LayeredNetwork {
        LayeredNetwork(inputs: [0.05, 0.10], weights: [hidden, output], biases: [hiddenBias, outputBias],
                       activations: [.sigmoid, .sigmoid], targets: [0.01], loss: .sumOfSquares, naming: regressionNaming)
    }

    /// `regression-2d`: the gradient-descent notes (`000_c92abe6349066ab2.txt`): a linear
    /// neuron h = w1·x1 + w2·x2 fitted to data from our own seeded generator; the SSE
    /// bowl, a good α and one too big, the tolerance stop, restarts; then the notes'
    /// hand-derived output δ checked against the engine (it has a sign error).
    public static func regression2D(format: ExplanationFormat = .text) -> Walkthrough {
        var rng = SplitMix64(seed: 2026)
        let data = LinearRegression(count: 12, rng: &rng)
        let start = (rng.nextDouble(in: -0.1...0.1), rng.nextDouble(in: -0.1...0.1))
        let bowl = data.bowl
        let critical = 2 / bowl.lambdaMax
        let goodAlpha = (0.4 * critical * 1000).rounded() / 1000, bigAlpha = (1.2 * critical * 1000).rounded() / 1000
        let tolerance = 1e-10
        let eq = { (s: String) in equationLine(s, format) }
        func f(_ x: Double, _ d: Int = 5) -> String { fixed(x, d) }

        // The cost graph at the start, its gradient and one step.
        let w1 = Value(start.0, label: "w1"), w2 = Value(start.1, label: "w2")
        let (cost, predictions) = data.cost(w1, w2)
        cost.backward()
        let names = NodeNames(graphOf: cost)
        var sections: [(heading: String, body: String)] = []
        var setup = [
            "A linear neuron without bias, h = f(w1·x1 + w2·x2) with f(z) = z, and the sum-of-squares cost E(W) = Σ_i (h_i − y_i)².",
            "The notes' data set exists only as a missing figure, so we generate 12 points with SplitMix64(seed 2026):",
            "x uniform in [−2, 2]², y = 2·x1 − 3·x2 + noise uniform in [−0.5, 0.5].",
        ]
        for (k, ((a, b), t)) in zip(data.x, data.y).enumerated().prefix(4) {
            setup.append(eq("x(\(k + 1)) = (\(f(a, 4)), \(f(b, 4))), y = \(f(t, 4))"))
        }
        setup.append(eq("… (\(data.x.count) points in all; the JSON output lists them)"))
        setup.append("Start: small random weights from the same generator, w = (\(f(start.0)), \(f(start.1))).")
        sections.append(("Setup", setup.joined(separator: "\n")))
        sections.append(("Forward pass and cost at the start", [
            eq(predictions.prefix(3).enumerated().map { k, h in "\(names[h]) = w1·\(f(data.x[k].0, 4)) + w2·\(f(data.x[k].1, 4)) = \(f(h.value))" }.joined(separator: ", ") + ", …"),
            eq("E(w) = Σ_i (h_i − y_i)² = \(f(cost.value))"),
        ].joined(separator: "\n")))
        let firstTerm = (predictions[0] - data.y[0]).squared().labeled("E_1")
        sections.append(("The chain rule", [
            "Each data point contributes one path per weight; for the first point's term E_1 = (h_1 − y_1)²:",
            chainRuleBlock([ChainRuleExplanation(of: firstTerm, withRespectTo: w1)], format, names: NodeNames(graphOf: firstTerm)),
            "Summed over the points (one backward pass): ∂E/∂w_k = 2 Σ_i (h_i − y_i)·xk_i:",
            eq("∂E/∂w1 = \(f(w1.grad)), ∂E/∂w2 = \(f(w2.grad))"),
        ].joined(separator: "\n")))
        let report = checkGradients(at: [start.0, start.1], labels: ["w1", "w2"]) { q in data.cost(q[0], q[1]).cost }
        sections.append(("Numerical gradient check (central differences)", codeBlock(report.description, format)))

        // The bowl and α.
        let good = data.descend(from: start, alpha: goodAlpha, tolerance: tolerance, maxSteps: 20000)
        let big = data.descend(from: start, alpha: bigAlpha, tolerance: tolerance, maxSteps: 12)
        let goodMonotone = zip(good.costs, good.costs.dropFirst()).allSatisfy { $1 <= $0 }
        sections.append(("The bowl and the learning rate α", [
            "E is a quadratic bowl with Hessian 2XᵀX; its largest eigenvalue is λ_max = \(f(bowl.lambdaMax, 4)), so a step",
            "decreases E for every start exactly when α < 2/λ_max = \(f(critical, 5)). The bottom is at w* = (\(f(bowl.minimum.0)), \(f(bowl.minimum.1))).",
            "A good α = \(goodAlpha) (0.4 of the limit): E falls at every step" + (goodMonotone ? "" : " (NOT monotone!)") + ":",
            eq(good.costs.prefix(6).enumerated().map { "E(\($0)) = \(f($1, 4))" }.joined(separator: ", ") + ", …"),
            "A too-big α = \(bigAlpha) (1.2 of the limit; still 'between 0 and 1'): every step overshoots the bottom and E grows:",
            eq(big.costs.enumerated().map { "E(\($0)) = \(String(format: "%.4g", $1))" }.joined(separator: ", ")),
        ].joined(separator: "\n")))
        sections.append(("Stopping: |E(i−1) − E(i)| < ε", [
            "With ε = \(tolerance) and α = \(goodAlpha), the run stops after \(good.costs.count - 1) steps at",
            eq("w = (\(f(good.w.0, 6)), \(f(good.w.1, 6))), E = \(f(good.costs.last!, 6)); the bottom of the bowl is w* = (\(f(bowl.minimum.0, 6)), \(f(bowl.minimum.1, 6)))"),
        ].joined(separator: "\n")))
        var restarts = ["Restarts from random points (same generator, w uniform in [−5, 5]²): the bowl has one bottom, so every run ends there."]
        var restartEnds: [(Double, Double)] = []
        for r in 1...3 {
            let from = (rng.nextDouble(in: -5...5), rng.nextDouble(in: -5...5))
            let run = data.descend(from: from, alpha: goodAlpha, tolerance: tolerance, maxSteps: 20000)
            restartEnds.append(run.w)
            restarts.append(eq("restart \(r): from (\(f(from.0, 3)), \(f(from.1, 3))) → w = (\(f(run.w.0, 6)), \(f(run.w.1, 6))) after \(run.costs.count - 1) steps, E = \(f(run.costs.last!, 6))"))
        }
        sections.append(("Restarts", restarts.joined(separator: "\n")))

        // The δ derivation on a 2-2-1 sigmoid network.
        let net = regressionTestNetwork()
        net.loss.backward()
        let views = DeltaView(net)
        let out = net.outputs[0], o = net.layers[1].sums[0]
        let printedDelta = 2 * (net.targets[0] - out.value) * out.localDerivatives[0]
        let stepPrinted = regressionStep(net, outputDelta: printedDelta, alpha: 0.5)
        let stepCorrect = regressionStep(net, outputDelta: views.deltas[1][0], alpha: 0.5)
        sections.append(("The notes' δ derivation, checked on a 2-2-1 sigmoid network", [
            "No network is printed; we use x = (0.05, 0.10), y = 0.01, E = (y − a)², w(1) = [0.15 0.25; 0.20 0.30] (row = input i), b(1) = 0.35, w(2) = (0.40, 0.45), b(2) = 0.60.",
            NetworkSections(net, format: format).forward(),
            views.rendered(format),
            "The notes write ∂(y − a)²/∂a = 2(y − a) and δ = 2(y − a)·f′(o); the chain rule gives −2(y − a) = 2(a − y):",
            eq("notes: δ(3)_1 = 2(y − a)·f′(o) = \(f(printedDelta, 8));  engine: ∂E/∂\(NodeNames(graphOf: net.loss)[o]) = \(f(views.deltas[1][0], 8))"),
            "Used in w := w − α·δ·a (α = 0.5) the sign error climbs the error surface:",
            eq("E = \(f(net.loss.value, 8)) → \(f(stepPrinted, 8)) with the notes' δ, → \(f(stepCorrect, 8)) with the correct δ"),
        ].joined(separator: "\n")))

        let audit = regression2DAudit(data: data, start: start, gradient: (w1.grad, w2.grad), good: good, big: big,
                                      goodAlpha: goodAlpha, bigAlpha: bigAlpha, tolerance: tolerance, restartEnds: restartEnds,
                                      net: net, views: views, stepPrinted: stepPrinted, stepCorrect: stepCorrect)
        let oneStep = [("w1", start.0 - goodAlpha * w1.grad), ("w2", start.1 - goodAlpha * w2.grad)]
        return Walkthrough(
            id: "regression-2d",
            title: "Gradient descent on a linear neuron: the bowl, the step size, stopping, restarts — and a sign error in δ",
            source: #""How do Neural Networks Learn?" (P. Khanarsa, FIBO, KMUTT), sections "Gradient descent algorithm", "Stop criteria" and "Backpropagation algorithm example""#,
            sections: sections, audit: audit,
            parameters: [("seed", .number(2026)),
                         ("x", .array(data.x.map { .array([.number($0.0), .number($0.1)]) })),
                         ("y", .array(data.y.map(JSONValue.number))),
                         ("start", .array([.number(start.0), .number(start.1)])),
                         ("goodAlpha", .number(goodAlpha)), ("bigAlpha", .number(bigAlpha)),
                         ("criticalAlpha", .number(critical)), ("tolerance", .number(tolerance)),
                         ("converged", .array([.number(good.w.0), .number(good.w.1)])),
                         ("note", .string("no data are printed; ours come from SplitMix64(2026)"))],
            forward: predictions.map { ($0.label!, $0.value) }, loss: cost.value,
            gradients: [("w1", w1.grad), ("w2", w2.grad)], updated: oneStep, graph: cost)
    }

    /// The loss of the δ test network after one step w := w − α·δ_j·a_i, using
    /// `outputDelta` for the output unit and the recursion for the hidden units.
    static func regressionStep(_ net: LayeredNetwork, outputDelta: Double, alpha: Double) -> Double {
        let hidden = net.layers[0], out = net.layers[1]
        let a = hidden.outputs.map(\.value), x = net.inputs.map(\.value)
        let deltaHidden = (0..<2).map { j in hidden.outputs[j].localDerivatives[0] * out.weights[0][j].value * outputDelta }
        let w1 = hidden.weights.enumerated().map { j, row in row.enumerated().map { i, w in w.value - alpha * deltaHidden[j] * x[i] } }
        let b1 = (0..<2).map { hidden.biases[$0].value - alpha * deltaHidden[$0] }
        let w2 = [out.weights[0].enumerated().map { j, w in w.value - alpha * outputDelta * a[j] }]
        let b2 = [out.biases[0].value - alpha * outputDelta]
        return withoutGradients { regressionTestNetwork(hidden: w1, hiddenBias: b1, output: w2, outputBias: b2).loss.value }
    }
}
