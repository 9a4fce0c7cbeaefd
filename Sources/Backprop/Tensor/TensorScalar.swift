#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#elseif canImport(Musl)
import Musl
#endif

/// The element types a `Tensor` can hold: `Float` and `Double`.
///
/// The requirements whose names start with an underscore are implementation hooks:
/// each one runs a whole kernel (a loop over a buffer) for the concrete type, so the
/// loop body is specialised for `Float` or `Double` and a tensor op pays one dynamic
/// dispatch per op, never per element. Users never call them.
///
/// ```
/// Tensor<Float>, Tensor<Double>
/// ```
public protocol TensorScalar: BinaryFloatingPoint & Sendable & CustomStringConvertible
where RawSignificand: FixedWidthInteger {
    /// `exp(x)`.
    static func _exp(_ x: Self) -> Self
    /// Natural logarithm `log(x)`.
    static func _log(_ x: Self) -> Self
    /// `sin(x)`.
    static func _sin(_ x: Self) -> Self
    /// `cos(x)`.
    static func _cos(_ x: Self) -> Self
    /// `tanh(x)`.
    static func _tanh(_ x: Self) -> Self
    /// `pow(x, y)`.
    static func _pow(_ x: Self, _ y: Self) -> Self
    /// Applies an elementwise function to a buffer (`out[i] = f(x[i])`).
    static func _map(
        _ function: ElementwiseFunction, _ x: UnsafeBufferPointer<Self>,
        _ out: UnsafeMutableBufferPointer<Self>, _ p0: Self, _ p1: Self)
    /// Combines two buffers elementwise; see `TensorKernels.combine`.
    static func _combine(
        _ function: BinaryFunction, _ a: UnsafeBufferPointer<Self>, _ aIndex: UnsafeBufferPointer<Int>?,
        _ b: UnsafeBufferPointer<Self>, _ bIndex: UnsafeBufferPointer<Int>?,
        _ out: UnsafeMutableBufferPointer<Self>)
    /// Reduces `x` into `out`: `out[outIndex[i]] ⊕= x[i]`.
    static func _reduce(
        _ function: ReductionFunction, _ x: UnsafeBufferPointer<Self>, _ outIndex: UnsafeBufferPointer<Int>?,
        _ out: UnsafeMutableBufferPointer<Self>)
    /// The first-order backward pass of an elementwise function in one loop:
    /// `out[i] = g[i]·f′(x[i])`, using the output `y` where that is cheaper.
    static func _mapDerivative(
        _ function: ElementwiseFunction, _ x: UnsafeBufferPointer<Self>, _ y: UnsafeBufferPointer<Self>,
        _ g: UnsafeBufferPointer<Self>, _ out: UnsafeMutableBufferPointer<Self>, _ p0: Self, _ p1: Self)
    /// Reduces the middle axis of `[outer, count, inner]` into `out` (`[outer, inner]`).
    static func _reduceMiddle(
        _ function: ReductionFunction, _ x: UnsafeBufferPointer<Self>, outer: Int, count: Int, inner: Int,
        _ out: UnsafeMutableBufferPointer<Self>)
    /// Gathers `out[i] = index[i] < 0 ? 0 : x[index[i]]`.
    static func _gather(
        _ x: UnsafeBufferPointer<Self>, _ index: UnsafeBufferPointer<Int>, _ out: UnsafeMutableBufferPointer<Self>)
    /// Scatter-adds `out[index[i]] += x[i]`.
    static func _scatterAdd(
        _ x: UnsafeBufferPointer<Self>, _ index: UnsafeBufferPointer<Int>, _ out: UnsafeMutableBufferPointer<Self>)
    /// Softmax, log-softmax or log-sum-exp over the middle axis of `[outer, n, inner]`.
    static func _softmax(
        _ function: SoftmaxFunction, _ x: UnsafeBufferPointer<Self>, outer: Int, count: Int, inner: Int,
        _ out: UnsafeMutableBufferPointer<Self>)
    /// Row-major `C = op(A)·op(B)` through `GEMM.multiply`.
    static func _gemm(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
        a: UnsafePointer<Self>, lda: Int, b: UnsafePointer<Self>, ldb: Int,
        c: UnsafeMutablePointer<Self>, ldc: Int)
}

