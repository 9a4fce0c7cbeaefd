import Backprop
import BackpropTestSupport
import Foundation
import Testing

/// variance, standardDeviation and norm: closed forms and central differences.
@Suite("Tensor statistics: variance, standard deviation, norms")
struct TensorStatisticsTests {
    @Test("variance and standard deviation: by hand, unbiased and population, per row and overall")
    func closedForms() {
        let x = Tensor<Double>([[1, 2, 3, 6], [2, 2, 2, 2]])
        // Row 0: mean 3, squared deviations 4, 1, 0, 9 (sum 14): unbiased 14/3, population 14/4.
        #expect(isClose(x.variance(alongAxes: [1]).scalars, [14.0 / 3, 0], tolerance: 1e-15))
        #expect(isClose(x.variance(alongAxes: [1], correction: 0).scalars, [3.5, 0], tolerance: 1e-15))
        #expect(isClose(x.standardDeviation(alongAxes: [1]).scalars, [(14.0 / 3).squareRoot(), 0], tolerance: 1e-15))
        #expect(x.variance(alongAxes: [1], keepingDimensions: true).shape == [2, 1])
        // Columns: (1, 2) → ½, (2, 2) → 0, (3, 2) → ½, (6, 2) → 8 (unbiased, N = 2).
        #expect(isClose(x.variance(alongAxes: [0]).scalars, [0.5, 0, 0.5, 8], tolerance: 1e-15))
        // All 8: mean 2.5, Σ(x − 2.5)² = 2.25 + .25 + .25 + 12.25 + 4·.25 = 16, /7.
        #expect(isClose(x.variance(alongAxes: [0, 1]).scalar, 16.0 / 7, tolerance: 1e-15))
    }

    @Test("norms: 2, 1, ∞ and 3 by hand")
    func norms() {
        let x = Tensor<Double>([[3, -4], [0, 12]])
        #expect(x.norm().scalar == 13)                        // √(9 + 16 + 144)
        #expect(isClose(x.norm(alongAxes: [1]).scalars, [5, 12], tolerance: 1e-15))
        #expect(x.norm(1).scalar == 19 && x.norm(.infinity).scalar == 12)
        #expect(isClose(x.norm(3).scalar, Foundation.pow(27.0 + 64 + 1728, 1.0 / 3), tolerance: 1e-14))
    }

    @Test("gradients equal finite differences (the engine's checker)")
    func gradients() {
        var rng = SeededGenerator(seed: 4)
        let x = Tensor<Double>(shape: [3, 4], scalars: (0..<12).map { _ in rng.nextUnitInterval() * 2 - 1 })
        let w = Tensor<Double>(shape: [3], scalars: [0.5, -1, 2])
        for (name, f) in [("variance", { (t: Tensor<Double>) in t.variance(alongAxes: [1]) }),
                          ("std", { $0.standardDeviation(alongAxes: [1], correction: 0) }),
                          ("norm2", { $0.norm(alongAxes: [1]) }), ("norm3", { $0.norm(3, alongAxes: [1]) })] {
            let report = checkTensorGradients(of: { (f($0[0]) * w).sum() }, at: [x])
            #expect(report.passed, "\(name): \(report)")
        }
    }
}
