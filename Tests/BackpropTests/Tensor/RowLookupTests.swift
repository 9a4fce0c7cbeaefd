@testable import Backprop
import Foundation
import Testing

/// `selectingRows(indexedBy:)` and `scatteredRows(indexedBy:rowCount:)`: rows picked and
/// added back at indices held in a tensor operand, which a compiled program reads at
/// every run.
@Suite("Row lookup by an index tensor")
struct RowLookupTests {
    static var table: Tensor<Double> { Tensor(shape: [3, 2], scalars: [0, 1, 10, 11, 20, 21]) }

    @Test("forward: rows at the indices, by hand, for index tensors of rank 0, 1 and 2")
    func forwardByHand() {
        let rows = Self.table.selectingRows(indexedBy: Tensor(shape: [2, 2], scalars: [2, 0, 2, 1]))
        #expect(rows.shape == [2, 2, 2])
        #expect(rows.scalars == [20, 21, 0, 1, 20, 21, 10, 11])
        let one = Self.table.selectingRows(indexedBy: Tensor(1))
        #expect(one.shape == [2] && one.scalars == [10, 11])
        let vector = Tensor<Double>(shape: [4], scalars: [5, 6, 7, 8]).selectingRows(indexedBy: Tensor(shape: [3], scalars: [3, 3, 0]))
        #expect(vector.shape == [3] && vector.scalars == [8, 8, 5])
        let added = Tensor<Double>(shape: [3, 2], scalars: [1, 2, 3, 4, 5, 6])
            .scatteredRows(indexedBy: Tensor(shape: [3], scalars: [1, 0, 1]), rowCount: 3)
        #expect(added.shape == [3, 2] && added.scalars == [3, 4, 6, 8, 0, 0])
    }

    @Test("gradients scatter-add into repeated indices: equal to central differences and to counts by hand")
    func gradientsOfRepeatedIndices() {
        let indices = Tensor<Double>(shape: [2, 3], scalars: [2, 0, 2, 2, 1, 0])
        let weights = Tensor<Double>(shape: [2, 3, 2], scalars: (0..<12).map { Double($0) * 0.37 - 1 })
        let report = checkTensorGradients(of: { x in
            (x[0].selectingRows(indexedBy: indices) * weights).tanh().sum()
        }, at: [Self.table * 0.1])
        #expect(report.passed, "\(report)")
        // Σ of the selected rows: each table row's gradient counts how often it was picked.
        let t = Self.table.requiringGradient()
        t.selectingRows(indexedBy: indices).sum().backward()
        #expect(t.gradient?.scalars == [2, 2, 1, 1, 3, 3])
        // Second order through the scatter (its adjoint is the lookup again).
        let second = checkSecondOrderTensorGradients(of: { x in
            (x[0].selectingRows(indexedBy: indices) * weights).tanh().sum()
        }, at: [Self.table * 0.1])
        #expect(second.passed, "\(second)")
        let scatter = checkTensorGradients(of: { x in
            (x[0].scatteredRows(indexedBy: Tensor(shape: [2], scalars: [1, 1]), rowCount: 3) * Self.table).sum()
        }, at: [Tensor(shape: [2, 2], scalars: [0.5, -1, 2, 0.25])])
        #expect(scatter.passed, "\(scatter)")
    }

    @Test("compiled once, run with new indices: each run selects the rows of its own indices, equal to eager")
    func compiledReadsEachRunsIndices() throws {
        let weights = Tensor<Double>(shape: [4, 2], scalars: [1, -2, 0.5, 3, -1, 0.25, 2, 1])
        func loss(_ x: [Tensor<Double>]) -> Tensor<Double> { (x[0].selectingRows(indexedBy: x[1]) * weights).tanh().sum() }
        let first = Tensor<Double>(shape: [4], scalars: [0, 1, 2, 0])
        let program = try TensorProgram(valueAndGradientsOf: loss, at: [Self.table, first], withRespectTo: [0])
        for indices in [first, Tensor(shape: [4], scalars: [2, 2, 1, 2]), Tensor(shape: [4], scalars: [1, 0, 0, 0])] {
            let compiled = program([Self.table, indices])
            let t = Self.table.requiringGradient()
            let eager = loss([t, indices])
            eager.backward()
            // Equal to rounding (the program's kernels round differently from the eager ops).
            #expect(Swift.abs(compiled[0].scalar - eager.scalar) <= 1e-12 * Swift.abs(eager.scalar), "indices \(indices.scalars)")
            #expect(zip(compiled[1].scalars, t.gradient!.scalars).allSatisfy { Swift.abs($0 - $1) <= 1e-12 * Swift.max(1, Swift.abs($1)) },
                    "indices \(indices.scalars): \(compiled[1].scalars) vs \(t.gradient!.scalars)")
        }
        // The frozen form for contrast: `selectingRows([Int])` keeps the trace's rows.
        let frozen = try TensorProgram(inputs: [Self.table]) { x in [x[0].selectingRows([0, 1])] }
        #expect(frozen([Self.table])[0].scalars == [0, 1, 10, 11])
    }

    @Test("a bad index stops with one line naming it, its position and the row count", arguments: [
        ("out of range", "selectingRows(indexedBy:): index 3 at element 1 of the indices is out of range for 3 rows (0..<3)"),
        ("negative", "selectingRows(indexedBy:): index -1 at element 0 of the indices is out of range for 3 rows"),
        ("fraction", "selectingRows(indexedBy:): index 1.5 (not a whole number) at element 0 of the indices"),
        ("compiled", "selectingRows(indexedBy:): index 7 at element 2 of the indices is out of range for 3 rows"),
        ("scatter", "scatteredRows(indexedBy:): index 2 at element 0 of the indices is out of range for 2 rows"),
    ])
    func badIndex(name: String, message: String) async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) { [name = name as String] in
            let table = Tensor<Double>(shape: [3, 2], scalars: [0, 1, 10, 11, 20, 21])
            switch name {
            case "out of range": _ = table.selectingRows(indexedBy: Tensor(shape: [2], scalars: [0, 3]))
            case "negative": _ = table.selectingRows(indexedBy: Tensor(shape: [1], scalars: [-1]))
            case "fraction": _ = table.selectingRows(indexedBy: Tensor(shape: [1], scalars: [1.5]))
            case "compiled":
                let program = try! TensorProgram(inputs: [table, Tensor(shape: [3], scalars: [0, 1, 2])]) { x in
                    [x[0].selectingRows(indexedBy: x[1])]
                }
                _ = program([table, Tensor(shape: [3], scalars: [0, 1, 7])])
            default: _ = table.scatteredRows(indexedBy: Tensor(shape: [3], scalars: [2, 0, 1]), rowCount: 2)
            }
        }
        let text = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
        #expect(text.contains(message), "\(name): \(text)")
        #expect(text.contains("RowLookupTests.swift"), "\(name) names the caller's file: \(text)")
    }
}
