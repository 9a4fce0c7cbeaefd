import Foundation
import Testing
@testable import Backprop

@Suite("Tensor: every op against finite differences")
struct TensorOpTests {
    /// Every op kind declared in the engine's sources (`TensorOpKind(rawValue: "…")`, in
    /// TensorOpKind.swift or in an op's own file under Ops/) is in the test table, once:
    /// `TensorOpKind` is a struct, so the compiler cannot catch a new op whose kind the
    /// table misses, and this test does.
    @Test func everyDeclaredOpKindIsInTheTestTable() throws {
        let declared = try TensorOpKind.declaredInSources()
        #expect(declared.count >= 40, "found only \(declared.count) kinds: is the source scan broken?")
        let tested = Set(TensorOpKind.tested.map(\.rawValue))
        for kind in declared.sorted() {
            #expect(tested.contains(kind), "op kind \(kind) has no entry in TensorOpKind.tested (TensorOpTestTable.swift)")
        }
        #expect(tested.isSubset(of: declared), "test entries for undeclared kinds: \(tested.subtracting(declared).sorted())")
        #expect(tested.count == TensorOpKind.tested.count, "a kind is listed twice in TensorOpKind.tested")
    }

    /// Every op kind in the test table (`TensorOpKind.tested`) has an entry whose result
    /// records that op: an entry that does not actually produce its op (a typo, a no-op)
    /// fails here.
    @Test func everyOpKindHasATestEntry() {
        var data = TensorOpTestData(rng: SeededGenerator(seed: 1))
        for kind in TensorOpKind.tested {
            // Some draws are no-ops (a full slice returns its input), so try a few.
            let recorded = (0..<20).contains { _ in
                let instance = data.instance(kind)
                let params = instance.inputs.map { $0.requiringGradient() }
                return applyTensorOp(kind, instance, params)?.node?.op?.kind == kind
            }
            #expect(recorded, "no test entry that records op \(kind)")
        }
    }

    @Test(arguments: TensorOpKind.tested)
    func opMatchesCentralDifferences(kind: TensorOpKind) {
        var data = TensorOpTestData(rng: SeededGenerator(seed: 7 &+ UInt64(TensorOpKind.tested.firstIndex(of: kind)!)))
        for trial in 0..<4 {
            let instance = data.instance(kind)
            let report = checkTensorGradients(of: { applyTensorOp(kind, instance, $0)! }, at: instance.inputs)
            #expect(report.passed, "\(kind) trial \(trial) \(instance)\n\(report)")
            #expect(report.kinks.isEmpty, "\(kind): unexpected kink\n\(report)")
        }
    }

    @Test(arguments: TensorOpKind.tested)
    func floatAgreesWithDouble(kind: TensorOpKind) {
        var data = TensorOpTestData(rng: SeededGenerator(seed: 99 &+ UInt64(TensorOpKind.tested.firstIndex(of: kind)!)))
        for _ in 0..<3 {
            let instance = data.instance(kind)
            let xd = instance.inputs.map { $0.requiringGradient() }
            let xf = instance.inputs.map {
                Tensor<Float>(shape: $0.shape, scalars: $0.scalars.map { Float($0) }, requiresGradient: true)
            }
            let yd = applyTensorOp(kind, instance, xd)!
            let yf = applyTensorOp(kind, instance, xf)!
            #expect(yd.shape == yf.shape)
            for (a, b) in zip(yd.scalars, yf.scalars) { #expect(Swift.abs(a - Double(b)) <= 1e-5 * (1 + Swift.abs(a))) }
            guard yd.requiresGradient else { continue }
            let w = data.tensor(yd.shape)
            let gd = gradients(of: yd, withRespectTo: xd, upstream: w)
            let gf = gradients(of: yf, withRespectTo: xf,
                               upstream: Tensor<Float>(shape: w.shape, scalars: w.scalars.map { Float($0) }))
            for (d, f) in zip(gd, gf) {
                #expect(d.shape == f.shape)
                for (a, b) in zip(d.scalars, f.scalars) {
                    #expect(Swift.abs(a - Double(b)) <= 1e-4 * (1 + Swift.abs(a)), "\(kind): \(a) vs \(b)")
                }
            }
        }
    }

    /// maximum and minimum: the gradient goes to the larger (smaller) element, a tie
    /// splits it half and half (the central difference at a tie), NaN propagates.
    @Test func maximumAndMinimumSplitTiesAndPropagateNaN() {
        let a = Tensor<Double>([1, 2, 3], requiresGradient: true), b = Tensor<Double>([1, 5, -1], requiresGradient: true)
        let y = Tensor.maximum(a, b)
        #expect(y.scalars == [1, 5, 3])
        y.sum().backward()
        #expect(a.gradient!.scalars == [0.5, 0, 1] && b.gradient!.scalars == [0.5, 1, 0])
        a.zeroGradients(); b.zeroGradients()
        let z = Tensor.minimum(a, b)
        #expect(z.scalars == [1, 2, -1])
        z.sum().backward()
        #expect(a.gradient!.scalars == [0.5, 1, 0] && b.gradient!.scalars == [0.5, 0, 1])
        // A central difference at the tie measures the same half.
        let h = 1e-6
        let up = Tensor.maximum(Tensor<Double>([1 + h]), Tensor<Double>([1])).scalar
        let down = Tensor.maximum(Tensor<Double>([1 - h]), Tensor<Double>([1])).scalar
        #expect(Swift.abs((up - down) / (2 * h) - 0.5) < 1e-9)
        // Broadcasting: a scalar against a row; its gradient sums over the row.
        let s = Tensor<Double>(2, requiresGradient: true)
        Tensor.maximum(s, Tensor<Double>([1, 2, 3])).sum().backward()
        #expect(s.gradient!.scalar == 1.5)
        let nan = Tensor.maximum(Tensor<Double>([.nan, 1]), Tensor<Double>([0, .nan]))
        #expect(nan.scalars.allSatisfy { $0.isNaN })
        #expect(Tensor.minimum(Tensor<Float>([.nan]), Tensor<Float>([0])).scalar.isNaN)
    }
}
