// The passes a fused matrix-product instruction runs over its result: bias and
// activation (forward), activation derivative (backward). Each computes exactly what the
// separate ops it replaces compute, element by element (C kernels without FMA
// contraction, or the same elementwise kernels), so fusing changes no bit of a result.
import CBackpropKernels

/// An activation's derivative written through a value the backward pass keeps, as the
/// recorded rules produce it (the upstream gradient g times it, in one pass).
///
/// ```
/// step:    g ⊙ step(h; t)        relu′ (h the relu's input or output, t = 0)
/// sigmoid: g ⊙ (y ⊙ (1 − y))     σ′ given y = σ(x)
/// tanh:    g ⊙ (1 − y ⊙ y)       tanh′ given y = tanh x
/// ```
enum ActivationDerivative: Equatable {
    case step, sigmoid, tanh

    /// The listing's name of the fused product: "matmul+relu′" and so on.
    var listingSuffix: String {
        switch self {
        case .step: "step"
        case .sigmoid: "σ′"
        case .tanh: "tanh′"
        }
    }
}

extension TensorProgram {
    /// Rows of the result run through one activation call at a time: about 16 KiB, so
    /// a block stays in the L1 cache between the bias add and the activation.
    static var activationBlock: Int { 4096 }

    /// c = f(c + bias) over an m × n row-major matrix, in place (bias: one row, or nil).
    ///
    /// ```
    /// c[i, j] ← f(c[i, j] + b[j])
    /// ```
    @inline(__always)
    static func activate(
        _ c: UnsafeMutablePointer<Scalar>, bias: UnsafeMutablePointer<Scalar>?, m: Int, n: Int,
        _ function: ElementwiseFunction, _ p0: Scalar, _ p1: Scalar
    ) {
        if function == .relu {
            if Scalar.self == Float.self {
                bp_bias_relu_f32(rebound(c, Float.self), bias.map { UnsafePointer(rebound($0, Float.self)) }, m, n)
                return
            }
            if Scalar.self == Double.self {
                bp_bias_relu_f64(rebound(c, Double.self), bias.map { UnsafePointer(rebound($0, Double.self)) }, m, n)
                return
            }
        }
        // Blocks of whole rows: the bias added, then the activation in place (the
        // elementwise kernels give each element the same value wherever it sits).
        let rows = Swift.max(1, activationBlock / Swift.max(n, 1))
        var row = 0
        while row < m {
            let count = Swift.min(rows, m - row), start = c + row &* n
            if let bias { MatmulPlan.addRow(bias, to: start, m: count, n: n) }
            let block = UnsafeMutableBufferPointer(start: start, count: count &* n)
            Scalar._map(function, UnsafeBufferPointer(block), block, p0, p1)
            row &+= count
        }
    }

    /// out = g ⊙ f′ through h (out may be g: in place; see `ActivationDerivative`).
    ///
    /// ```
    /// out[i] = g[i]·f′(h[i])
    /// ```
    @inline(__always)
    static func multiply(
        _ g: UnsafeMutablePointer<Scalar>, by derivative: ActivationDerivative, of h: UnsafeMutablePointer<Scalar>,
        threshold: Scalar, into out: UnsafeMutablePointer<Scalar>, count n: Int
    ) {
        if Scalar.self == Float.self {
            let (g, h, out) = (UnsafePointer(rebound(g, Float.self)), UnsafePointer(rebound(h, Float.self)), rebound(out, Float.self))
            switch derivative {
            case .step: bp_step_mask_f32(g, h, unsafeBitCast(threshold, to: Float.self), out, n)
            case .sigmoid: bp_sigmoid_mask_f32(g, h, out, n)
            case .tanh: bp_tanh_mask_f32(g, h, out, n)
            }
        } else if Scalar.self == Double.self {
            let (g, h, out) = (UnsafePointer(rebound(g, Double.self)), UnsafePointer(rebound(h, Double.self)), rebound(out, Double.self))
            switch derivative {
            case .step: bp_step_mask_f64(g, h, unsafeBitCast(threshold, to: Double.self), out, n)
            case .sigmoid: bp_sigmoid_mask_f64(g, h, out, n)
            case .tanh: bp_tanh_mask_f64(g, h, out, n)
            }
        } else {
            // Other element types: the separate ops' arithmetic, in order.
            for i in 0..<n {
                let y = h[i]
                let d: Scalar
                switch derivative {
                case .step: d = y > threshold ? 1 : (y <= threshold ? 0 : y)
                case .sigmoid: d = y * (1 - y)
                case .tanh: d = 1 - y * y
                }
                out[i] = g[i] * d
            }
        }
    }

    /// C = op(A)·op(B) of a fused instruction, with its pass over C (bias + relu, or the
    /// relu′ step mask through h) run by the threads that compute C, block by block as
    /// each block is finished (`bp_gemm_epilogue`), when the product is split over the
    /// helper threads. Returns whether the pass ran; when false the product is computed
    /// and the caller runs the pass over all of C (`activate`, `multiply(_:by:…)`),
    /// which gives the same bits.
    ///
    /// ```
    /// C = op(A)·op(B);  C[i, j] ← relu(C[i, j] + b[j])   or   C[i, j] ← C[i, j]·step(h[i, j]; t)
    /// ```
    @inline(__always)
    static func product(
        _ tA: Bool, _ tB: Bool, _ m: Int, _ n: Int, _ k: Int,
        _ a: UnsafePointer<Scalar>, _ b: UnsafePointer<Scalar>, _ c: UnsafeMutablePointer<Scalar>, _ alone: Bool,
        epilogue kind: Int32, bias: UnsafeMutablePointer<Scalar>? = nil, mask h: UnsafeMutablePointer<Scalar>? = nil,
        threshold: Scalar = 0
    ) -> Bool {
        guard !alone, k > 0, m &* n &* k > MatmulPlan.smallProduct,
              Scalar.self == Float.self || Scalar.self == Double.self else {
            product(tA, tB, m, n, k, a, b, c, alone)
            return false
        }
        var e = bp_gemm_epilogue(kind: kind, bias: bias.map { UnsafeRawPointer($0) }, h: h.map { UnsafeRawPointer($0) },
                                 ldh: n, threshold: Scalar.self == Float.self
                                     ? Double(unsafeBitCast(threshold, to: Float.self))
                                     : unsafeBitCast(threshold, to: Double.self))
        return GEMM.multiply(transA: tA, transB: tB, m: m, n: n, k: k, a: a, lda: tA ? m : k, b: b, ldb: tB ? k : n,
                             c: c, ldc: n, accumulate: false, epilogue: &e)
    }

    /// The same memory as another element type of the same layout (Float or Double only).
    @inline(__always)
    static func rebound<T>(_ p: UnsafeMutablePointer<Scalar>, _: T.Type) -> UnsafeMutablePointer<T> {
        UnsafeMutableRawPointer(p).assumingMemoryBound(to: T.self)
    }
}
