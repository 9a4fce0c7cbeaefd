import _Differentiation
import Foundation
import Testing
@testable import Backprop

/// One test case per op of the rule table: how to build it from `Value`s, an
/// independent reference written for Swift's compiler differentiation, and points
/// away from kinks where both must agree.
struct ScalarOpCase: CustomTestStringConvertible, Sendable {
    let op: ScalarOp
    let points: [[Double]]
    let build: @Sendable ([Value]) -> Value
    let reference: @Sendable ([Double]) -> (value: Double, gradient: [Double])
    var testDescription: String { "\(op)" }
}

@differentiable(reverse) func refSigmoid(_ x: Double) -> Double { 1 / (1 + Foundation.exp(-x)) }
@differentiable(reverse) func refRelu(_ x: Double) -> Double { x > 0 ? x : 0 }
@differentiable(reverse) func refLeaky(_ x: Double) -> Double { x > 0 ? x : 0.05 * x }
@differentiable(reverse) func refStep(_ x: Double) -> Double { x >= 0.3 ? 1 : 0 }
@differentiable(reverse) func refAbs(_ x: Double) -> Double { x > 0 ? x : -x }
@differentiable(reverse) func refMax(_ x: Double, _ y: Double) -> Double { x > y ? x : y }
@differentiable(reverse) func refMin(_ x: Double, _ y: Double) -> Double { x < y ? x : y }

/// Reference value and gradient of a unary function from `_Differentiation`.
func unaryReference(_ f: @escaping @differentiable(reverse) (Double) -> Double) -> @Sendable ([Double]) -> (value: Double, gradient: [Double]) {
    nonisolated(unsafe) let f = f
    return { x in
        let (v, pullback) = valueWithPullback(at: x[0], of: f)
        return (v, [pullback(1)])
    }
}

/// Reference value and gradient of a binary function from `_Differentiation`.
func binaryReference(_ f: @escaping @differentiable(reverse) (Double, Double) -> Double) -> @Sendable ([Double]) -> (value: Double, gradient: [Double]) {
    nonisolated(unsafe) let f = f
    return { x in
        let (v, pullback) = valueWithPullback(at: x[0], x[1], of: f)
        let g = pullback(1)
        return (v, [g.0, g.1])
    }
}

let unaryPoints: [[Double]] = [[-1.7], [-0.4], [0.35], [1.3], [2.9]]
let positivePoints: [[Double]] = [[0.2], [0.9], [1.5], [3.7]]
let binaryPoints: [[Double]] = [[0.7, -1.3], [-2.1, 0.4], [1.9, 2.6], [-0.8, -1.5]]
let positiveBasePoints: [[Double]] = [[0.7, -1.3], [2.1, 0.4], [1.9, 2.6], [0.5, 3.0]]

/// The op table's test cases; `everyOpHasATestCase` fails when an op is missing.
let scalarOpCases: [ScalarOpCase] = [
    ScalarOpCase(op: .add, points: binaryPoints, build: { $0[0] + $0[1] },
                 reference: binaryReference { $0 + $1 }),
    ScalarOpCase(op: .subtract, points: binaryPoints, build: { $0[0] - $0[1] },
                 reference: binaryReference { $0 - $1 }),
    ScalarOpCase(op: .multiply, points: binaryPoints, build: { $0[0] * $0[1] },
                 reference: binaryReference { $0 * $1 }),
    ScalarOpCase(op: .divide, points: binaryPoints, build: { $0[0] / $0[1] },
                 reference: binaryReference { $0 / $1 }),
    ScalarOpCase(op: .negate, points: unaryPoints, build: { -$0[0] },
                 reference: unaryReference { -$0 }),
    ScalarOpCase(op: .power, points: positiveBasePoints, build: { $0[0].raised(to: $0[1]) },
                 reference: binaryReference { Foundation.pow($0, $1) }),
    ScalarOpCase(op: .powerConstant, points: positivePoints, build: { $0[0].raised(to: 2.5) },
                 reference: unaryReference { Foundation.pow($0, 2.5) }),
    ScalarOpCase(op: .exp, points: unaryPoints, build: { $0[0].exp() },
                 reference: unaryReference { Foundation.exp($0) }),
    ScalarOpCase(op: .log, points: positivePoints, build: { $0[0].log() },
                 reference: unaryReference { Foundation.log($0) }),
    ScalarOpCase(op: .squareRoot, points: positivePoints, build: { $0[0].squareRoot() },
                 reference: unaryReference { Foundation.sqrt($0) }),
    ScalarOpCase(op: .sin, points: unaryPoints, build: { $0[0].sin() },
                 reference: unaryReference { Foundation.sin($0) }),
    ScalarOpCase(op: .cos, points: unaryPoints, build: { $0[0].cos() },
                 reference: unaryReference { Foundation.cos($0) }),
    ScalarOpCase(op: .tanh, points: unaryPoints, build: { $0[0].tanh() },
                 reference: unaryReference { Foundation.tanh($0) }),
    ScalarOpCase(op: .sigmoid, points: unaryPoints, build: { $0[0].sigmoid() },
                 reference: unaryReference(refSigmoid)),
    ScalarOpCase(op: .relu, points: unaryPoints, build: { $0[0].relu() },
                 reference: unaryReference(refRelu)),
    ScalarOpCase(op: .leakyRelu, points: unaryPoints, build: { $0[0].leakyRelu(slope: 0.05) },
                 reference: unaryReference(refLeaky)),
    ScalarOpCase(op: .step, points: unaryPoints, build: { $0[0].step(threshold: 0.3) },
                 reference: unaryReference(refStep)),
    ScalarOpCase(op: .abs, points: unaryPoints, build: { $0[0].abs() },
                 reference: unaryReference(refAbs)),
    // `.elementwise`: the table's functions without a case of their own (softplus).
    ScalarOpCase(op: .elementwise, points: unaryPoints, build: { $0[0].softplus() },
                 reference: unaryReference { Foundation.log1p(Foundation.exp($0)) }),
    ScalarOpCase(op: .max, points: binaryPoints, build: { Value.maximum($0[0], $0[1]) },
                 reference: binaryReference(refMax)),
    ScalarOpCase(op: .min, points: binaryPoints, build: { Value.minimum($0[0], $0[1]) },
                 reference: binaryReference(refMin)),
]

