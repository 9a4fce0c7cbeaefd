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
/// The requirements whose names start with an underscore are implementation details
/// users never call. A conformance binds the C functions of its type, one line each
/// (`_exp` is `expf` or `exp`, `_cGEMM` is `bp_sgemm` or `bp_dgemm`, …); every loop over a
/// buffer is written once, generically (`TensorKernels`, `GEMM`, `UpdateKernels`), and
/// calls them through these requirements. The kernel hooks (`_map`, `_gemm`, …) each
/// run a whole loop; their default implementations are specialised in the `Float` and
/// `Double` conformances, so the loops call the C symbols directly and a tensor op pays
/// one dynamic dispatch per op, never per element.
///
/// ```
/// Tensor<Float>, Tensor<Double>
/// ```
public protocol TensorScalar: BinaryFloatingPoint & Sendable & CustomStringConvertible
where RawSignificand: FixedWidthInteger {
    // MARK: Bindings: one C function each, named once per element type in its conformance.

    /// `y[i] = f(x[i])` over `n` elements (a vectorised C kernel).
    typealias _BufferMap = @Sendable (UnsafePointer<Self>?, UnsafeMutablePointer<Self>?, Int) -> Void
    /// `out[i] = g[i]·f′(·[i])` over `n` elements (a vectorised C kernel).
    typealias _BufferBackward = @Sendable (UnsafePointer<Self>?, UnsafePointer<Self>?, UnsafeMutablePointer<Self>?, Int) -> Void
    /// `bp_sgemm` / `bp_dgemm`: transA, transB, M, N, K, A, lda, B, ldb, C, ldc, accumulate.
    typealias _GEMMKernel = @Sendable (
        Int32, Int32, Int, Int, Int, UnsafePointer<Self>?, Int, UnsafePointer<Self>?, Int,
        UnsafeMutablePointer<Self>?, Int, Int32) -> Void
    /// `bp_sgemm_shared` / `bp_dgemm_shared`: byRows, chunk, next, then as `_GEMMKernel`.
    typealias _SharedGEMMKernel = @Sendable (
        Int32, Int, UnsafeMutablePointer<Int>?, Int32, Int32, Int, Int, Int, UnsafePointer<Self>?, Int,
        UnsafePointer<Self>?, Int, UnsafeMutablePointer<Self>?, Int, Int32) -> Void
    /// `bp_adam_f32` / `bp_adam_f64`: old, new, g, m, v, n, β₁, β₂, c₁, c₂, α, ε.
    typealias _AdamKernel = @Sendable (
        UnsafePointer<Self>?, UnsafeMutablePointer<Self>?, UnsafePointer<Self>?, UnsafeMutablePointer<Self>?,
        UnsafeMutablePointer<Self>?, Int, Self, Self, Self, Self, Self, Self) -> Void

    /// `exp(x)` from the C library.
    static func _exp(_ x: Self) -> Self
    /// Natural logarithm `log(x)` from the C library.
    static func _log(_ x: Self) -> Self
    /// `sin(x)` from the C library.
    static func _sin(_ x: Self) -> Self
    /// `cos(x)` from the C library.
    static func _cos(_ x: Self) -> Self
    /// `tanh(x)` from the C library.
    static func _tanh(_ x: Self) -> Self
    /// `tan(x)` from the C library.
    static func _tan(_ x: Self) -> Self
    /// `atan(x)` from the C library.
    static func _atan(_ x: Self) -> Self
    /// `log1p(x)` = log(1 + x) from the C library, accurate for small x.
    static func _log1p(_ x: Self) -> Self
    /// `expm1(x)` = eˣ − 1 from the C library, accurate for small x.
    static func _expm1(_ x: Self) -> Self
    /// The error function `erf(x)` from the C library.
    static func _erf(_ x: Self) -> Self
    /// The complementary error function `erfc(x)` = 1 − erf(x) from the C library (no cancellation).
    static func _erfc(_ x: Self) -> Self
    /// `pow(x, y)` from the C library.
    static func _pow(_ x: Self, _ y: Self) -> Self
    /// The vectorised eˣ over a buffer (`bp_exp_f32` / `bp_exp_f64`).
    static var _cExp: _BufferMap { get }
    /// The vectorised ln x over a buffer.
    static var _cLog: _BufferMap { get }
    /// The vectorised tanh x over a buffer.
    static var _cTanh: _BufferMap { get }
    /// The vectorised σ(x) over a buffer.
    static var _cSigmoid: _BufferMap { get }
    /// The vectorised relu over a buffer (NaN kept).
    static var _cRelu: _BufferMap { get }
    /// The backward loop of tanh from its output: `out = g·(1 − y²)`.
    static var _cTanhBackward: _BufferBackward { get }
    /// The backward loop of σ from its output: `out = g·y·(1 − y)`.
    static var _cSigmoidBackward: _BufferBackward { get }
    /// The backward loop of relu from its input: `out = x > 0 ? g : 0`.
    static var _cReluBackward: _BufferBackward { get }
    /// The vectorised sum of a buffer.
    static var _cSum: @Sendable (UnsafePointer<Self>?, Int) -> Self { get }
    /// The single-threaded matrix product.
    static var _cGEMM: _GEMMKernel { get }
    /// The matrix product shared by several threads.
    static var _cSharedGEMM: _SharedGEMMKernel { get }
    /// The fused Adam update.
    static var _cAdam: _AdamKernel { get }

    // MARK: Kernel hooks: whole loops, written once (default implementations below).

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
    /// Combines two operands read through strides over the result's axes; see
    /// `TensorKernels.combineStrided`.
    static func _combineStrided(
        _ function: BinaryFunction, _ a: UnsafePointer<Self>, _ b: UnsafePointer<Self>, _ out: UnsafeMutablePointer<Self>,
        shape: [Int], aStrides: [Int], bStrides: [Int])
    /// Reduces `x` (row-major, `shape`) into `out` through strides (0 along reduced axes);
    /// see `TensorKernels.reduceStrided`.
    static func _reduceStrided(
        _ function: ReductionFunction, _ x: UnsafePointer<Self>, shape: [Int], outStrides: [Int],
        _ out: UnsafeMutablePointer<Self>)
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

extension TensorScalar {
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
    /// Kernel hook: a binary op on operands read through strides.
    ///
    /// ```
    /// out[i] = a[Σₖ iₖ·aStrides[k]] ∘ b[Σₖ iₖ·bStrides[k]]
    /// ```
    public static func _combineStrided(
        _ function: BinaryFunction, _ a: UnsafePointer<Self>, _ b: UnsafePointer<Self>, _ out: UnsafeMutablePointer<Self>,
        shape: [Int], aStrides: [Int], bStrides: [Int]
    ) { TensorKernels.combineStrided(function, a, b, out, shape: shape, aStrides: aStrides, bStrides: bStrides) }
    /// Kernel hook: a reduction into results read through strides.
    ///
    /// ```
    /// out[Σₖ iₖ·outStrides[k]] ⊕= x[i]
    /// ```
    public static func _reduceStrided(
        _ function: ReductionFunction, _ x: UnsafePointer<Self>, shape: [Int], outStrides: [Int],
        _ out: UnsafeMutablePointer<Self>
    ) { TensorKernels.reduceStrided(function, x, shape: shape, outStrides: outStrides, out) }
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
    /// `expf`.
    @inlinable public static func _exp(_ x: Float) -> Float { expf(x) }
    /// `logf`.
    @inlinable public static func _log(_ x: Float) -> Float { logf(x) }
    /// `sinf`.
    @inlinable public static func _sin(_ x: Float) -> Float { sinf(x) }
    /// `cosf`.
    @inlinable public static func _cos(_ x: Float) -> Float { cosf(x) }
    /// `tanhf`.
    @inlinable public static func _tanh(_ x: Float) -> Float { tanhf(x) }
    /// `tanf`.
    @inlinable public static func _tan(_ x: Float) -> Float { tanf(x) }
    /// `atanf`.
    @inlinable public static func _atan(_ x: Float) -> Float { atanf(x) }
    /// `log1pf`.
    @inlinable public static func _log1p(_ x: Float) -> Float { log1pf(x) }
    /// `expm1f`.
    @inlinable public static func _expm1(_ x: Float) -> Float { expm1f(x) }
    /// `erff`.
    @inlinable public static func _erf(_ x: Float) -> Float { erff(x) }
    /// `erfcf`.
    @inlinable public static func _erfc(_ x: Float) -> Float { erfcf(x) }
    /// `powf`.
    @inlinable public static func _pow(_ x: Float, _ y: Float) -> Float { powf(x, y) }
    /// `bp_exp_f32`.
    @inline(__always) public static var _cExp: _BufferMap { bp_exp_f32 }
    /// `bp_log_f32`.
    @inline(__always) public static var _cLog: _BufferMap { bp_log_f32 }
    /// `bp_tanh_f32`.
    @inline(__always) public static var _cTanh: _BufferMap { bp_tanh_f32 }
    /// `bp_sigmoid_f32`.
    @inline(__always) public static var _cSigmoid: _BufferMap { bp_sigmoid_f32 }
    /// `bp_relu_f32`.
    @inline(__always) public static var _cRelu: _BufferMap { bp_relu_f32 }
    /// `bp_tanh_backward_f32`.
    @inline(__always) public static var _cTanhBackward: _BufferBackward { bp_tanh_backward_f32 }
    /// `bp_sigmoid_backward_f32`.
    @inline(__always) public static var _cSigmoidBackward: _BufferBackward { bp_sigmoid_backward_f32 }
    /// `bp_relu_backward_f32`.
    @inline(__always) public static var _cReluBackward: _BufferBackward { bp_relu_backward_f32 }
    /// `bp_sum_f32`.
    @inline(__always) public static var _cSum: @Sendable (UnsafePointer<Float>?, Int) -> Float { bp_sum_f32 }
    /// `bp_sgemm`.
    @inline(__always) public static var _cGEMM: _GEMMKernel { bp_sgemm }
    /// `bp_sgemm_shared`.
    @inline(__always) public static var _cSharedGEMM: _SharedGEMMKernel { bp_sgemm_shared }
    /// `bp_adam_f32`.
    @inline(__always) public static var _cAdam: _AdamKernel { bp_adam_f32 }
}

extension Double: TensorScalar {
    /// `exp`.
    @inlinable public static func _exp(_ x: Double) -> Double { exp(x) }
    /// `log`.
    @inlinable public static func _log(_ x: Double) -> Double { log(x) }
    /// `sin`.
    @inlinable public static func _sin(_ x: Double) -> Double { sin(x) }
    /// `cos`.
    @inlinable public static func _cos(_ x: Double) -> Double { cos(x) }
    /// `tanh`.
    @inlinable public static func _tanh(_ x: Double) -> Double { tanh(x) }
    /// `tan`.
    @inlinable public static func _tan(_ x: Double) -> Double { tan(x) }
    /// `atan`.
    @inlinable public static func _atan(_ x: Double) -> Double { atan(x) }
    /// `log1p`.
    @inlinable public static func _log1p(_ x: Double) -> Double { log1p(x) }
    /// `expm1`.
    @inlinable public static func _expm1(_ x: Double) -> Double { expm1(x) }
    /// `erf`.
    @inlinable public static func _erf(_ x: Double) -> Double { erf(x) }
    /// `erfc`.
    @inlinable public static func _erfc(_ x: Double) -> Double { erfc(x) }
    /// `pow`.
    @inlinable public static func _pow(_ x: Double, _ y: Double) -> Double { pow(x, y) }
    /// `bp_exp_f64`.
    @inline(__always) public static var _cExp: _BufferMap { bp_exp_f64 }
    /// `bp_log_f64`.
    @inline(__always) public static var _cLog: _BufferMap { bp_log_f64 }
    /// `bp_tanh_f64`.
    @inline(__always) public static var _cTanh: _BufferMap { bp_tanh_f64 }
    /// `bp_sigmoid_f64`.
    @inline(__always) public static var _cSigmoid: _BufferMap { bp_sigmoid_f64 }
    /// `bp_relu_f64`.
    @inline(__always) public static var _cRelu: _BufferMap { bp_relu_f64 }
    /// `bp_tanh_backward_f64`.
    @inline(__always) public static var _cTanhBackward: _BufferBackward { bp_tanh_backward_f64 }
    /// `bp_sigmoid_backward_f64`.
    @inline(__always) public static var _cSigmoidBackward: _BufferBackward { bp_sigmoid_backward_f64 }
    /// `bp_relu_backward_f64`.
    @inline(__always) public static var _cReluBackward: _BufferBackward { bp_relu_backward_f64 }
    /// `bp_sum_f64`.
    @inline(__always) public static var _cSum: @Sendable (UnsafePointer<Double>?, Int) -> Double { bp_sum_f64 }
    /// `bp_dgemm`.
    @inline(__always) public static var _cGEMM: _GEMMKernel { bp_dgemm }
    /// `bp_dgemm_shared`.
    @inline(__always) public static var _cSharedGEMM: _SharedGEMMKernel { bp_dgemm_shared }
    /// `bp_adam_f64`.
    @inline(__always) public static var _cAdam: _AdamKernel { bp_adam_f64 }
}
