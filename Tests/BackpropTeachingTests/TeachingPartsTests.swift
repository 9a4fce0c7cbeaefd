import Backprop
import Foundation
import Testing
@testable import BackpropTeaching

@Suite("Teaching parts: δ view, delta rule, regression, parsing, JSON")
struct TeachingPartsTests {
    static func network(_ f: LayeredNetwork.Activation = .sigmoid) -> LayeredNetwork {
        LayeredNetwork(inputs: [0.3, -0.8, 0.5], weights: [[[0.2, -0.4, 0.1], [0.7, 0.3, -0.6]], [[0.5, -0.9], [0.25, 0.4]]],
                       biases: [[0.1, -0.2], [0.05, 0.3]], activations: [f, .sigmoid], targets: [0.2, 0.7], naming: .bracket)
    }

    @Test("δ of every unit equals a central difference of the loss in that unit's bias", arguments: [LayeredNetwork.Activation.sigmoid, .tanh, .identity])
    func deltasByFiniteDifferences(f: LayeredNetwork.Activation) {
        let net = Self.network(f)
        let view = DeltaView(net)
        let loss = net.lossFunction(), point = net.parameters.all.map(\.value)
        let biasIndex = [[6, 7], [12, 13]]        // each layer's biases follow its weights
        for l in 0..<2 {
            for j in 0..<2 {
                var plus = point, minus = point
                plus[biasIndex[l][j]] += 1e-6
                minus[biasIndex[l][j]] -= 1e-6
                let fd = withoutGradients { (loss(plus.map { Value($0) }).value - loss(minus.map { Value($0) }).value) / 2e-6 }
                #expect(Swift.abs(view.recursion[l][j] - fd) < 1e-8, "layer \(l + 1) unit \(j + 1): \(view.recursion[l][j]) vs \(fd)")
            }
        }
        #expect(view.largestDiscrepancy < 1e-15)
        #expect(view.rendered(.latex).contains("\\delta^{(1)}_{1}"))
        #expect(view.rendered(.markdown).contains("$$"))
        #expect(view.rendered().contains("δ(2)_1"))
    }

    @Test("the algorithm box's hidden δ differs from the gradient by −α·h²(1 − h)·Σδ², linearly in α")
    func deltaRuleVariant() {
        let sgd = LayeredNetwork(inputs: [0.05, 0.10], weights: [[[0.15, 0.20], [0.25, 0.30]], [[0.40, 0.45], [0.50, 0.55]]],
                                 biases: [[0.35, 0.35], [0.60, 0.60]], activations: [.sigmoid, .sigmoid],
                                 targets: [0.01, 0.99], naming: Walkthrough.sgdNaming)
        let step = DeltaRuleStep(sgd, alpha: 0.5)
        // The true γ is ∂f/∂(hidden bias): check it by central differences.
        let loss = sgd.lossFunction(), point = sgd.parameters.all.map(\.value)
        for (m, index) in [4, 5].enumerated() {
            var plus = point, minus = point
            plus[index] += 1e-6
            minus[index] -= 1e-6
            let fd = withoutGradients { (loss(plus.map { Value($0) }).value - loss(minus.map { Value($0) }).value) / 2e-6 }
            #expect(Swift.abs(step.trueGamma[m] - fd) < 1e-9)
            #expect(Swift.abs(step.variantGamma[m] - step.trueGamma[m] - step.closedForm[m]) < 1e-15)
        }
        // Literature value (the independent audit): −16.84 % and −14.88 % at α = 0.5.
        #expect(Swift.abs(step.relativeError[0] + 0.168377) < 1e-5)
        #expect(Swift.abs(step.relativeError[1] + 0.148847) < 1e-5)
        let double = DeltaRuleStep(sgd, alpha: 1.0)
        #expect(Swift.abs(double.relativeError[0] - 2 * step.relativeError[0]) < 1e-12)
    }

    @Test("gradient descent on the bowl: converges below 2/λ_max, diverges above, stops at the normal-equation minimum")
    func regressionBowl() {
        var rng = SplitMix64(seed: 2026)
        let data = LinearRegression(count: 12, rng: &rng)
        let bowl = data.bowl
        let limit = 2 / bowl.lambdaMax
        let below = data.descend(from: (0, 0), alpha: 0.95 * limit, tolerance: 1e-12, maxSteps: 50000)
        let above = data.descend(from: (0, 0), alpha: 1.05 * limit, tolerance: 1e-12, maxSteps: 400)
        #expect(below.stopped && Swift.abs(below.w.0 - bowl.minimum.0) < 1e-4 && Swift.abs(below.w.1 - bowl.minimum.1) < 1e-4)
        #expect(!above.stopped && above.costs.last! > above.costs.first!)
        // The minimum has zero gradient (checked through the engine).
        let w1 = Value(bowl.minimum.0), w2 = Value(bowl.minimum.1)
        let e = data.cost(w1, w2).cost
        e.backward()
        #expect(Swift.abs(w1.grad) < 1e-9 && Swift.abs(w2.grad) < 1e-9)
    }

