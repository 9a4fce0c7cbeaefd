import CBackpropKernels

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
        let threads = updateThreads
        if Scalar.self == Float.self {
            bp_adam_threads_f32(rebound(old), rebound(new), rebound(gradient), rebound(m), rebound(v), count,
                                float(beta1), float(beta2), float(correction1), float(correction2),
                                float(learningRate), float(epsilon), threads)
        } else if Scalar.self == Double.self {
            bp_adam_threads_f64(rebound(old), rebound(new), rebound(gradient), rebound(m), rebound(v), count,
                                double(beta1), double(beta2), double(correction1), double(correction2),
                                double(learningRate), double(epsilon), threads)
        } else {
            Scalar._cAdam(old, new, gradient, m, v, count, beta1, beta2, correction1, correction2, learningRate, epsilon)
        }
    }

    /// One SGD step over `count` elements, in place when `new` is `old`; with momentum
    /// when `velocity` is given.
    ///
    /// ```
    /// v ← μ·v + g;   new ← old − α·v          (with velocity)
    /// new ← old − α·g                         (without)
    /// ```
    /// Preconditions as for `adam`. Float and Double from 256 elements run the vectorised C
    /// kernel (split over the compute threads from 2¹⁶ elements, same bits); others a plain loop.
    @inlinable
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    package static func sgd<Scalar: TensorScalar>(
        old: UnsafePointer<Scalar>, new: UnsafeMutablePointer<Scalar>, gradient: UnsafePointer<Scalar>,
        velocity: UnsafeMutablePointer<Scalar>?, count: Int, learningRate alpha: Scalar, momentum mu: Scalar
    ) {
        // Small parameters (the 2-2-2 network's): the plain loop below, without a C call;
        // the arithmetic is the same either way (no fused multiply-add in Swift or the kernel).
        if count >= 256 && Scalar.self == Float.self {
            let threads = updateThreads
            bp_sgd_f32(rebound(old), rebound(new), rebound(gradient), velocity.map { rebound($0) }, count,
                       float(alpha), float(mu), threads)
        } else if count >= 256 && Scalar.self == Double.self {
            let threads = updateThreads
            bp_sgd_f64(rebound(old), rebound(new), rebound(gradient), velocity.map { rebound($0) }, count,
                       double(alpha), double(mu), threads)
        } else if let v = velocity {
            for i in 0..<count {
                v[i] = mu * v[i] + gradient[i]
                new[i] = old[i] - alpha * v[i]
            }
        } else {
            for i in 0..<count { new[i] = old[i] - alpha * gradient[i] }
        }
    }

    /// Threads an update may use: the compute threads when the persistent helpers are on.
    @usableFromInline
    static var updateThreads: Int { ComputeHelpers.areActive ? ComputeThreads.count : 1 }

    @inlinable @inline(__always)
    static func rebound<S, T>(_ p: UnsafePointer<S>) -> UnsafePointer<T> { UnsafeRawPointer(p).assumingMemoryBound(to: T.self) }
    @inlinable @inline(__always)
    static func rebound<S, T>(_ p: UnsafeMutablePointer<S>) -> UnsafeMutablePointer<T> {
        UnsafeMutableRawPointer(p).assumingMemoryBound(to: T.self)
    }
    @inlinable @inline(__always)
    static func float<S: TensorScalar>(_ x: S) -> Float { unsafeBitCast(x, to: Float.self) }
    @inlinable @inline(__always)
    static func double<S: TensorScalar>(_ x: S) -> Double { unsafeBitCast(x, to: Double.self) }
}