/// Binary functions run by `TensorScalar._combine` (an implementation detail).
///
/// ```
/// out[i] = a[i] ⊕ b[i]
/// ```
public enum BinaryFunction: Sendable {
    /// a + b, a − b, a·b, a/b, aᵇ, [a = b], (a ≠ 0 ? b : 0).
    case add, subtract, multiply, divide, power, equal, select
}

/// Reductions run by `TensorScalar._reduce` (an implementation detail).
///
/// ```
/// out[j] = ⊕_{i ↦ j} x[i]
/// ```
public enum ReductionFunction: Sendable {
    /// Σ, max, min.
    case sum, max, min
}

/// Softmax-family kernels run by `TensorScalar._softmax` (an implementation detail).
///
/// ```
/// softmax(x)_i = exp(x_i − m) / Σ exp(x_j − m),  m = max x
/// ```
public enum SoftmaxFunction: Sendable {
    /// softmax, log-softmax, log-sum-exp.
    case softmax, logSoftmax, logSumExp
}

extension Double: TensorScalar {
    /// `exp(x)` from the C library.
    ///
    /// ```
    /// y = eˣ
    /// ```
    @inlinable public static func _exp(_ x: Double) -> Double { exp(x) }
    /// Natural logarithm from the C library.
    ///
    /// ```
    /// y = ln x
    /// ```
    @inlinable public static func _log(_ x: Double) -> Double { log(x) }
    /// `sin(x)` from the C library.
    ///
    /// ```
    /// y = sin x
    /// ```
    @inlinable public static func _sin(_ x: Double) -> Double { sin(x) }
    /// `cos(x)` from the C library.
    ///
    /// ```
    /// y = cos x
    /// ```
    @inlinable public static func _cos(_ x: Double) -> Double { cos(x) }
    /// `tanh(x)` from the C library.
    ///
    /// ```
    /// y = tanh x
    /// ```
    @inlinable public static func _tanh(_ x: Double) -> Double { tanh(x) }
    /// `pow(x, y)` from the C library.
    ///
    /// ```
    /// z = xʸ
    /// ```
    @inlinable public static func _pow(_ x: Double, _ y: Double) -> Double { pow(x, y) }
    /// Kernel hook: an elementwise function over a buffer, specialised for this type.
    ///
    /// ```
    /// out[i] = f(x[i])
    /// ```
    public static func _map(
        _ function: ElementwiseFunction, _ x: UnsafeBufferPointer<Double>,
        _ out: UnsafeMutableBufferPointer<Double>, _ p0: Double, _ p1: Double
    ) { TensorKernels.map(function, x, out, p0, p1) }
    /// Kernel hook: a broadcasting binary function, specialised for this type.
    ///
    /// ```
    /// out[i] = a[ia(i)] ⊕ b[ib(i)]
    /// ```
    public static func _combine(
        _ function: BinaryFunction, _ a: UnsafeBufferPointer<Double>, _ aIndex: UnsafeBufferPointer<Int>?,
        _ b: UnsafeBufferPointer<Double>, _ bIndex: UnsafeBufferPointer<Int>?,
        _ out: UnsafeMutableBufferPointer<Double>
    ) { TensorKernels.combine(function, a, aIndex, b, bIndex, out) }
    /// Kernel hook: a reduction into `out`, specialised for this type.
    ///
    /// ```
    /// out[j] ⊕= x[i]  for i ↦ j
    /// ```
    public static func _reduce(
        _ function: ReductionFunction, _ x: UnsafeBufferPointer<Double>, _ outIndex: UnsafeBufferPointer<Int>?,
        _ out: UnsafeMutableBufferPointer<Double>
    ) { TensorKernels.reduce(function, x, outIndex, out) }
    /// Kernel hook: g·f′(x) for an elementwise function, specialised for this type.
    ///
    /// ```
    /// out[i] = g[i]·f′(x[i])
    /// ```
    public static func _mapDerivative(
        _ function: ElementwiseFunction, _ x: UnsafeBufferPointer<Double>, _ y: UnsafeBufferPointer<Double>,
        _ g: UnsafeBufferPointer<Double>, _ out: UnsafeMutableBufferPointer<Double>, _ p0: Double, _ p1: Double
    ) { TensorKernels.mapDerivative(function, x, y, g, out, p0, p1) }
    /// Kernel hook: a reduction over the middle axis of `[outer, count, inner]`, specialised for this type.
    ///
    /// ```
    /// out[o, i] = ⊕ₖ x[o, k, i]
    /// ```
    public static func _reduceMiddle(
        _ function: ReductionFunction, _ x: UnsafeBufferPointer<Double>, outer: Int, count: Int, inner: Int,
        _ out: UnsafeMutableBufferPointer<Double>
    ) { TensorKernels.reduceMiddle(function, x, outer: outer, count: count, inner: inner, out) }
    /// Kernel hook: an index gather, specialised for this type.
    ///
    /// ```
    /// out[i] = x[index[i]]  (0 for index < 0)
    /// ```
    public static func _gather(
        _ x: UnsafeBufferPointer<Double>, _ index: UnsafeBufferPointer<Int>, _ out: UnsafeMutableBufferPointer<Double>
    ) { TensorKernels.gather(x, index, out) }
    /// Kernel hook: an index scatter-add, specialised for this type.
    ///
    /// ```
    /// out[index[i]] += x[i]
    /// ```
    public static func _scatterAdd(
        _ x: UnsafeBufferPointer<Double>, _ index: UnsafeBufferPointer<Int>, _ out: UnsafeMutableBufferPointer<Double>
    ) { TensorKernels.scatterAdd(x, index, out) }
    /// Kernel hook: softmax / log-softmax / log-sum-exp over the middle axis of `[outer, count, inner]`.
    ///
    /// ```
    /// softmax(x)ᵢ = e^(xᵢ−m) / Σⱼ e^(xⱼ−m)
    /// ```
    public static func _softmax(
        _ function: SoftmaxFunction, _ x: UnsafeBufferPointer<Double>, outer: Int, count: Int, inner: Int,
        _ out: UnsafeMutableBufferPointer<Double>
    ) { TensorKernels.softmax(function, x, outer: outer, count: count, inner: inner, out) }
    /// Kernel hook: matrix product through `GEMM.multiply`.
    ///
    /// ```
    /// C = op(A)·op(B)
    /// ```
    public static func _gemm(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
        a: UnsafePointer<Double>, lda: Int, b: UnsafePointer<Double>, ldb: Int,
        c: UnsafeMutablePointer<Double>, ldc: Int
    ) {
        GEMM.multiply(transA: transA, transB: transB, m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb,
                      c: c, ldc: ldc, accumulate: false)
    }
}

