import Backprop

/// Scales the accumulated gradients of `parameters` down so that their global norm is
/// at most `maxNorm` (PyTorch's `clip_grad_norm_`), and returns the norm before clipping.
/// Parameters without a gradient are skipped; gradients are not touched when the norm
/// is within bounds.
///
/// ```
/// N = √(Σₚ Σᵢ gₚᵢ²)        c = maxNorm / (N + 10⁻⁶)        gₚ ← c·gₚ  if c < 1
/// ```
/// The sum runs in `Double`. Precondition: `maxNorm` finite and positive.
@discardableResult
public func clipGradientNorm<Scalar: TensorScalar>(_ parameters: [Parameter<Scalar>], maxNorm: Double,
                                                   file: StaticString = #fileID, line: UInt = #line) -> Double {
    nnPrecondition(maxNorm.isFinite && maxNorm > 0, "clipGradientNorm: maxNorm \(maxNorm) must be finite and positive",
                   file: file, line: line)
    var sum = 0.0
    for p in parameters {
        guard let g = p.gradient else { continue }
        g.withUnsafeBufferPointer { for x in $0 { let d = Double(x); sum += d * d } }
    }
    let norm = sum.squareRoot()
    let coefficient = maxNorm / (norm + 1e-6)
    if coefficient < 1 {
        let c = Scalar(coefficient)
        for p in parameters {
            guard let g = p.gradient else { continue }
            p.zeroGradients()
            p.value.accumulateGradient(Tensor(shape: g.shape, scalars: g.scalars.map { $0 * c }))
        }
    }
    return norm
}

extension Optimizer {
    /// Clips the accumulated gradients of the optimiser's parameters to a global norm of
    /// `maxNorm`; see ``clipGradientNorm(_:maxNorm:file:line:)``. Returns the norm before.
    ///
    /// ```
    /// gₚ ← gₚ · min(1, maxNorm / (N + 10⁻⁶)),   N = √(Σₚ ‖gₚ‖²)
    /// ```
    @discardableResult
    public func clipGradientNorm(maxNorm: Double, file: StaticString = #fileID, line: UInt = #line) -> Double {
        BackpropNN.clipGradientNorm(parameters, maxNorm: maxNorm, file: file, line: line)
    }
}
