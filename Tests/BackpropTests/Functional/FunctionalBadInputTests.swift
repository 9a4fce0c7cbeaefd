import Testing
import Backprop

/// Bad calls of the function transformations stop with a message naming the problem
/// and the caller's file (each case runs in a child process).
@Suite("Bad input: function transformations")
struct FunctionalBadInputTests {
    static let cases: [(name: String, message: String)] = [
        ("grad non-scalar", "valueAndGrad: the function returned shape [2] (2 elements), not a single element; use vjp or jacobian"),
        ("hessian non-scalar", "valueAndGrad: the function returned shape [2] (2 elements), not a single element"),
        ("grad without gradients", "valueAndGrad: called inside withoutGradients"),
        ("jacobian without gradients", "jacobian: called inside withoutGradients"),
        ("scalar grad without gradients", "valueAndGrad: called inside withoutGradients"),
        ("jvp tangent shape", "jvp: tangent has shape [3], the input has shape [2]"),
        ("vjp cotangent shape", "vjp: cotangent has shape [3], the output has shape [2]"),
        ("hvp v shape", "hvp: v has shape [1], the input has shape [2]"),
    ]

    @Test("bad input stops with a message naming the problem and the caller", arguments: cases)
    func badInput(name: String, message: String) async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            [name = name as String] in
            Self.trigger(name)
        }
        let text = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
        #expect(text.contains(message), "case '\(name)': \(text)")
        #expect(text.contains("FunctionalBadInputTests.swift"), "case '\(name)' names the caller's file: \(text)")
    }

    static func trigger(_ name: String) {
        typealias T = Tensor<Double>
        let x = T([1, 2])
        switch name {
        case "grad non-scalar": _ = grad { (x: T) in x * 2 }(x)
        case "hessian non-scalar": _ = hessian({ $0 * 2 }, at: x)
        case "grad without gradients": _ = withoutGradients { grad { (x: T) in x.sum() }(x) }
        case "jacobian without gradients": _ = withoutGradients { jacobian({ $0 * 2 }, at: x) }
        case "scalar grad without gradients": _ = withoutGradients { grad { (x: Value) in x * x }(1) }
        case "jvp tangent shape": _ = jvp({ $0 * 2 }, at: x, tangent: T([1, 2, 3]))
        case "vjp cotangent shape": _ = vjp({ $0 * 2 }, at: x).pullback(T([1, 2, 3]))
        case "hvp v shape": _ = hvp({ $0.sum() }, at: x, v: T([1]))
        default: Issue.record("no trigger for '\(name)'")
        }
    }
}