@Suite("Scalar op rules")
struct ScalarOpRuleTests {
    @Test("every op with inputs has a test case")
    func everyOpHasATestCase() {
        let tested = Set(scalarOpCases.map(\.op))
        let untested = ScalarOp.allCases.filter { $0.arity > 0 && !tested.contains($0) }
        #expect(untested.isEmpty, "ops without a test case: \(untested)")
        #expect(Set(scalarOpCases.map(\.op)).count == scalarOpCases.count, "duplicate test cases")
    }

    @Test("value and gradient match Swift's compiler differentiation", arguments: scalarOpCases)
    func matchesCompilerDifferentiation(_ c: ScalarOpCase) {
        for p in c.points {
            let leaves = p.map { Value($0) }
            let out = c.build(leaves)
            #expect(out.op == c.op)
            out.backward()
            let (value, gradient) = c.reference(p)
            #expect(Swift.abs(out.value - value) <= 1e-12 * Swift.max(1, Swift.abs(value)), "\(c.op) at \(p)")
            for (leaf, g) in zip(leaves, gradient) {
                #expect(Swift.abs(leaf.grad - g) <= 1e-12 * Swift.max(1, Swift.abs(g)),
                        "\(c.op) at \(p): engine \(leaf.grad), compiler \(g)")
            }
        }
    }

    @Test("gradient matches central differences", arguments: scalarOpCases)
    func matchesCentralDifferences(_ c: ScalarOpCase) {
        for p in c.points {
            let report = checkGradients(at: p, of: c.build)
            #expect(report.passed, "\(c.op) at \(p):\n\(report)")
        }
    }

    @Test("local derivatives are stored on the node after the forward pass", arguments: scalarOpCases)
    func localDerivativesReadable(_ c: ScalarOpCase) {
        let p = c.points[0]
        let out = c.build(p.map { Value($0) })
        let (_, gradient) = c.reference(p)
        #expect(out.inputs.count == c.op.arity)
        for (stored, expected) in zip(out.localDerivatives, gradient) {
            #expect(Swift.abs(stored - expected) <= 1e-12 * Swift.max(1, Swift.abs(expected)))
        }
    }
}

@Suite("Constant operands")
struct ConstantOperandTests {
    @Test("Double on either side of + − × ÷")
    func constantsOnEitherSide() {
        let x = Value(1.7)
        let cases: [(Value, Double, String)] = [
            (x + 2, 1, "x + 2"), (2 + x, 1, "2 + x"),
            (x - 2, 1, "x - 2"), (2 - x, -1, "2 - x"),
            (x * 3, 3, "x * 3"), (3 * x, 3, "3 * x"),
            (x / 4, 0.25, "x / 4"), (4 / x, -4 / (1.7 * 1.7), "4 / x"),
        ]
        let values: [Double] = [3.7, 3.7, -0.3, 0.3, 5.1, 5.1, 0.425, 4 / 1.7]
        for ((out, expectedGrad, name), expectedValue) in zip(cases, values) {
            x.grad = 0
            out.backward()
            #expect(Swift.abs(out.value - expectedValue) < 1e-12, "\(name)")
            #expect(Swift.abs(x.grad - expectedGrad) < 1e-12, "\(name)")
            #expect(out.inputs.count == 1 && out.constantOperand != nil, "\(name)")
        }
        #expect((2 - x).constantOperand?.isFirst == true)
        #expect((x - 2).constantOperand?.isFirst == false)
    }
}
