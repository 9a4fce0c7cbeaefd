import CBackpropKernels

/// Fused parameter updates over raw buffers, for optimisers: vectorised C kernels for
/// `Float` and `Double` (AVX when the CPU has it, chosen at run time), with the same
/// arithmetic, element by element, as a plain loop (separate multiplies and adds, IEEE
/// division and square root), so the result does not depend on the kernel.
public enum UpdateKernels {
    /// One Adam step over `count` elements, in place when `new` is `old`.
    ///
    /// ```
    /// m ← β₁·m + (1 − β₁)·g        v ← β₂·v + ((1 − β₂)·g)·g
    /// new ← old − (α·(m / c₁)) / (√(v / c₂) + ε)       c₁ = 1 − β₁ᵗ,  c₂ = 1 − β₂ᵗ
    /// ```
    /// Preconditions: every buffer holds `count` elements; `new` is `old` or does not
    /// overlap it; the other buffers overlap nothing.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func adam<Scalar: TensorScalar>(
        old: UnsafePointer<Scalar>, new: UnsafeMutablePointer<Scalar>, gradient: UnsafePointer<Scalar>,
        m: UnsafeMutablePointer<Scalar>, v: UnsafeMutablePointer<Scalar>, count: Int,
        beta1: Scalar, beta2: Scalar, correction1: Scalar, correction2: Scalar, learningRate: Scalar, epsilon: Scalar
    ) {
        if Scalar.self == Float.self {
            func f(_ p: UnsafePointer<Scalar>) -> UnsafePointer<Float> { UnsafeRawPointer(p).assumingMemoryBound(to: Float.self) }
            func f(_ p: UnsafeMutablePointer<Scalar>) -> UnsafeMutablePointer<Float> {
                UnsafeMutableRawPointer(p).assumingMemoryBound(to: Float.self)
            }
            func s(_ x: Scalar) -> Float { unsafeBitCast(x, to: Float.self) }
            bp_adam_f32(f(old), f(new), f(gradient), f(m), f(v), count, s(beta1), s(beta2), s(correction1), s(correction2),
                        s(learningRate), s(epsilon))
            return
        }
        if Scalar.self == Double.self {
            func d(_ p: UnsafePointer<Scalar>) -> UnsafePointer<Double> { UnsafeRawPointer(p).assumingMemoryBound(to: Double.self) }
            func d(_ p: UnsafeMutablePointer<Scalar>) -> UnsafeMutablePointer<Double> {
                UnsafeMutableRawPointer(p).assumingMemoryBound(to: Double.self)
            }
            func s(_ x: Scalar) -> Double { unsafeBitCast(x, to: Double.self) }
            bp_adam_f64(d(old), d(new), d(gradient), d(m), d(v), count, s(beta1), s(beta2), s(correction1), s(correction2),
                        s(learningRate), s(epsilon))
            return
        }
        for i in 0..<count {
            let gi = gradient[i]
            m[i] = beta1 * m[i] + (1 - beta1) * gi
            v[i] = beta2 * v[i] + (1 - beta2) * gi * gi
            new[i] = old[i] - learningRate * (m[i] / correction1) / ((v[i] / correction2).squareRoot() + epsilon)
        }
    }
}