extension Float: TensorScalar {
    /// `exp(x)` from the C library.
    ///
    /// ```
    /// y = eˣ
    /// ```
    @inlinable public static func _exp(_ x: Float) -> Float { expf(x) }
    /// Natural logarithm from the C library.
    ///
    /// ```
    /// y = ln x
    /// ```
    @inlinable public static func _log(_ x: Float) -> Float { logf(x) }
    /// `sin(x)` from the C library.
    ///
    /// ```
    /// y = sin x
    /// ```
    @inlinable public static func _sin(_ x: Float) -> Float { sinf(x) }
    /// `cos(x)` from the C library.
    ///
    /// ```
    /// y = cos x
    /// ```
    @inlinable public static func _cos(_ x: Float) -> Float { cosf(x) }
    /// `tanh(x)` from the C library.
    ///
    /// ```
    /// y = tanh x
    /// ```
    @inlinable public static func _tanh(_ x: Float) -> Float { tanhf(x) }
    /// `pow(x, y)` from the C library.
    ///
    /// ```
    /// z = xʸ
    /// ```
    @inlinable public static func _pow(_ x: Float, _ y: Float) -> Float { powf(x, y) }
    /// Kernel hook: an elementwise function over a buffer, specialised for this type.
    ///
    /// ```
    /// out[i] = f(x[i])
    /// ```
    public static func _map(
        _ function: ElementwiseFunction, _ x: UnsafeBufferPointer<Float>,
        _ out: UnsafeMutableBufferPointer<Float>, _ p0: Float, _ p1: Float
    ) { TensorKernels.map(function, x, out, p0, p1) }
    /// Kernel hook: a broadcasting binary function, specialised for this type.
    ///
    /// ```
    /// out[i] = a[ia(i)] ⊕ b[ib(i)]
    /// ```
    public static func _combine(
        _ function: BinaryFunction, _ a: UnsafeBufferPointer<Float>, _ aIndex: UnsafeBufferPointer<Int>?,
        _ b: UnsafeBufferPointer<Float>, _ bIndex: UnsafeBufferPointer<Int>?,
        _ out: UnsafeMutableBufferPointer<Float>
    ) { TensorKernels.combine(function, a, aIndex, b, bIndex, out) }
    /// Kernel hook: a reduction into `out`, specialised for this type.
    ///
    /// ```
    /// out[j] ⊕= x[i]  for i ↦ j
    /// ```
    public static func _reduce(
        _ function: ReductionFunction, _ x: UnsafeBufferPointer<Float>, _ outIndex: UnsafeBufferPointer<Int>?,
        _ out: UnsafeMutableBufferPointer<Float>
    ) { TensorKernels.reduce(function, x, outIndex, out) }
    /// Kernel hook: g·f′(x) for an elementwise function, specialised for this type.
    ///
    /// ```
    /// out[i] = g[i]·f′(x[i])
    /// ```
    public static func _mapDerivative(
        _ function: ElementwiseFunction, _ x: UnsafeBufferPointer<Float>, _ y: UnsafeBufferPointer<Float>,
        _ g: UnsafeBufferPointer<Float>, _ out: UnsafeMutableBufferPointer<Float>, _ p0: Float, _ p1: Float
    ) { TensorKernels.mapDerivative(function, x, y, g, out, p0, p1) }
    /// Kernel hook: a reduction over the middle axis of `[outer, count, inner]`, specialised for this type.
    ///
    /// ```
    /// out[o, i] = ⊕ₖ x[o, k, i]
    /// ```
    public static func _reduceMiddle(
        _ function: ReductionFunction, _ x: UnsafeBufferPointer<Float>, outer: Int, count: Int, inner: Int,
        _ out: UnsafeMutableBufferPointer<Float>
    ) { TensorKernels.reduceMiddle(function, x, outer: outer, count: count, inner: inner, out) }
    /// Kernel hook: an index gather, specialised for this type.
    ///
    /// ```
    /// out[i] = x[index[i]]  (0 for index < 0)
    /// ```
    public static func _gather(
        _ x: UnsafeBufferPointer<Float>, _ index: UnsafeBufferPointer<Int>, _ out: UnsafeMutableBufferPointer<Float>
    ) { TensorKernels.gather(x, index, out) }
    /// Kernel hook: an index scatter-add, specialised for this type.
    ///
    /// ```
    /// out[index[i]] += x[i]
    /// ```
    public static func _scatterAdd(
        _ x: UnsafeBufferPointer<Float>, _ index: UnsafeBufferPointer<Int>, _ out: UnsafeMutableBufferPointer<Float>
    ) { TensorKernels.scatterAdd(x, index, out) }
    /// Kernel hook: softmax / log-softmax / log-sum-exp over the middle axis of `[outer, count, inner]`.
    ///
    /// ```
    /// softmax(x)ᵢ = e^(xᵢ−m) / Σⱼ e^(xⱼ−m)
    /// ```
    public static func _softmax(
        _ function: SoftmaxFunction, _ x: UnsafeBufferPointer<Float>, outer: Int, count: Int, inner: Int,
        _ out: UnsafeMutableBufferPointer<Float>
    ) { TensorKernels.softmax(function, x, outer: outer, count: count, inner: inner, out) }
    /// Kernel hook: matrix product through `GEMM.multiply`.
    ///
    /// ```
    /// C = op(A)·op(B)
    /// ```
    public static func _gemm(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        GEMM.multiply(transA: transA, transB: transB, m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb,
                      c: c, ldc: ldc, accumulate: false)
    }
}
