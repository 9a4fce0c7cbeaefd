import Testing
import Backprop

@Suite("Tensor: random graphs")
struct TensorPropertyTests {
    /// 1,200 random programs (4 parallel batches of 300), each checked against central
    /// differences. Kinks (relu/abs/max ties at exact points) are reported, not failed.
    @Test(arguments: 0..<4)
    func randomGraphsPassTheChecker(batch: Int) {
        var rng = SeededGenerator(seed: 2024 &+ UInt64(batch))
        var failures = 0
        for k in 0..<300 {
            let graph = RandomTensorGraph(using: &rng)
            let report = checkTensorGradients(of: graph.callAsFunction, at: graph.inputs,
                                              options: .init(checkDeterminism: k % 10 == 0))
            if !report.passed {
                failures += 1
                if failures <= 3 { Issue.record("graph \(batch)/\(k):\n\(graph)\n\(report)") }
            }
        }
        #expect(failures == 0)
    }
}

@Suite("Tensor: random graphs, second order")
struct TensorSecondOrderPropertyTests {
    /// 200 random programs whose gradient function (recorded with createGraph) is
    /// itself checked against finite differences of the gradient.
    @Test(arguments: 0..<2)
    func randomGraphsHaveCorrectSecondOrderGradients(batch: Int) {
        var rng = SeededGenerator(seed: 4048 &+ UInt64(batch))
        var failures = 0
        for k in 0..<100 {
            let graph = RandomTensorGraph(using: &rng, maxSteps: 5)
            let report = checkSecondOrderTensorGradients(of: graph.callAsFunction, at: graph.inputs,
                                                         options: .init(checkDeterminism: false))
            if !report.passed {
                failures += 1
                if failures <= 3 { Issue.record("graph \(batch)/\(k):\n\(graph)\n\(report)") }
            }
        }
        #expect(failures == 0)
    }
}
