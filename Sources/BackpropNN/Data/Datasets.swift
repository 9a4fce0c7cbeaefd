import Backprop
import Foundation

/// Built-in data sets: the lecture notes' toy problems, two classic 2-D benchmarks and
/// one small real data set shipped with the package.
public enum Datasets {
    /// XOR: four points of {0, 1}², label x1 ⊕ x2 (two classes).
    public static func xor() -> Dataset {
        Dataset(features: [0, 0, 0, 1, 1, 0, 1, 1], featureCount: 2, labels: [0, 1, 1, 0],
                classNames: ["0", "1"], featureNames: ["x1", "x2"])
    }

    /// Two interleaving half circles ("two moons", as scikit-learn's `make_moons`), with
    /// Gaussian noise of standard deviation `noise`. Half the points in each class.
    ///
    /// ```
    /// class 0: (cos t, sin t),  class 1: (1 − cos t, 1/2 − sin t),  t ∈ [0, π]
    /// ```
    public static func twoMoons(count: Int = 400, noise: Double = 0.1, seed: UInt64 = 1) -> Dataset {
        var rng = SeededGenerator(seed: seed)
        var x: [Double] = [], y: [Int] = []
        let half = count / 2
        for i in 0..<count {
            let c = i < half ? 0 : 1
            let k = c == 0 ? i : i - half
            let n = c == 0 ? half : count - half
            let t = Double.pi * Double(k) / Double(Swift.max(n - 1, 1))
            let (px, py) = c == 0 ? (Foundation.cos(t), Foundation.sin(t)) : (1 - Foundation.cos(t), 0.5 - Foundation.sin(t))
            x += [px + noise * rng.nextNormal(), py + noise * rng.nextNormal()]
            y.append(c)
        }
        return Dataset(features: x, featureCount: 2, labels: y, classNames: ["0", "1"], featureNames: ["x1", "x2"])
    }

    /// Interleaved spirals, one arm per class (CS231n's classic), radius 0…1 over 1.75
    /// turns-ish, with angular noise `noise`.
    ///
    /// ```
    /// r = k/n,  θ = 4·(class + r) + noise·N(0, 1),  x = (r sin θ, r cos θ)
    /// ```
    public static func spirals(countPerClass: Int = 100, classes: Int = 3, noise: Double = 0.2, seed: UInt64 = 1) -> Dataset {
        var rng = SeededGenerator(seed: seed)
        var x: [Double] = [], y: [Int] = []
        for c in 0..<classes {
            for k in 0..<countPerClass {
                let r = Double(k) / Double(Swift.max(countPerClass - 1, 1))
                let theta = 4 * (Double(c) + r) + noise * rng.nextNormal()
                x += [r * Foundation.sin(theta), r * Foundation.cos(theta)]
                y.append(c)
            }
        }
        return Dataset(features: x, featureCount: 2, labels: y, classNames: (0..<classes).map(String.init),
                       featureNames: ["x1", "x2"])
    }

    /// The 2-D linear-regression data of the notes (`000_…`): h = w1·x1 + w2·x2 plus
    /// Gaussian noise, with x uniform in [−1, 1]².
    public static func linearRegression2D(count: Int = 50, weights: (Double, Double) = (2, -3),
                                          noise: Double = 0.1, seed: UInt64 = 1) -> Dataset {
        var rng = SeededGenerator(seed: seed)
        var x: [Double] = [], t: [Double] = []
        for _ in 0..<count {
            let x1 = 2 * rng.nextUnitInterval() - 1, x2 = 2 * rng.nextUnitInterval() - 1
            x += [x1, x2]
            t.append(weights.0 * x1 + weights.1 * x2 + noise * rng.nextNormal())
        }
        return Dataset(features: x, featureCount: 2, targets: t, featureNames: ["x1", "x2"])
    }

    /// The UCI optical handwritten digits (1,797 images of 8×8 pixels, values 0…16, ten
    /// classes), shipped with the package under CC BY 4.0; see
    /// `Sources/BackpropNN/Resources/README.md` for source and licence.
    public static func digits() throws -> Dataset {
        guard let url = Bundle.module.url(forResource: "digits", withExtension: "csv") else {
            throw DataError(message: "digits: the bundled file digits.csv is missing from the package resources")
        }
        return try CSVLoader.load(url.path, labelColumn: "digit")
    }
}
