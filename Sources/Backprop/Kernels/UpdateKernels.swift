/// Fused parameter updates over raw buffers, for optimisers: vectorised C kernels for
/// `Float` and `Double` (`TensorScalar._cAdam`: AVX when the CPU has it, chosen at run time), with the same
/// arithmetic, element by element, as a plain loop (separate multiplies and adds, IEEE
/// division and square root), so the result does not depend on the kernel.
@usableFromInline
package enum UpdateKernels {
    /// One Adam step over `count` elements, in place when `new` is `old`.
    ///
    /// ```
    /// m ← β₁·m + (1 − β₁)·g        v ← β₂·v + ((1 − β₂)·g)·g
    /// new ← old − (α·(m / c₁)) / (√(v / c₂) + ε)       c₁ = 1 − β₁ᵗ,  c₂ = 1 − β₂ᵗ
    /// ```
    /// Preconditions: every buffer holds `count` elements; `new` is `old` or does not
    /// overlap it; the other buffers overlap nothing.
    @usableFromInline
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    package static func adam<Scalar: TensorScalar>(
        old: UnsafePointer<Scalar>, new: UnsafeMutablePointer<Scalar>, gradient: UnsafePointer<Scalar>,
        m: UnsafeMutablePointer<Scalar>, v: UnsafeMutablePointer<Scalar>, count: Int,
        beta1: Scalar, beta2: Scalar, correction1: Scalar, correction2: Scalar, learningRate: Scalar, epsilon: Scalar
    ) {
        Scalar._cAdam(old, new, gradient, m, v, count, beta1, beta2, correction1, correction2, learningRate, epsilon)
    }
}
