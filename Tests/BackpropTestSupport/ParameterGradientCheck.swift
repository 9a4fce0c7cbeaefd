import Backprop
import BackpropNN

/// Checks a model's parameter gradients against central differences of its loss: zeroes
/// the gradients, runs `loss().backward()`, then nudges each chosen entry of each
/// parameter by ±h in place (restoring it) and compares. The independent reference for
/// parameters, which the engine's checker cannot feed (a parameter is a leaf of its own).
///
/// ```
/// ∂L/∂wᵢ ≈ (L(w + h·eᵢ) − L(w − h·eᵢ)) / 2h,   |analytic − numeric| ≤ 1e-7 + rtol·|numeric|
/// ```
/// - Parameter entries: The indices to check in a parameter of `count` elements (out of
///   range ones are skipped).
/// - Returns: How many entries were checked, and one line per mismatch.
public func centralDifferenceMismatches(
    _ parameters: [(name: String, parameter: Parameter<Double>)], loss: () -> Tensor<Double>,
    entries: (_ count: Int) -> [Int], h: Double = 1e-6, relativeTolerance: Double = 1e-6
) -> (checked: Int, mismatches: [String]) {
    for (_, p) in parameters { p.zeroGradients() }
    loss().backward()
    var checked = 0, mismatches: [String] = []
    for (name, parameter) in parameters {
        let analytic = parameter.gradient?.scalars ?? Array(repeating: 0, count: parameter.value.count)
        for index in Set(entries(parameter.value.count)).sorted() where index >= 0 && index < parameter.value.count {
            func shifted(_ delta: Double) -> Double {
                parameter.update { w in w[index] += delta }
                defer { parameter.update { w in w[index] -= delta } }
                return withoutGradients { loss() }.scalar
            }
            let numeric = (shifted(h) - shifted(-h)) / (2 * h)
            if Swift.abs(numeric - analytic[index]) > 1e-7 + relativeTolerance * Swift.abs(numeric) {
                mismatches.append("\(name)[\(index)]: \(analytic[index]) vs \(numeric)")
            }
            checked += 1
        }
    }
    return (checked, mismatches)
}
