import Backprop

extension Walkthrough {
    /// `xor-train`: the motivating example of the EE514/CS535 notes
    /// (`001_6bc762e58b165d6e.txt`): a 2-2-1 sigmoid MLP of scalar Values trained by
    /// full-batch gradient descent on XOR (seed 1, η = 2) until it classifies all four
    /// samples; the notes print only the truth table, so that and their two claims
    /// are what is audited.
    public static func xorTrain(format: ExplanationFormat = .text) -> Walkthrough {
        let seed: UInt64 = 1, eta = 2.0, maxEpochs = 3000
        let training = XorTraining(hidden: 2, seed: seed)
        let initial = training.parameters.all.map { ($0.label!, $0.value) }
        let eq = { (s: String) in equationLine(s, format) }
        func f(_ x: Double) -> String { fixed(x, 5) }

        var sections: [(heading: String, body: String)] = []
        sections.append(("Setup", [
            "A 2-2-1 network, sigmoid units: h_j = σ(w_j1·x_1 + w_j2·x_2 + b_j), ŷ = σ(v_1·h_1 + v_2·h_2 + c),",
            "trained on the four rows of the XOR table with E = Σ_samples ½(ŷ − t)² by full-batch gradient descent, η = 2.",
            "The notes give no weights or learning rate (the network is in a missing figure); ours start uniform in [−1, 1] from SplitMix64(seed 1):",
            eq(initial.map { "\($0.0) = \(fixed($0.1, 4))" }.joined(separator: ", ")),
        ].joined(separator: "\n")))
        let first = training.network(1)
        let s = NetworkSections(first, format: format)
        sections.append(("Forward pass on the sample (1, 0) at the start", s.forward() + "\n" + s.loss()))
        sections.append(("The chain rule on that sample", s.chainRule(for: [training.parameters.weights[1][0][0], training.parameters.weights[0][0][0]])))
        sections.append(("The δ view on that sample", DeltaView(first).rendered(format)))
        let all = training.parameters.all
        let report = checkGradients(at: all.map(\.value), labels: all.map { $0.label! }, of: training.lossFunction())
        sections.append(("Numerical gradient check of E over all four samples", codeBlock(report.description, format)))

        // Training.
        let startLoss = training.loss
        var startGradients: [(String, Double)] = []
        for k in 0..<4 { training.network(k).loss.backward() }
        startGradients = all.map { ($0.label!, $0.grad) }
        all.zeroGradients()
        var trace = [eq("epoch      E          correct")]
        var epoch = 0
        while epoch < maxEpochs {
            if epoch % 250 == 0 { trace.append(eq(String(format: "%-10d %-10.6f %d/4", epoch, training.loss, training.correct))) }
            training.step(learningRate: eta)
            epoch += 1
            if training.correct == 4 && training.loss < 0.01 { break }
        }
        let outputs = training.outputs
        trace.append(eq(String(format: "%-10d %-10.6f %d/4   (stop: all four right and E < 0.01)", epoch, training.loss, training.correct)))
        sections.append(("Training (η = 2, full batch)", trace.joined(separator: "\n")))
        var result = [eq("x1 x2 | t | ŷ        | class")]
        let hiddenValues: [[Double]] = withoutGradients { (0..<4).map { k in training.network(k).layers[0].outputs.map(\.value) } }
        for (k, (x, t)) in XorTraining.samples.enumerated() {
            result.append(eq("\(Int(x[0]))  \(Int(x[1]))  | \(Int(t)) | \(f(outputs[k])) | \(outputs[k] > 0.5 ? 1 : 0)"))
        }
        let hiddenTable = (0..<2).map { j in "h_\(j + 1) on the four rows: " + hiddenValues.map { fixed($0[j], 3) }.joined(separator: ", ") }
        result.append("What the hidden units learned (compare OR = 0,1,1,1 and AND = 0,0,0,1, possibly negated):")
        result += hiddenTable.map(eq)
        sections.append(("The trained network", result.joined(separator: "\n")))
        let stalled = XorTraining(hidden: 2, seed: 4)
        for _ in 0..<1500 { stalled.step(learningRate: eta) }
        sections.append(("Why restarts matter", "The same recipe from seed 4 stalls: after 1500 epochs E = \(f(stalled.loss)) with \(stalled.correct)/4 right — a flat region of a non-convex cost. A new random start fixes it."))

        // Audit: the printed table against the trained network's decisions, and the two claims.
        let decisions: [Double] = withoutGradients { (0..<4).map { training.network($0).outputs[0].step(threshold: 0.5).value } }
        let perceptron = XorTraining(hidden: 0, seed: seed)
        for _ in 0..<2000 { perceptron.step(learningRate: eta) }
        var bestThreshold = 0
        withoutGradients {
            let grid = stride(from: -3.0, through: 3.0, by: 0.25).map { $0 }
            for a in grid { for b in grid { for c in grid {
                let right = XorTraining.samples.filter { x, t in
                    (Value(a) * x[0] + Value(b) * x[1] + c).step(threshold: 0).value == t
                }.count
                bestThreshold = max(bestThreshold, right)
            } } }
        }
        let composes = XorTraining.samples.allSatisfy { x, t in
            let or = max(x[0], x[1]), and = x[0] * x[1]
            return (or == 1 && and == 0) == (t == 1)
        }
        let printed = ["0", "1", "1", "0"]
        var audit = zip(XorTraining.samples, printed).enumerated().map { k, pair in
            AuditEntry("XOR(\(Int(pair.0.0[0])),\(Int(pair.0.0[1])))", printed: pair.1, computed: decisions[k])
        }
        audit += [
            AuditEntry(claim: "claim: a single perceptron cannot classify XOR",
                       printed: "(1969) Minsky and Papert showed that a perceptron cannot classify XOR output.",
                       holds: bestThreshold < 4 && perceptron.correct < 4, computed: Double(bestThreshold),
                       note: "no threshold unit with weights and bias on a 0.25-grid in [−3, 3] gets more than \(bestThreshold)/4 rows; a single sigmoid unit trained like the MLP reaches \(perceptron.correct)/4 (E = \(fixed(perceptron.loss, 4)))"),
            AuditEntry(claim: "idea: learn AND and OR boundaries", printed: "Idea: Learn AND and OR boundaries.",
                       holds: composes && training.correct == 4, computed: Double(training.correct),
                       note: "XOR = OR ∧ ¬AND on all four rows; the trained 2-2-1 network, whose two hidden units each draw one line, gets \(training.correct)/4"),
        ]
        return Walkthrough(
            id: "xor-train",
            title: "Training a 2-2-1 sigmoid network on XOR with scalar Values",
            source: #""Machine Learning EE514 – CS535: Neural Networks" (Z. Khalid, LUMS), section "Neural Networks – Infamous XOR Problem""#,
            sections: sections, audit: audit,
            parameters: [("seed", .number(Double(seed))), ("learningRate", .number(eta)),
                         ("epochs", .number(Double(epoch))), ("initial", .numbers(initial)),
                         ("finalLoss", .number(training.loss)), ("accuracy", .number(Double(training.correct) / 4)),
                         ("note", .string("no network or learning rate is printed; ours, seeded"))],
            forward: zip(XorTraining.samples, outputs).map { ("ŷ(\(Int($0.0[0])),\(Int($0.0[1])))", $1) },
            loss: startLoss, gradients: startGradients,
            updated: training.parameters.all.map { ($0.label!, $0.value) }, graph: first.loss)
    }
}
