import Testing
import BackpropTestSupport
@testable import Backprop

/// Compiled programs against the eager engine (itself checked against finite
/// differences): the program is traced at one point and run at another, so a value
/// frozen at trace time shows up as a mismatch.
@Suite struct TensorProgramTests {
    /// The inputs scaled elementwise by factors in [0.8, 1.2] (signs kept, so domains
    /// such as log's and sqrt's are kept too).
    static func perturbed(_ x: [Tensor<Double>], _ rng: inout SeededGenerator) -> [Tensor<Double>] {
        x.map { t in Tensor(shape: t.shape, scalars: t.scalars.map { $0 * (0.8 + 0.4 * rng.nextUnitInterval()) }) }
    }

    /// L = Σ w ⊙ op(x): every output element gets its own weight, so every entry of the
    /// vector–Jacobian product is checked.
    @Test(arguments: TensorOpKind.tested)
    func valueAndGradientsMatchEagerAtNewInputs(kind: TensorOpKind) throws {
        var data = TensorOpTestData(rng: SeededGenerator(seed: 31 &+ UInt64(TensorOpKind.tested.firstIndex(of: kind)!)))
        var rng = SeededGenerator(seed: 5)
        for trial in 0..<3 {
            let instance = data.instance(kind)
            guard let probe = applyTensorOp(kind, instance, instance.inputs) else { continue }
            let weights = Tensor<Double>(shape: probe.shape, scalars: (0..<probe.count).map { _ in rng.nextNormal() })
            let loss: ([Tensor<Double>]) -> Tensor<Double> = { x in (applyTensorOp(kind, instance, x)! * weights).sum() }
            let program = try TensorProgram(valueAndGradientsOf: loss, at: instance.inputs,
                                            withRespectTo: Array(instance.inputs.indices))
            for _ in 0..<2 {
                let x = TensorProgramTests.perturbed(instance.inputs, &rng)
                let outputs = program(x)
                let params = x.map { $0.requiringGradient() }
                let eager = loss(params)
                let eagerGradients = gradients(of: eager, withRespectTo: params)
                #expect(isClose(outputs[0], eager.detached()), "\(kind) trial \(trial) value \(instance)")
                for i in params.indices {
                    #expect(isClose(outputs[i + 1], eagerGradients[i]),
                            "\(kind) trial \(trial) gradient \(i) \(instance)\nprogram \(outputs[i + 1])\neager \(eagerGradients[i])\n\(program)")
                }
            }
        }
    }

    /// A full operand combined with a column ([rows, 1] against [rows, inner]: the
    /// `combineExpanded` kernel, and its unrolled 4-wide rows), either side, for every
    /// binary function of the table and inner widths 1 to 9: element for element the
    /// naive loop's value (the same IEEE operation, so exactly equal).
    @Test(arguments: [1, 2, 3, 4, 5, 8, 9])
    func columnBroadcastsMatchANaiveLoop(inner: Int) throws {
        var rng = SeededGenerator(seed: 11)
        let rows = 7
        let full = Tensor<Double>(shape: [rows, inner], scalars: (0..<(rows * inner)).map { _ in 0.5 + rng.nextUnitInterval() })
        let column = Tensor<Double>(shape: [rows, 1], scalars: (0..<rows).map { _ in 0.5 + rng.nextUnitInterval() })
        let cases: [(String, (Tensor<Double>, Tensor<Double>) -> Tensor<Double>, (Double, Double) -> Double)] = [
            ("+", { $0 + $1 }, { $0 + $1 }), ("−", { $0 - $1 }, { $0 - $1 }),
            ("×", { $0 * $1 }, { $0 * $1 }), ("÷", { $0 / $1 }, { $0 / $1 }),
        ]
        for (name, op, scalar) in cases {
            let program = try TensorProgram<Double>(inputs: [full, column]) { (v: [Tensor<Double>]) in
                [op(v[0], v[1]), op(v[1], v[0])]
            }
            let out = program([full, column])
            let right = (0..<(rows * inner)).map { scalar(full.scalars[$0], column.scalars[$0 / inner]) }
            let left = (0..<(rows * inner)).map { scalar(column.scalars[$0 / inner], full.scalars[$0]) }
            #expect(out[0].scalars == right, "full \(name) column, inner \(inner)\n\(program)")
            #expect(out[1].scalars == left, "column \(name) full, inner \(inner)\n\(program)")
        }
    }
}
