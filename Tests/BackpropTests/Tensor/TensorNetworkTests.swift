import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
@testable import Backprop

/// The 2-2-2 sigmoid network of the lecture notes, in matrix form.
@Suite("Tensor: 2-2-2 network")
struct TensorNetworkTests {
    @Test func lectureNetworkMatchesHandWrittenBackprop() {
        let x: Tensor<Double> = [[0.05], [0.10]]
        let w1 = Tensor<Double>([[0.15, 0.20], [0.25, 0.30]], requiresGradient: true)
        let b1 = Tensor<Double>(shape: [2, 1], scalars: [0.35, 0.35], requiresGradient: true)
        let w2 = Tensor<Double>([[0.40, 0.45], [0.50, 0.55]], requiresGradient: true)
        let b2 = Tensor<Double>(shape: [2, 1], scalars: [0.60, 0.60], requiresGradient: true)
        let y: Tensor<Double> = [[0.01], [0.99]]

        let a1 = (w1.matmul(x) + b1).sigmoid()
        let yHat = (w2.matmul(a1) + b2).sigmoid()
        let loss = 0.5 * ((yHat - y) * (yHat - y)).sum()
        loss.backward()

        #expect(Swift.abs(loss.scalar - 0.298371109) < 1e-9)
        let gW1 = w1.gradient!, gW2 = w2.gradient!
        #expect(Swift.abs(gW2[0, 0] - 0.082167041) < 1e-9)
        #expect(Swift.abs(gW1[0, 0] - 0.000438568) < 1e-9)

        // Independent hand-written backprop with plain Doubles.
        func sigma(_ z: Double) -> Double { 1 / (1 + exp(-z)) }
        let xs = [0.05, 0.10], W1 = [[0.15, 0.20], [0.25, 0.30]], W2 = [[0.40, 0.45], [0.50, 0.55]]
        let t = [0.01, 0.99]
        let h = (0..<2).map { i in sigma(W1[i][0] * xs[0] + W1[i][1] * xs[1] + 0.35) }
        let o = (0..<2).map { i in sigma(W2[i][0] * h[0] + W2[i][1] * h[1] + 0.60) }
        let d2 = (0..<2).map { i in (o[i] - t[i]) * o[i] * (1 - o[i]) }
        let d1 = (0..<2).map { j in (W2[0][j] * d2[0] + W2[1][j] * d2[1]) * h[j] * (1 - h[j]) }
        for i in 0..<2 {
            for j in 0..<2 {
                #expect(Swift.abs(gW2[i, j] - d2[i] * h[j]) < 1e-12)
                #expect(Swift.abs(gW1[i, j] - d1[i] * xs[j]) < 1e-12)
            }
            #expect(Swift.abs(b2.gradient![i, 0] - d2[i]) < 1e-12)
            #expect(Swift.abs(b1.gradient![i, 0] - d1[i]) < 1e-12)
        }
    }

    @Test func lectureNetworkPassesGradientCheck() {
        let x: Tensor<Double> = [[0.05], [0.10]]
        let y: Tensor<Double> = [[0.01], [0.99]]
        let params: [Tensor<Double>] = [
            [[0.15, 0.20], [0.25, 0.30]], [[0.35], [0.35]], [[0.40, 0.45], [0.50, 0.55]], [[0.60], [0.60]],
        ]
        let report = checkTensorGradients(of: { p in
            let a1 = (p[0].matmul(x) + p[1]).sigmoid()
            let yHat = (p[2].matmul(a1) + p[3]).sigmoid()
            return 0.5 * ((yHat - y) * (yHat - y)).sum()
        }, at: params)
        #expect(report.passed, "\(report)")
    }
}
