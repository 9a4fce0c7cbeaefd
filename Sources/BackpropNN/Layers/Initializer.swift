import Backprop

/// How a weight matrix of shape `[out, in]` is filled, always from the seeded generator,
/// so a run is reproducible bit for bit.
public enum Initializer: Sendable {
    /// N(0, σ²), as the lecture notes do.
    case normal(standardDeviation: Double)
    /// Xavier/Glorot uniform: U(−a, a), a = √(6 / (in + out)). Suits tanh and sigmoid.
    case xavier
    /// He normal: N(0, 2 / in). Suits relu.
    case he
    /// Every entry the same value.
    case constant(Double)

    /// A `[out, in]` tensor filled by this rule.
    public func weights<Scalar: TensorScalar>(out: Int, in inputs: Int, using rng: inout SeededGenerator) -> Tensor<Scalar> {
        let n = out * inputs
        var values: [Scalar] = []
        values.reserveCapacity(n)
        switch self {
        case .normal(let sigma):
            for _ in 0..<n { values.append(Scalar(sigma * rng.nextNormal())) }
        case .xavier:
            let a = (6.0 / Double(inputs + out)).squareRoot()
            for _ in 0..<n { values.append(Scalar(a * (2 * rng.nextUnitInterval() - 1))) }
        case .he:
            let sigma = (2.0 / Double(inputs)).squareRoot()
            for _ in 0..<n { values.append(Scalar(sigma * rng.nextNormal())) }
        case .constant(let c):
            values = Array(repeating: Scalar(c), count: n)
        }
        return Tensor(shape: [out, inputs], scalars: values)
    }
}
