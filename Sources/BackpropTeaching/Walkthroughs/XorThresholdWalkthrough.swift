import Backprop

extension Walkthrough {
    /// `xor-threshold`: XOR from hand-set threshold units (`002_1dd5d5d05fbbafd6.txt`):
    ///
    /// ```
    /// h1 = Th(x1 + x2 − 0.5)   (OR)      h2 = Th(x1 + x2 − 1.5)   (AND)
    /// y  = Th(h1 − h2 − 0.5)             Th(a) = 1 if a > 0, else 0
    /// ```
    ///
    /// Built with the engine's `step`; the walkthrough also shows why such a network
    /// cannot be trained by back-propagation: every gradient through a step is 0.
    public static func xorThreshold(format: ExplanationFormat = .text) -> Walkthrough {
        let rows: [(Double, Double)] = [(0, 0), (1, 0), (0, 1), (1, 1)]
        // The printed weights and biases, as leaves shared by the four rows.
        let p = { (v: Double, l: String) in Value(v, label: l) }
        let u1 = [p(1, "u11"), p(1, "u12"), p(-0.5, "c1")], u2 = [p(1, "u21"), p(1, "u22"), p(-1.5, "c2")]
        let v = [p(1, "v1"), p(-1, "v2"), p(-0.5, "c3")]
        struct Row { let x1, x2, a1, h1, a2, h2, ay, y, xor: Value }
        var built: [Row] = []
        for (k, (a, b)) in rows.enumerated() {
            let x1 = Value(a, label: "x1(\(k + 1))"), x2 = Value(b, label: "x2(\(k + 1))")
            let a1 = (u1[0] * x1 + u1[1] * x2 + u1[2]).labeled("a1(\(k + 1))")
            let h1 = a1.step(threshold: 0).labeled("h1(\(k + 1))")
            let a2 = (u2[0] * x1 + u2[1] * x2 + u2[2]).labeled("a2(\(k + 1))")
            let h2 = a2.step(threshold: 0).labeled("h2(\(k + 1))")
            let ay = (v[0] * h1 + v[1] * h2 + v[2]).labeled("a_y(\(k + 1))")
            let y = ay.step(threshold: 0).labeled("y(\(k + 1))")
            let xor = (x1 - x2).squared()        // XOR of two bits
            built.append(Row(x1: x1, x2: x2, a1: a1, h1: h1, a2: a2, h2: h2, ay: ay, y: y, xor: xor))
        }
        var total = 0.5 * (built[0].y - built[0].xor.value).squared()
        for r in built.dropFirst() { total = total + 0.5 * (r.y - r.xor.value).squared() }
        let loss = total.labeled("E")
        loss.backward()
        let parameters = u1 + u2 + v
        func f(_ x: Double) -> String { x == x.rounded() ? String(Int(x)) : String(x) }
        let eq = { (s: String) in equationLine(s, format) }

        var sections: [(heading: String, body: String)] = []
        sections.append(("Setup", [
            "Two threshold units draw the lines x1 + x2 = 0.5 (OR) and x1 + x2 = 1.5 (AND); a third combines them:",
            eq("h1 = Th((1, 1, −0.5)·(x1, x2, 1)ᵀ),  h2 = Th((1, 1, −1.5)·(x1, x2, 1)ᵀ),  y = Th((1, −1, −0.5)·(h1, h2, 1)ᵀ)"),
            "Th(a) = 1 if a > 0, else 0: the engine's step(threshold: 0) is the same function.",
        ].joined(separator: "\n")))
        var table = [eq("x1  x2 | a1     h1 | a2     h2 | a_y    y | XOR")]
        for r in built {
            table.append(eq("\(f(r.x1.value))   \(f(r.x2.value))  | \(fixed(r.a1.value, 1)) \(r.a1.value < 0 ? "" : " ")  \(f(r.h1.value))  | \(fixed(r.a2.value, 1)) \(r.a2.value < 0 ? "" : " ")  \(f(r.h2.value))  | \(fixed(r.ay.value, 1)) \(r.ay.value < 0 ? "" : " ") \(f(r.y.value)) | \(f(r.xor.value))"))
        }
        sections.append(("Forward pass, row by row", table.joined(separator: "\n")))
        sections.append(("Loss", eq("E = ½ Σ_rows (y − XOR)² = \(fixed(loss.value, 5))   (every row is classified correctly)")))
        let names = NodeNames(graphOf: loss)
        let chain = chainRuleBlock([ChainRuleExplanation(of: built[1].y, withRespectTo: u1[0])], format, names: names)
        sections.append(("Backward pass: why nobody trains threshold units", [
            "The chain rule runs through Th, whose derivative is 0 wherever it is defined:",
            chain,
            "So every gradient is zero and gradient descent cannot move these weights:",
            eq(parameters.map { "∂E/∂\($0.label!) = \(f($0.grad))" }.joined(separator: ", ")),
            "This is why trainable networks replace Th by a smooth σ (see xor-train).",
        ].joined(separator: "\n")))
        let report = checkGradients(at: parameters.map(\.value), labels: parameters.map { $0.label! }) { q in
            var e: Value?
            for (a, b) in rows {
                let h1 = (q[0] * a + q[1] * b + q[2]).step(threshold: 0)
                let h2 = (q[3] * a + q[4] * b + q[5]).step(threshold: 0)
                let y = (q[6] * h1 + q[7] * h2 + q[8]).step(threshold: 0)
                let term = 0.5 * (y - (a - b) * (a - b)).squared()
                e = e.map { $0 + term } ?? term
            }
            return e!
        }
        sections.append(("Numerical gradient check (central differences)", codeBlock(report.description, format)))
        sections.append(("Update", "With all gradients 0 an update changes nothing: the hand-set weights are already a solution."))

        // Audit.
        // The document's table, columns XOR, h1, h2, y, exactly as printed.
        let printedTable = [["0", "0", "0", "0"], ["1", "1", "0", "1"], ["1", "1", "0", "1"], ["0", "1", "1", "0"]]
        var audit: [AuditEntry] = []
        for (k, ((a, b), r)) in zip(rows, built).enumerated() {
            let tag = "(\(Int(a)),\(Int(b)))", printed = printedTable[k]
            audit.append(AuditEntry("XOR\(tag)", printed: printed[0], computed: r.xor.value))
            audit.append(AuditEntry("h_1\(tag) = Th(x1 + x2 − 0.5)", printed: printed[1], computed: r.h1.value))
            audit.append(AuditEntry("h_2\(tag) = Th(x1 + x2 − 1.5)", printed: printed[2], computed: r.h2.value))
            audit.append(AuditEntry("y\(tag) = Th(h1 − h2 − 0.5)", printed: printed[3], computed: r.y.value))
        }
        let preActivations = built.flatMap { [$0.a1, $0.a2, $0.ay] }
        let thGap = preActivations.map { Swift.abs(($0.value > 0 ? 1.0 : 0.0) - $0.step(threshold: 0).value) }.max()!
        let orRows = built.filter { $0.h1.value == (($0.x1.value + $0.x2.value) > 0 ? 1 : 0) }.count
        let andRows = built.filter { $0.h2.value == (($0.x1.value * $0.x2.value) > 0 ? 1 : 0) }.count
        let linearGap = built.map { Swift.abs($0.ay.value - $0.y.value) }.max()!
        let separated = built.filter { ($0.ay.value > 0) == ($0.xor.value == 1) }.count
        audit += [
            AuditEntry(formula: "threshold unit", printed: "\\text{Th}(a) = 1 if a > 0, 0 otherwise",
                       largestDifference: thGap,
                       evidence: "largest |Th(a) − engine step(a)| over the 12 pre-activations (none is 0)"),
            AuditEntry(claim: "hidden unit h_1 (OR)", printed: "h_1 = \\text{Th}((1, 1, -0.5) (x_1, x_2, 1)^T)",
                       holds: orRows == 4, computed: Double(orRows), note: "h1 = OR(x1, x2) on \(orRows) of 4 rows"),
            AuditEntry(claim: "hidden unit h_2 (AND)", printed: "h_2 = \\text{Th}((1, 1, -1.5) (x_1, x_2, 1)^T)",
                       holds: andRows == 4, computed: Double(andRows), note: "h2 = AND(x1, x2) on \(andRows) of 4 rows"),
            AuditEntry(formula: "output unit", printed: "y = (1, -1, -0.5) (h_1, h_2, 1)^T",
                       largestDifference: linearGap,
                       evidence: "largest |printed linear y − tabulated y| over the rows (linear y = \(built.map { fixed($0.ay.value, 1) }.joined(separator: ", ")))",
                       cause: "the threshold is missing: y = Th((1, −1, −0.5)(h1, h2, 1)ᵀ); the weights are right"),
            AuditEntry(claim: "claim", printed: "In this new representation (h_1, h_2) the points are linearly separable",
                       holds: separated == 4, computed: Double(separated),
                       note: "the line h1 − h2 = 0.5 puts \(separated) of 4 rows on the side of their class"),
        ]
        return Walkthrough(
            id: "xor-threshold",
            title: "XOR from threshold units: OR and AND, composed",
            source: #""Machine Learning, Session 10: Deep Learning", section "Limits of linear classifiers" (XOR)"#,
            sections: sections, audit: audit,
            parameters: [("hidden1", .array([1, 1, -0.5].map(JSONValue.number))),
                         ("hidden2", .array([1, 1, -1.5].map(JSONValue.number))),
                         ("output", .array([1, -1, -0.5].map(JSONValue.number))),
                         ("activation", .string("Th(a) = 1 if a > 0 else 0 (engine: step(threshold: 0))"))],
            forward: built.enumerated().flatMap { k, r in
                [("h1(\(k + 1))", r.h1.value), ("h2(\(k + 1))", r.h2.value), ("y(\(k + 1))", r.y.value)]
            },
            loss: loss.value, gradients: parameters.map { ($0.label!, $0.grad) },
            updated: parameters.map { ($0.label!, $0.value) }, graph: loss)
    }
}
