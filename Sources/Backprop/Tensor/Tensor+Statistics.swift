// Variance, standard deviation and norms, composed from the reductions and elementwise
// ops (no op of their own: their gradients come from those ops' rules).

extension Tensor {
    /// The variance over `axes` with Bessel's correction `correction` (1, the default, as
    /// `torch.var`: the unbiased estimate; 0: the population variance).
    ///
    /// ```
    /// var = Σ (x − x̄)² / (N − correction),   x̄ the mean over the axes, N their element count
    /// ∂var/∂xᵢ = 2(xᵢ − x̄)/(N − correction)
    /// ```
    /// Precondition: every axis in `-rank..<rank`, and N > correction.
    public func variance(alongAxes axes: [Int], correction: Int = 1, keepingDimensions: Bool = false,
                         file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        let resolved = axes.map { $0 < 0 ? $0 + rank : $0 }
        if let bad = resolved.first(where: { $0 < 0 || $0 >= rank }) {
            tensorError("variance: axis \(bad) is out of range for shape \(shape)", file: file, line: line)
        }
        let n = Set(resolved).reduce(1) { $0 * shape[$1] }
        if n - correction <= 0 {
            tensorError("variance: \(n) element(s) along axes \(axes) of shape \(shape) with correction \(correction): "
                        + "N − correction must be positive", file: file, line: line)
        }
        let centred = self - mean(alongAxes: resolved, keepingDimensions: true, file: file, line: line)
        return (centred * centred).sum(alongAxes: resolved, keepingDimensions: keepingDimensions, file: file, line: line)
            / Scalar(n - correction)
    }

    /// The standard deviation over `axes`: the square root of ``variance(alongAxes:correction:keepingDimensions:file:line:)``.
    ///
    /// ```
    /// std = √var      ∂std/∂xᵢ = (xᵢ − x̄)/((N − correction)·std)
    /// ```
    public func standardDeviation(alongAxes axes: [Int], correction: Int = 1, keepingDimensions: Bool = false,
                                  file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        variance(alongAxes: axes, correction: correction, keepingDimensions: keepingDimensions, file: file, line: line)
            .squareRoot(file: file, line: line)
    }

    /// The p-norm over `axes` (all axes by default): p = 2 the Euclidean norm, 1 the sum of
    /// magnitudes, `.infinity` the largest magnitude, any other p ≥ 1 the general form.
    ///
    /// ```
    /// ‖x‖₂ = √(Σ xᵢ²)   ‖x‖₁ = Σ |xᵢ|   ‖x‖_∞ = max |xᵢ|   ‖x‖_p = (Σ |xᵢ|ᵖ)^(1/p)
    /// ∂‖x‖₂/∂xᵢ = xᵢ/‖x‖₂   (at x = 0 the gradient is NaN, as √ at 0; PyTorch gives 0 there)
    /// ```
    /// Precondition: p ≥ 1.
    public func norm(_ p: Double = 2, alongAxes axes: [Int]? = nil, keepingDimensions: Bool = false,
                     file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        if !(p >= 1) { tensorError("norm: p = \(p) must be at least 1", file: file, line: line) }
        let axes = axes ?? Array(0..<rank)
        switch p {
        case 2: return (self * self).sum(alongAxes: axes, keepingDimensions: keepingDimensions, file: file, line: line).squareRoot()
        case 1: return abs().sum(alongAxes: axes, keepingDimensions: keepingDimensions, file: file, line: line)
        case .infinity: return abs().max(alongAxes: axes, keepingDimensions: keepingDimensions, file: file, line: line)
        default:
            return abs().raised(toPower: Scalar(p)).sum(alongAxes: axes, keepingDimensions: keepingDimensions, file: file, line: line)
                .raised(toPower: Scalar(1 / p))
        }
    }
}
