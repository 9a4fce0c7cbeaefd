import CBackpropKernels

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#elseif canImport(Musl)
import Musl
#endif

/// The element types a `Tensor` can hold: `Float` and `Double`.
///
/// A conforming type supplies one thing, `_kernels`: its C library and `CBackpropKernels`
/// functions. Every loop over a buffer is written once, generically (`TensorKernels`,
/// `GEMM`, `UpdateKernels`), and calls the C functions through that table.
///
/// The requirements whose names start with an underscore are implementation hooks:
/// each one runs a whole kernel (a loop over a buffer). Their default implementations
/// are specialised in the `Float` and `Double` conformances, so the loop body calls
/// the C symbols directly and a tensor op pays one dynamic dispatch per op, never per
/// element. Users never call them.
///
/// ```
/// Tensor<Float>, Tensor<Double>
/// ```
public protocol TensorScalar: BinaryFloatingPoint & Sendable & CustomStringConvertible
where RawSignificand: FixedWidthInteger {
    /// The C functions for this type (an implementation detail).
    ///
    /// ```
    /// Float: expf, bp_exp_f32, bp_sgemm, …      Double: exp, bp_exp_f64, bp_dgemm, …
    /// ```
    static var _kernels: ScalarKernels<Self> { get }
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

/// Elementwise functions run by `TensorScalar._map` (an implementation detail).
///
/// ```
/// out[i] = f(x[i])   with parameters p0, p1 (α, threshold, bounds)
/// ```
public enum ElementwiseFunction: Sendable {
    /// Smooth functions: −x, eˣ, ln x, √x, |x|, sin, cos, tanh, σ, max(x, 0).
    case negate, exp, log, squareRoot, absolute, sine, cosine, tanh, sigmoid, relu
    /// Parameterised: leaky relu (α = p0), step (threshold p0), clamp (p0...p1), sign.
    case leakyRelu, step, clamp, sign
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

/// The C functions a `TensorScalar` binds: the C library's scalar functions and the
/// vectorised kernels of `CBackpropKernels` for one element type. The generic loops
/// call them through this table; in code specialised for `Float` or `Double` the
/// table folds away and each call is a direct call of the C symbol. An implementation
/// detail: users never build or read one.
///
/// ```
/// Float._kernels.gemm = bp_sgemm      Double._kernels.gemm = bp_dgemm
/// ```
public struct ScalarKernels<Scalar: TensorScalar>: Sendable {
    package typealias Scalar1 = @Sendable (Scalar) -> Scalar
    package typealias Scalar2 = @Sendable (Scalar, Scalar) -> Scalar
    package typealias Pointer = UnsafePointer<Scalar>?
    package typealias MutablePointer = UnsafeMutablePointer<Scalar>?
    /// `y[i] = f(x[i])` over `n` elements.
    package typealias BufferMap = @Sendable (Pointer, MutablePointer, Int) -> Void
    /// `out[i] = g[i]·f′(·[i])` over `n` elements.
    package typealias BufferBackward = @Sendable (Pointer, Pointer, MutablePointer, Int) -> Void
    /// `bp_sgemm` / `bp_dgemm`: transA, transB, M, N, K, A, lda, B, ldb, C, ldc, accumulate.
    package typealias GEMMKernel = @Sendable (
        Int32, Int32, Int, Int, Int, Pointer, Int, Pointer, Int, MutablePointer, Int, Int32) -> Void
    /// `bp_sgemm_shared` / `bp_dgemm_shared`: byRows, chunk, next, then as `GEMMKernel`.
    package typealias SharedGEMMKernel = @Sendable (
        Int32, Int, UnsafeMutablePointer<Int>?, Int32, Int32, Int, Int, Int, Pointer, Int, Pointer, Int,
        MutablePointer, Int, Int32) -> Void
    /// `bp_adam_f32` / `bp_adam_f64`: old, new, g, m, v, n, β₁, β₂, c₁, c₂, α, ε.
    package typealias AdamKernel = @Sendable (
        Pointer, MutablePointer, Pointer, MutablePointer, MutablePointer, Int,
        Scalar, Scalar, Scalar, Scalar, Scalar, Scalar) -> Void

    /// eˣ, ln x, sin x, cos x, tanh x, xʸ from the C library.
    package let exp, log, sin, cos, tanh: Scalar1, pow: Scalar2
    /// Vectorised maps (`bp_exp_f32`, …).
    package let expBuffer, logBuffer, tanhBuffer, sigmoidBuffer: BufferMap
    /// Vectorised backward loops: tanh and σ from the output y, relu from the input x.
    package let tanhBackward, sigmoidBackward, reluBackward: BufferBackward
    /// The sum of a buffer (`bp_sum_f32`, …).
    package let sum: @Sendable (Pointer, Int) -> Scalar
    /// Matrix products, one thread or shared by several.
    package let gemm: GEMMKernel, sharedGEMM: SharedGEMMKernel
    /// The fused Adam update.
    package let adam: AdamKernel

    /// Binds one element type's C functions.
    @inline(__always)
    package init(
        exp: @escaping Scalar1, log: @escaping Scalar1, sin: @escaping Scalar1, cos: @escaping Scalar1,
        tanh: @escaping Scalar1, pow: @escaping Scalar2,
        expBuffer: @escaping BufferMap, logBuffer: @escaping BufferMap, tanhBuffer: @escaping BufferMap,
        sigmoidBuffer: @escaping BufferMap, tanhBackward: @escaping BufferBackward,
        sigmoidBackward: @escaping BufferBackward, reluBackward: @escaping BufferBackward,
        sum: @escaping @Sendable (Pointer, Int) -> Scalar, gemm: @escaping GEMMKernel,
        sharedGEMM: @escaping SharedGEMMKernel, adam: @escaping AdamKernel
    ) {
        (self.exp, self.log, self.sin, self.cos, self.tanh, self.pow) = (exp, log, sin, cos, tanh, pow)
        (self.expBuffer, self.logBuffer, self.tanhBuffer, self.sigmoidBuffer) = (expBuffer, logBuffer, tanhBuffer, sigmoidBuffer)
        (self.tanhBackward, self.sigmoidBackward, self.reluBackward) = (tanhBackward, sigmoidBackward, reluBackward)
        (self.sum, self.gemm, self.sharedGEMM, self.adam) = (sum, gemm, sharedGEMM, adam)
    }
}

extension TensorScalar {
    /// eˣ from the C library.
    @inline(__always) package static func _exp(_ x: Self) -> Self { _kernels.exp(x) }
    /// ln x from the C library.
    @inline(__always) package static func _log(_ x: Self) -> Self { _kernels.log(x) }
    /// sin x from the C library.
    @inline(__always) package static func _sin(_ x: Self) -> Self { _kernels.sin(x) }
    /// cos x from the C library.
    @inline(__always) package static func _cos(_ x: Self) -> Self { _kernels.cos(x) }
    /// tanh x from the C library.
    @inline(__always) package static func _tanh(_ x: Self) -> Self { _kernels.tanh(x) }
    /// xʸ from the C library.
    @inline(__always) package static func _pow(_ x: Self, _ y: Self) -> Self { _kernels.pow(x, y) }

    /// Kernel hook: an elementwise function over a buffer.
    ///
    /// ```
    /// out[i] = f(x[i])
    /// ```
    public static func _map(
        _ function: ElementwiseFunction, _ x: UnsafeBufferPointer<Self>,
        _ out: UnsafeMutableBufferPointer<Self>, _ p0: Self, _ p1: Self
    ) { TensorKernels.map(function, x, out, p0, p1) }
    /// Kernel hook: a broadcasting binary function.
    ///
    /// ```
    /// out[i] = a[ia(i)] ⊕ b[ib(i)]
    /// ```
    public static func _combine(
        _ function: BinaryFunction, _ a: UnsafeBufferPointer<Self>, _ aIndex: UnsafeBufferPointer<Int>?,
        _ b: UnsafeBufferPointer<Self>, _ bIndex: UnsafeBufferPointer<Int>?,
        _ out: UnsafeMutableBufferPointer<Self>
    ) { TensorKernels.combine(function, a, aIndex, b, bIndex, out) }
    /// Kernel hook: a reduction into `out`.
    ///
    /// ```
    /// out[j] ⊕= x[i]  for i ↦ j
    /// ```
    public static func _reduce(
        _ function: ReductionFunction, _ x: UnsafeBufferPointer<Self>, _ outIndex: UnsafeBufferPointer<Int>?,
        _ out: UnsafeMutableBufferPointer<Self>
    ) { TensorKernels.reduce(function, x, outIndex, out) }
    /// Kernel hook: g·f′(x) for an elementwise function.
    ///
    /// ```
    /// out[i] = g[i]·f′(x[i])
    /// ```
    public static func _mapDerivative(
        _ function: ElementwiseFunction, _ x: UnsafeBufferPointer<Self>, _ y: UnsafeBufferPointer<Self>,
        _ g: UnsafeBufferPointer<Self>, _ out: UnsafeMutableBufferPointer<Self>, _ p0: Self, _ p1: Self
    ) { TensorKernels.mapDerivative(function, x, y, g, out, p0, p1) }
    /// Kernel hook: a reduction over the middle axis of `[outer, count, inner]`.
    ///
    /// ```
    /// out[o, i] = ⊕ₖ x[o, k, i]
    /// ```
    public static func _reduceMiddle(
        _ function: ReductionFunction, _ x: UnsafeBufferPointer<Self>, outer: Int, count: Int, inner: Int,
        _ out: UnsafeMutableBufferPointer<Self>
    ) { TensorKernels.reduceMiddle(function, x, outer: outer, count: count, inner: inner, out) }
    /// Kernel hook: an index gather.
    ///
    /// ```
    /// out[i] = x[index[i]]  (0 for index < 0)
    /// ```
    public static func _gather(
        _ x: UnsafeBufferPointer<Self>, _ index: UnsafeBufferPointer<Int>, _ out: UnsafeMutableBufferPointer<Self>
    ) { TensorKernels.gather(x, index, out) }
    /// Kernel hook: an index scatter-add.
    ///
    /// ```
    /// out[index[i]] += x[i]
    /// ```
    public static func _scatterAdd(
        _ x: UnsafeBufferPointer<Self>, _ index: UnsafeBufferPointer<Int>, _ out: UnsafeMutableBufferPointer<Self>
    ) { TensorKernels.scatterAdd(x, index, out) }
    /// Kernel hook: softmax / log-softmax / log-sum-exp over the middle axis of `[outer, count, inner]`.
    ///
    /// ```
    /// softmax(x)ᵢ = e^(xᵢ−m) / Σⱼ e^(xⱼ−m)
    /// ```
    public static func _softmax(
        _ function: SoftmaxFunction, _ x: UnsafeBufferPointer<Self>, outer: Int, count: Int, inner: Int,
        _ out: UnsafeMutableBufferPointer<Self>
    ) { TensorKernels.softmax(function, x, outer: outer, count: count, inner: inner, out) }
    /// Kernel hook: matrix product through `GEMM.multiply`.
    ///
    /// ```
    /// C = op(A)·op(B)
    /// ```
    public static func _gemm(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
        a: UnsafePointer<Self>, lda: Int, b: UnsafePointer<Self>, ldb: Int,
        c: UnsafeMutablePointer<Self>, ldc: Int
    ) {
        GEMM.multiply(transA: transA, transB: transB, m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb,
                      c: c, ldc: ldc, accumulate: false)
    }
}

extension Float: TensorScalar {
    /// The C library's `Float` functions and the single-precision kernels.
    @inline(__always) public static var _kernels: ScalarKernels<Float> {
        ScalarKernels(
            exp: expf, log: logf, sin: sinf, cos: cosf, tanh: tanhf, pow: powf,
            expBuffer: bp_exp_f32, logBuffer: bp_log_f32, tanhBuffer: bp_tanh_f32, sigmoidBuffer: bp_sigmoid_f32,
            tanhBackward: bp_tanh_backward_f32, sigmoidBackward: bp_sigmoid_backward_f32,
            reluBackward: bp_relu_backward_f32, sum: bp_sum_f32, gemm: bp_sgemm, sharedGEMM: bp_sgemm_shared,
            adam: bp_adam_f32)
    }
}

extension Double: TensorScalar {
    /// The C library's `Double` functions and the double-precision kernels.
    @inline(__always) public static var _kernels: ScalarKernels<Double> {
        ScalarKernels(
            exp: exp, log: log, sin: sin, cos: cos, tanh: tanh, pow: pow,
            expBuffer: bp_exp_f64, logBuffer: bp_log_f64, tanhBuffer: bp_tanh_f64, sigmoidBuffer: bp_sigmoid_f64,
            tanhBackward: bp_tanh_backward_f64, sigmoidBackward: bp_sigmoid_backward_f64,
            reluBackward: bp_relu_backward_f64, sum: bp_sum_f64, gemm: bp_dgemm, sharedGEMM: bp_dgemm_shared,
            adam: bp_adam_f64)
    }
}
