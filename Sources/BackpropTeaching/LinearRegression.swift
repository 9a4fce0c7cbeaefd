import Backprop

/// The linear neuron of the gradient-descent notes (`000_…`), fitted by full-batch
/// gradient descent on its sum-of-squares cost, every step through the engine:
///
/// ```
/// h_i = w1·x1_i + w2·x2_i          E(w) = Σ_i (h_i − y_i)²
/// ∂E/∂w_k = 2 Σ_i (h_i − y_i)·xk_i  w ← w − α ∇E(w)      stop when |E(i−1) − E(i)| < ε
/// ```
struct LinearRegression {
    /// Inputs (x1, x2) and targets.
    let x: [(Double, Double)], y: [Double]

    /// Generates `count` points with `y = 2·x1 − 3·x2 + noise`, x uniform in [−2, 2]²
    /// and noise uniform in [−0.5, 0.5], from a seeded generator.
    init(count: Int, rng: inout SplitMix64) {
        var xs: [(Double, Double)] = [], ys: [Double] = []
        for _ in 0..<count {
            let a = rng.nextDouble(in: -2...2), b = rng.nextDouble(in: -2...2)
            xs.append((a, b))
            ys.append(2 * a - 3 * b + rng.nextDouble(in: -0.5...0.5))
        }
        x = xs
        y = ys
    }

    /// The cost graph at `w` (two labelled leaves), with the predictions.
    func cost(_ w1: Value, _ w2: Value) -> (cost: Value, predictions: [Value]) {
        var predictions: [Value] = []
        var total: Value?
        for (k, (a, b)) in x.enumerated() {
            let h = (w1 * a + w2 * b).labeled("h_\(k + 1)")
            predictions.append(h)
            let term = (h - y[k]).squared()
            total = total.map { $0 + term } ?? term
        }
        return (total!.labeled("E"), predictions)
    }

    /// E(w) without recording.
    func cost(at w: (Double, Double)) -> Double {
        withoutGradients { cost(Value(w.0), Value(w.1)).cost.value }
    }

    /// The Hessian 2XᵀX of the bowl, its largest eigenvalue, and the minimiser.
    var bowl: (lambdaMax: Double, minimum: (Double, Double)) {
        var a = 0.0, b = 0.0, c = 0.0, p = 0.0, q = 0.0
        for ((x1, x2), t) in zip(x, y) {
            a += x1 * x1; b += x1 * x2; c += x2 * x2; p += x1 * t; q += x2 * t
        }
        let lambda = 2 * ((a + c) / 2 + ((a - c) * (a - c) / 4 + b * b).squareRoot())
        let det = a * c - b * b
        return (lambda, ((c * p - b * q) / det, (a * q - b * p) / det))
    }

    /// One run of gradient descent.
    struct Run {
        /// E before each step (E(0) at the start) and w after the last step.
        var costs: [Double]
        var w: (Double, Double)
        /// w before each step (aligned with `costs`): the iterates w(0), w(1), ….
        var path: [(Double, Double)] = []
        /// Whether the tolerance stop fired (at step `costs.count − 1`).
        var stopped: Bool
    }

    /// Gradient descent from `start` with step `alpha`, stopping when
    /// |E(i−1) − E(i)| < `tolerance`, when E stops being finite, or after `maxSteps`.
    func descend(from start: (Double, Double), alpha: Double, tolerance: Double, maxSteps: Int) -> Run {
        let w1 = Value(start.0, label: "w1"), w2 = Value(start.1, label: "w2")
        var costs: [Double] = []
        var path: [(Double, Double)] = []
        for _ in 0..<maxSteps {
            path.append((w1.value, w2.value))
            let e = cost(w1, w2).cost
            costs.append(e.value)
            if costs.count >= 2, Swift.abs(costs[costs.count - 2] - e.value) < tolerance {
                return Run(costs: costs, w: (w1.value, w2.value), path: path, stopped: true)
            }
            guard e.value.isFinite, e.value < 1e12 else { break }
            e.backward()
            w1.value -= alpha * w1.grad
            w2.value -= alpha * w2.grad
            w1.grad = 0
            w2.grad = 0
        }
        return Run(costs: costs, w: (w1.value, w2.value), path: path, stopped: false)
    }
}
