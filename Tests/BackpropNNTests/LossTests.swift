import Backprop
import Foundation
import Testing
import BackpropTestSupport
@testable import BackpropNN

@Suite("Losses")
struct LossTests {
    let p: [[Double]] = [[0.2, 0.7, 0.1], [0.6, 0.3, 0.1]]
    let y: [[Double]] = [[0, 1, 0], [1, 0, 0]]
    func t(_ m: [[Double]], grad: Bool = false) -> Tensor<Double> {
        Tensor(shape: [m.count, m[0].count], scalars: m.flatMap { $0 }, requiresGradient: grad)
    }
    func close(_ a: Double, _ b: Double) -> Bool { isClose(a, b, tolerance: 1e-12) }

    @Test("values equal their closed forms")
    func closedForms() {
        let flatP = p.flatMap { $0 }, flatY = y.flatMap { $0 }
        let sq = zip(flatP, flatY).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
        #expect(close(Loss.halfSumOfSquares(t(p), t(y)).scalar, 0.5 * sq))
        #expect(close(Loss.sumOfSquares(t(p), t(y)).scalar, sq))
        #expect(close(Loss.meanSquaredError(t(p), t(y)).scalar, sq / 2), "1/m with m = 2 rows")
        let bin = zip(flatP, flatY).reduce(0) { $0 + $1.1 * Foundation.log($1.0) + (1 - $1.1) * Foundation.log(1 - $1.0) }
        #expect(close(Loss.multinomialLogLoss(probabilities: t(p), oneHotTargets: t(y)).scalar, -bin / 2))
        #expect(close(Loss.binaryLogLoss(probabilities: t([[0.8], [0.3]]), targets: t([[1], [0]])).scalar,
                      -(Foundation.log(0.8) + Foundation.log(0.7)) / 2))
        let logits: [[Double]] = [[1.0, 2.0, 0.5], [-1.0, 0.0, 3.0]]
        let labels = [1, 2]
        var ce = 0.0
        for (row, label) in zip(logits, labels) {
            let lse = Foundation.log(row.reduce(0) { $0 + Foundation.exp($1) })
            ce += lse - row[label]
        }
        #expect(close(Loss.softmaxCrossEntropy(logits: t(logits), labels: labels).scalar, ce / 2))
        let z: [[Double]] = [[2.0], [-1.5]], targets: [[Double]] = [[1], [0]]
        let bce = -(Foundation.log(1 / (1 + Foundation.exp(-2.0))) + Foundation.log(1 - 1 / (1 + Foundation.exp(1.5)))) / 2
        #expect(close(Loss.binaryCrossEntropy(logits: t(z), targets: t(targets)).scalar, bce))
    }

    @Test("stable at extreme logits: no NaN, no infinity")
    func stability() {
        let ce = Loss.softmaxCrossEntropy(logits: t([[1000, -1000, 0]], grad: true), labels: [0])
        #expect(ce.scalar.isFinite && Swift.abs(ce.scalar) < 1e-12)
        let bce = Loss.binaryCrossEntropy(logits: t([[1000], [-1000]]), targets: t([[0], [1]]))
        #expect(close(bce.scalar, 1000))
    }

    @Test("gradients agree with central differences")
    func gradients() {
        let yT = t(y)
        let checks: [(String, ([Tensor<Double>]) -> Tensor<Double>)] = [
            ("halfSumOfSquares", { Loss.halfSumOfSquares($0[0], yT) }),
            ("meanSquaredError", { Loss.meanSquaredError($0[0], yT) }),
            ("multinomialLogLoss", { Loss.multinomialLogLoss(probabilities: $0[0], oneHotTargets: yT) }),
            ("softmaxCrossEntropy", { Loss.softmaxCrossEntropy(logits: $0[0], labels: [1, 0]) }),
            ("binaryCrossEntropy", { Loss.binaryCrossEntropy(logits: $0[0], targets: yT) }),
        ]
        for (name, f) in checks {
            let report = checkTensorGradients(of: f, at: [t(p)])
            #expect(report.passed, "\(name):\n\(report)")
        }
    }

    @Test("[n, 1] against [n] is an error that names both shapes, not a silent broadcast")
    func shapeMismatch() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let a = Tensor<Double>(shape: [3, 1], scalars: [1, 2, 3])
            let b = Tensor<Double>(shape: [3], scalars: [1, 2, 3])
            _ = Loss.meanSquaredError(a, b)
        }
        let stderr = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
        #expect(stderr.contains("meanSquaredError: prediction has shape [3, 1] but target has shape [3]"))
    }

    @Test("a label out of range is an error that names it")
    func labelOutOfRange() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Loss.softmaxCrossEntropy(logits: Tensor<Double>(shape: [1, 3], scalars: [0, 0, 0]), labels: [3])
        }
        let stderr = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
        #expect(stderr.contains("label 3 is out of range for 3 classes"))
    }
}
