import Backprop
import BackpropNN
import BackpropTestSupport
import Foundation
import Testing

/// Loss reductions against values computed by hand (and PyTorch's definitions).
@Suite("Losses: reduction over rows, elements, sum, none")
struct LossReductionTests {
    // ŷ − y = [[1, −2, 0], [3, 1, −1]]: squares 1, 4, 0, 9, 1, 1 (sum 16), 2 rows, 6 elements.
    static var prediction: Tensor<Double> { Tensor([[2, -1, 0.5], [3, 1, 0]]) }
    static var target: Tensor<Double> { Tensor([[1, 1, 0.5], [0, 0, 1]]) }

    @Test("mean squared error: 16/2 over rows, 16/6 over elements (PyTorch's MSELoss), 16 summed, the squares unreduced")
    func meanSquaredError() {
        #expect(Loss.meanSquaredError(Self.prediction, Self.target).scalar == 8)
        #expect(isClose(Loss.meanSquaredError(Self.prediction, Self.target, reduction: .meanOverElements).scalar, 16.0 / 6, tolerance: 1e-15))
        #expect(Loss.meanSquaredError(Self.prediction, Self.target, reduction: .sum).scalar == 16)
        let terms = Loss.meanSquaredError(Self.prediction, Self.target, reduction: .none)
        #expect(terms.shape == [2, 3] && terms.scalars == [1, 4, 0, 9, 1, 1])
    }

    @Test("the gradient follows the reduction: ∂E/∂ŷ = 2(ŷ − y)/N over elements")
    func gradientOverElements() {
        let p = Tensor<Double>(shape: [2, 3], scalars: Self.prediction.scalars, requiresGradient: true)
        Loss.meanSquaredError(p, Self.target, reduction: .meanOverElements).backward()
        #expect(isClose(p.gradient!.scalars, [1, -2, 0, 3, 1, -1].map { 2 * $0 / 6 }, tolerance: 1e-15))
        // Unreduced: the upstream weights each term.
        let q = Tensor<Double>(shape: [2, 3], scalars: Self.prediction.scalars, requiresGradient: true)
        Loss.meanSquaredError(q, Self.target, reduction: .none).backward(upstream: Tensor(shape: [2, 3], scalars: [1, 0, 0, 0, 0, 2]))
        #expect(isClose(q.gradient!.scalars, [2, 0, 0, 0, 0, -4], tolerance: 1e-15))
    }

    @Test("softmax cross-entropy: per-row terms −log softmax(z)[y], both forms, every reduction")
    func crossEntropy() {
        let logits = Tensor<Double>([[1, 2, 3], [0, 0, 0]])
        // Row 0: log Σ e^z = 3 + log(1 + e⁻¹ + e⁻²); label 0 → 2 + log(1 + e⁻¹ + e⁻²). Row 1: log 3.
        let row0 = 2 + Foundation.log(1 + Foundation.exp(-1.0) + Foundation.exp(-2.0)), row1 = Foundation.log(3.0)
        let labels = [0, 2], oneHot = Tensor<Double>([[1, 0, 0], [0, 0, 1]])
        for form in 0..<2 {
            func loss(_ r: LossReduction) -> Tensor<Double> {
                form == 0 ? Loss.softmaxCrossEntropy(logits: logits, labels: labels, reduction: r)
                    : Loss.softmaxCrossEntropy(logits: logits, oneHotTargets: oneHot, reduction: r)
            }
            #expect(isClose(loss(.none).scalars, [row0, row1], tolerance: 1e-14), "form \(form)")
            #expect(loss(.none).shape == [2])
            #expect(isClose(loss(.sum).scalar, row0 + row1, tolerance: 1e-14))
            #expect(isClose(loss(.meanOverRows).scalar, (row0 + row1) / 2, tolerance: 1e-14))
            #expect(isClose(loss(.meanOverElements).scalar, (row0 + row1) / 2, tolerance: 1e-14))
        }
    }

    @Test("binary cross-entropy on logits: terms log(1 + e^z) − z·y, reduced")
    func binaryCrossEntropy() {
        let z = Tensor<Double>([[0.5], [-2]]), y = Tensor<Double>([[1], [0]])
        let terms = [Foundation.log(1 + Foundation.exp(0.5)) - 0.5, Foundation.log(1 + Foundation.exp(-2.0))]
        #expect(isClose(Loss.binaryCrossEntropy(logits: z, targets: y, reduction: .none).scalars, terms, tolerance: 1e-14))
        #expect(isClose(Loss.binaryCrossEntropy(logits: z, targets: y, reduction: .sum).scalar, terms[0] + terms[1], tolerance: 1e-14))
        #expect(isClose(Loss.binaryCrossEntropy(logits: z, targets: y).scalar, (terms[0] + terms[1]) / 2, tolerance: 1e-14))
    }
}