    @Test("the notes' output δ has the wrong sign, and one step with it raises E")
    func regressionSignError() {
        let net = Walkthrough.regressionTestNetwork()
        let a = net.outputs[0].value
        let printed = 2 * (0.01 - a) * a * (1 - a)
        let view = DeltaView(net)
        #expect(Swift.abs(printed + view.deltas[1][0]) < 1e-15)
        // Independent values (mpmath): E 0.5496221664 → 0.6138356703 (printed δ), 0.4817849408 (correct δ).
        #expect(Swift.abs(Walkthrough.regressionStep(net, outputDelta: printed, alpha: 0.5) - 0.6138356702635521) < 1e-12)
        #expect(Swift.abs(Walkthrough.regressionStep(net, outputDelta: view.deltas[1][0], alpha: 0.5) - 0.4817849407741164) < 1e-12)
    }

    @Test("XOR training reaches 100 % and a single unit cannot")
    func xor() {
        let w = Walkthrough.xorTrain()
        let object = w.json
        guard case .object(let pairs) = object, case .object(let parameters)? = pairs.first(where: { $0.0 == "parameters" })?.1 else {
            Issue.record("no parameters")
            return
        }
        #expect(parameters.contains { $0.0 == "accuracy" && $0.1 == .number(1) })
        let single = XorTraining(hidden: 0, seed: 1)
        for _ in 0..<500 { single.step(learningRate: 2) }
        #expect(single.correct < 4)
    }

    @Test("printed numbers: minus signs, powers of ten, precision")
    func printedNumbers() {
        let a = PrintedNumber("2.5·10^-3")
        #expect(a.value == 0.0025 && a.decimals == 4 && a.significantDigits == 2)
        let b = PrintedNumber("−0.17044")
        #expect(b.value == -0.17044 && b.decimals == 5 && b.significantDigits == 5)
        #expect(PrintedNumber("5·10^-4").decimals == 4)
        #expect(PrintedNumber("0").decimals == 0)
        #expect(AuditEntry("x", printed: "2.5·10^-3", computed: 0.0005205740040386244).verdict == .wrong)
        #expect(AuditEntry("x", printed: "2.5·10^-3", computed: 0.00251).verdict == .match)
        // One unit off in a two-digit number is not forgiven.
        #expect(AuditEntry("x", printed: "0.39", computed: 0.3801).verdict == .wrong)
        let formula = AuditEntry(formula: "f", printed: "x", documentValue: -1.5, computed: 1.5, evidence: "e", cause: "sign")
        #expect(formula.verdict == .wrong && formula.note.contains("sign") && formula.kind == .formula)
    }

    @Test("JSON: escapes, non-finite numbers, round trip")
    func json() throws {
        let value = JSONValue.object([("a \"q\"\n", .string("tab\t\\")), ("n", .number(.nan)), ("x", .number(0.1)),
                                      ("i", .number(3)), ("l", .array([.bool(true), .null]))])
        let text = value.encoded()
        #expect(text == #"{"a \"q\"\n":"tab\t\\","n":null,"x":0.1,"i":3,"l":[true,null]}"#)
        let parsed = try JSONSerialization.jsonObject(with: Data(text.utf8)) as! [String: Any]
        #expect(parsed["a \"q\"\n"] as? String == "tab\t\\")
    }
}

@Suite("DOT export")
struct DotExportTests {
    @Test("records carry name, op, value and the adjoint; edges carry the local derivative")
    func smallGraph() {
        let x = Value(2, label: "x"), y = Value(3, label: "y")
        let out = (x * y + 1).tanh().labeled("out")
        let text = dot(out, title: "t")
        let t = Foundation.tanh(7.0), dt = 1 - t * t
        #expect(text.hasPrefix("digraph \"t\" {"))
        #expect(text.contains("{x | leaf | value 2.00000 | grad \(fixed(3 * dt, 5))}"))
        #expect(text.contains("{y | leaf | value 3.00000 | grad \(fixed(2 * dt, 5))}"))
        #expect(text.contains("{out | tanh | value \(fixed(t, 5)) | grad 1.00000}"))
        #expect(text.contains("· + 1.0"), "the constant operand is shown in the op")
        // x → (x·y) is labelled ∂(x·y)/∂x = y = 3.
        #expect(text.contains("[label=\"3.00000\"]"))
        #expect(x.grad == 0, "exporting does not run a backward pass")
        #expect(text.hasSuffix("}"))
    }

    @Test("labels with record metacharacters are escaped")
    func escaping() {
        let a = Value(1, label: "a|{b}")
        let text = dot(a * 2)
        #expect(text.contains("a\\|\\{b\\}"))
    }
}
