import Testing
@testable import Backprop

@Suite("Tensor: every op against finite differences")
struct TensorOpTests {
    /// Every op kind has an entry in the test table whose result records that op.
    /// `applyTensorOp` and `TensorOpTestData.instance` switch exhaustively over `TensorOpKind`, so a
    /// new op without a test entry stops the tests from compiling; an entry that does not
    /// actually produce its op (a typo, a no-op) fails here.
    @Test func everyOpKindHasATestEntry() {
        var data = TensorOpTestData(rng: SeededGenerator(seed: 1))
        for kind in TensorOpKind.allCases {
            // Some draws are no-ops (a full slice returns its input), so try a few.
            let recorded = (0..<20).contains { _ in
                let instance = data.instance(kind)
                let params = instance.inputs.map { $0.requiringGradient() }
                return applyTensorOp(kind, instance, params)?.node?.op?.kind == kind
            }
            #expect(recorded, "no test entry that records op \(kind)")
        }
    }

    @Test(arguments: TensorOpKind.allCases)
    func opMatchesCentralDifferences(kind: TensorOpKind) {
        var data = TensorOpTestData(rng: SeededGenerator(seed: 7 &+ UInt64(TensorOpKind.allCases.firstIndex(of: kind)!)))
        for trial in 0..<4 {
            let instance = data.instance(kind)
            let report = checkTensorGradients(of: { applyTensorOp(kind, instance, $0)! }, at: instance.inputs)
            #expect(report.passed, "\(kind) trial \(trial) \(instance)\n\(report)")
            #expect(report.kinks.isEmpty, "\(kind): unexpected kink\n\(report)")
        }
    }

    @Test(arguments: TensorOpKind.allCases)
    func floatAgreesWithDouble(kind: TensorOpKind) {
        var data = TensorOpTestData(rng: SeededGenerator(seed: 99 &+ UInt64(TensorOpKind.allCases.firstIndex(of: kind)!)))
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
}
