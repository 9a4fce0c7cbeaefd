// Loops over raw buffers. Every function here is generic, but it is only ever
// called from the kernel hooks of `TensorScalar`, which the `Float` and `Double`
// conformances specialise, so the optimiser specialises each loop: no per-element
// dynamic dispatch, and the C functions bound by `T` (`T._cExp`, …) are direct calls.
//
// exp, log, tanh, sigmoid, relu, their backward loops and the full sum go to the
// vectorised C kernels of `bp_elementwise.h` (AVX2+FMA or the C library, chosen at
// run time); large maps are split across `ComputeThreads.count` threads.
import CBackpropKernels
import Dispatch

/// A binary scalar function used by the broadcasting kernel.
@usableFromInline
protocol BinaryScalarFunction {
    static func apply<T: TensorScalar>(_ a: T, _ b: T) -> T
}

@usableFromInline enum AddFunction: BinaryScalarFunction {
    @inline(__always) @usableFromInline static func apply<T: TensorScalar>(_ a: T, _ b: T) -> T { a + b }
}
@usableFromInline enum SubtractFunction: BinaryScalarFunction {
    @inline(__always) @usableFromInline static func apply<T: TensorScalar>(_ a: T, _ b: T) -> T { a - b }
}
@usableFromInline enum MultiplyFunction: BinaryScalarFunction {
    @inline(__always) @usableFromInline static func apply<T: TensorScalar>(_ a: T, _ b: T) -> T { a * b }
}
@usableFromInline enum DivideFunction: BinaryScalarFunction {
    @inline(__always) @usableFromInline static func apply<T: TensorScalar>(_ a: T, _ b: T) -> T { a / b }
}
@usableFromInline enum PowerFunction: BinaryScalarFunction {
    @inline(__always) @usableFromInline static func apply<T: TensorScalar>(_ a: T, _ b: T) -> T { T._pow(a, b) }
}
@usableFromInline enum EqualFunction: BinaryScalarFunction {
    @inline(__always) @usableFromInline static func apply<T: TensorScalar>(_ a: T, _ b: T) -> T { a == b ? 1 : 0 }
}
@usableFromInline enum SelectFunction: BinaryScalarFunction {
    @inline(__always) @usableFromInline static func apply<T: TensorScalar>(_ a: T, _ b: T) -> T { a != 0 ? b : 0 }
}

@usableFromInline
enum TensorKernels {
    /// `out[i] = f(x[i])` for an elementwise function with parameters `p0`, `p1`.
    ///
    /// ```
    /// out[i] = f(x[i])      exp, log, tanh, σ: vectorised C kernels (≤ 1.1 ulp); others
    ///                       the table's value, in a loop specialised per function
    /// ```
    static func map<T: TensorScalar>(
        _ function: ElementwiseFunction, _ x: UnsafeBufferPointer<T>, _ out: UnsafeMutableBufferPointer<T>,
        _ p0: T, _ p1: T
    ) {
        if mapInC(function, x, out) { return }
        function.visit(MapLoop(x: x, out: out, p0: p0, p1: p1))
    }

    /// `out[i] = g[i]·f′(x[i])` (y = f(x) is used where it is cheaper).
    static func mapDerivative<T: TensorScalar>(
        _ function: ElementwiseFunction, _ x: UnsafeBufferPointer<T>, _ y: UnsafeBufferPointer<T>,
        _ g: UnsafeBufferPointer<T>, _ out: UnsafeMutableBufferPointer<T>, _ p0: T, _ p1: T
    ) {
        if derivativeInC(function, y, g, out) { return }
        if function == .relu && reluDerivativeInC(x, g, out) { return }
        function.visit(DerivativeLoop(x: x, y: y, g: g, out: out, p0: p0, p1: p1))
    }

    /// `out[i] = F.value(x[i])`: the table's value, one loop per function and element type.
    struct MapLoop<T: TensorScalar>: ElementwiseVisitor {
        let x: UnsafeBufferPointer<T>, out: UnsafeMutableBufferPointer<T>, p0: T, p1: T
        @inline(__always)
        func visit<F: ElementwiseRule>(_: F.Type) {
            for i in 0..<x.count { out[i] = F.value(x[i], p0, p1) }
        }
    }

    /// `out[i] = F.gradient(g[i], x[i], y[i])`: the table's fused backward loop.
    struct DerivativeLoop<T: TensorScalar>: ElementwiseVisitor {
        let x: UnsafeBufferPointer<T>, y: UnsafeBufferPointer<T>, g: UnsafeBufferPointer<T>
        let out: UnsafeMutableBufferPointer<T>, p0: T, p1: T
        @inline(__always)
        func visit<F: ElementwiseRule>(_: F.Type) {
            for i in 0..<g.count { out[i] = F.gradient(g[i], x[i], y[i], p0, p1) }
        }
    }

    static func combine<T: TensorScalar>(
        _ function: BinaryFunction, _ a: UnsafeBufferPointer<T>, _ aIndex: UnsafeBufferPointer<Int>?,
        _ b: UnsafeBufferPointer<T>, _ bIndex: UnsafeBufferPointer<Int>?, _ out: UnsafeMutableBufferPointer<T>
    ) {
        switch function {
        case .add: combine(AddFunction.self, a, aIndex, b, bIndex, out)
        case .subtract: combine(SubtractFunction.self, a, aIndex, b, bIndex, out)
        case .multiply: combine(MultiplyFunction.self, a, aIndex, b, bIndex, out)
        case .divide: combine(DivideFunction.self, a, aIndex, b, bIndex, out)
        case .power: combine(PowerFunction.self, a, aIndex, b, bIndex, out)
        case .equal: combine(EqualFunction.self, a, aIndex, b, bIndex, out)
        case .select: combine(SelectFunction.self, a, aIndex, b, bIndex, out)
        }
    }

    /// `out[i] = F(a[ia(i)], b[ib(i)])`, where an index buffer maps output positions to
    /// input positions; without one the input is either laid out like the output or a
    /// single element (scalar broadcast).
    @inline(__always)
    static func combine<T: TensorScalar, F: BinaryScalarFunction>(
        _: F.Type, _ a: UnsafeBufferPointer<T>, _ aIndex: UnsafeBufferPointer<Int>?,
        _ b: UnsafeBufferPointer<T>, _ bIndex: UnsafeBufferPointer<Int>?, _ out: UnsafeMutableBufferPointer<T>
    ) {
        let n = out.count
        switch (aIndex, bIndex) {
        case (nil, nil):
            if a.count == n && b.count == n {
                for i in 0..<n { out[i] = F.apply(a[i], b[i]) }
            } else if a.count == n {
                let s = b[0]
                for i in 0..<n { out[i] = F.apply(a[i], s) }
            } else if b.count == n {
                let s = a[0]
                for i in 0..<n { out[i] = F.apply(s, b[i]) }
            } else {
                let s = F.apply(a[0], b[0])
                for i in 0..<n { out[i] = s }
            }
        case (nil, let ib?):
            if a.count == n {
                for i in 0..<n { out[i] = F.apply(a[i], b[ib[i]]) }
            } else {
                let s = a[0]
                for i in 0..<n { out[i] = F.apply(s, b[ib[i]]) }
            }
        case (let ia?, nil):
            if b.count == n {
                for i in 0..<n { out[i] = F.apply(a[ia[i]], b[i]) }
            } else {
                let s = b[0]
                for i in 0..<n { out[i] = F.apply(a[ia[i]], s) }
            }
        case (let ia?, let ib?):
            for i in 0..<n { out[i] = F.apply(a[ia[i]], b[ib[i]]) }
        }
    }

    static func reduce<T: TensorScalar>(
        _ function: ReductionFunction, _ x: UnsafeBufferPointer<T>, _ outIndex: UnsafeBufferPointer<Int>?,
        _ out: UnsafeMutableBufferPointer<T>
    ) {
        let n = x.count
        if let index = outIndex {
            switch function {
            case .sum: for i in 0..<n { out[index[i]] += x[i] }
            case .max: for i in 0..<n where x[i] > out[index[i]] || x[i].isNaN { out[index[i]] = x[i] }
            case .min: for i in 0..<n where x[i] < out[index[i]] || x[i].isNaN { out[index[i]] = x[i] }
            }
        } else {
            var acc = out[0]
            switch function {
            case .sum: acc += sumInC(x)
            case .max: for i in 0..<n where x[i] > acc || x[i].isNaN { acc = x[i] }
            case .min: for i in 0..<n where x[i] < acc || x[i].isNaN { acc = x[i] }
            }
            out[0] = acc
        }
    }

    /// `out[o, i] ⊕= x[o, k, i]` for a `[outer, count, inner]` input; `out` starts at the
    /// reduction's identity. The inner loop runs over contiguous memory.
    static func reduceMiddle<T: TensorScalar>(
        _ function: ReductionFunction, _ x: UnsafeBufferPointer<T>, outer: Int, count: Int, inner: Int,
        _ out: UnsafeMutableBufferPointer<T>
    ) {
        if function == .sum, let xp = x.baseAddress, let op = out.baseAddress {
            // Raw pointers and wrapping offsets (no overflow checks), so the loops
            // vectorise; the order of the additions is the same as below.
            if inner == 1 {
                for o in 0..<outer {
                    let row = xp + o &* count
                    var s = op[o]
                    for k in 0..<count { s += row[k] }
                    op[o] = s
                }
                return
            }
            // Float and Double: the same loop in C, vectorised for the running CPU.
            if T.self == Float.self {
                bp_sum_middle_f32(UnsafeRawPointer(xp).assumingMemoryBound(to: Float.self), outer, count, inner,
                                  UnsafeMutableRawPointer(op).assumingMemoryBound(to: Float.self))
                return
            }
            if T.self == Double.self {
                bp_sum_middle_f64(UnsafeRawPointer(xp).assumingMemoryBound(to: Double.self), outer, count, inner,
                                  UnsafeMutableRawPointer(op).assumingMemoryBound(to: Double.self))
                return
            }
            for o in 0..<outer {
                let dst = op + o &* inner
                for k in 0..<count {
                    let src = xp + (o &* count &+ k) &* inner
                    for i in 0..<inner { dst[i] += src[i] }
                }
            }
            return
        }
        if inner == 1, let xp = x.baseAddress, let op = out.baseAddress {
            // Max or min of contiguous rows: one accumulator per row (the same comparisons
            // in the same order as the general loop below).
            let isMax = function == .max
            for o in 0..<outer {
                let row = xp + o &* count
                var m = op[o]
                // Selects rather than branches (a pooling window's 4 or 9 elements
                // mispredict): the same comparisons, so the same result, NaN included.
                if isMax {
                    for k in 0..<count { let v = row[k]; m = v > m || v != v ? v : m }
                } else {
                    for k in 0..<count { let v = row[k]; m = v < m || v != v ? v : m }
                }
                op[o] = m
            }
            return
        }
        for o in 0..<outer {
            let ob = o * inner
            for k in 0..<count {
                let xb = (o * count + k) * inner
                switch function {
                case .sum: for i in 0..<inner { out[ob + i] += x[xb + i] }
                case .max:
                    for i in 0..<inner { let v = x[xb + i], m = out[ob + i]; out[ob + i] = v > m || v != v ? v : m }
                case .min:
                    for i in 0..<inner { let v = x[xb + i], m = out[ob + i]; out[ob + i] = v < m || v != v ? v : m }
                }
            }
        }
    }

    static func gather<T: TensorScalar>(
        _ x: UnsafeBufferPointer<T>, _ index: UnsafeBufferPointer<Int>, _ out: UnsafeMutableBufferPointer<T>
    ) {
        for i in 0..<index.count {
            let j = index[i]
            out[i] = j < 0 ? 0 : x[j]
        }
    }

    static func scatterAdd<T: TensorScalar>(
        _ x: UnsafeBufferPointer<T>, _ index: UnsafeBufferPointer<Int>, _ out: UnsafeMutableBufferPointer<T>
    ) {
        for i in 0..<index.count { out[index[i]] += x[i] }
    }

    /// Softmax, log-softmax or log-sum-exp over the middle axis of `[outer, count, inner]`.
    /// Contiguous rows (`inner == 1`) of `Float` / `Double` get their exponentials from
    /// the vectorised C kernel, one call per row.
    ///
    /// ```
    /// softmax(x)ₖ = e^(xₖ−m) / s,   log-softmax = xₖ − m − ln s,   lse = m + ln s,   s = Σₖ e^(xₖ−m)
    /// ```
    static func softmax<T: TensorScalar>(
        _ function: SoftmaxFunction, _ x: UnsafeBufferPointer<T>, outer: Int, count: Int, inner: Int,
        _ out: UnsafeMutableBufferPointer<T>
    ) {
        if inner == 1 && count > 0 && (T.self == Float.self || T.self == Double.self) {
            softmaxRows(function, x, outer: outer, count: count, out)
            return
        }
        for o in 0..<outer {
            for j in 0..<inner {
                let base = o * count * inner + j
                var m = -T.infinity
                for k in 0..<count { let v = x[base + k * inner]; if v > m { m = v } }
                if m == .infinity {
                    // A +∞ entry: softmax and log-softmax are ∞/∞ (NaN, as in PyTorch);
                    // log Σ eˣ is +∞.
                    if function == .logSumExp {
                        out[o * inner + j] = .infinity
                    } else {
                        for k in 0..<count { out[base + k * inner] = .nan }
                    }
                    continue
                }
                if !m.isFinite { m = 0 }
                var s: T = 0
                if function == .softmax {
                    for k in 0..<count {
                        let e = T._exp(x[base + k * inner] - m)
                        out[base + k * inner] = e
                        s += e
                    }
                } else {
                    for k in 0..<count { s += T._exp(x[base + k * inner] - m) }
                }
                switch function {
                case .softmax:
                    let r = 1 / s
                    for k in 0..<count { out[base + k * inner] *= r }
                case .logSoftmax:
                    let l = m + T._log(s)
                    for k in 0..<count { out[base + k * inner] = x[base + k * inner] - l }
                case .logSumExp:
                    out[o * inner + j] = m + T._log(s)
                }
            }
        }
    }

    /// `softmax` for contiguous rows (`inner == 1`): e^(xₖ − m) for every row in one C
    /// call (into `out` for softmax, into a scratch matrix otherwise: the C kernel gives
    /// each element the same value wherever it sits in the call), then per row the same
    /// sums and scaling as the general loop.
    ///
    /// ```
    /// eₖ = exp(xₖ − m),  s = Σₖ eₖ (left to right)
    /// ```
    static func softmaxRows<T: TensorScalar>(
        _ function: SoftmaxFunction, _ x: UnsafeBufferPointer<T>, outer: Int, count: Int,
        _ out: UnsafeMutableBufferPointer<T>
    ) {
        let total = outer * count
        var maxima = [T](repeating: 0, count: outer)
        var scratch = [T](repeating: 0, count: function == .softmax ? 0 : total)
        maxima.withUnsafeMutableBufferPointer { maxima in
            scratch.withUnsafeMutableBufferPointer { tmp in
                let e = function == .softmax ? out : tmp
                for o in 0..<outer {
                    let base = o * count
                    var m = -T.infinity
                    for k in 0..<count { let v = x[base + k]; if v > m { m = v } }
                    maxima[o] = m
                    // (A row with a +∞ entry is overwritten below.)
                    let shift = m.isFinite ? m : 0
                    for k in 0..<count { e[base + k] = x[base + k] - shift }
                }
                _ = mapInC(.exp, UnsafeBufferPointer(rebasing: e[0..<total]), e, threaded: false)
                for o in 0..<outer {
                    let base = o * count
                    var m = maxima[o]
                    if m == .infinity {
                        // A +∞ entry: softmax and log-softmax are ∞/∞ (NaN, as in PyTorch);
                        // log Σ eˣ is +∞.
                        if function == .logSumExp {
                            out[o] = .infinity
                        } else {
                            for k in 0..<count { out[base + k] = .nan }
                        }
                        continue
                    }
                    if !m.isFinite { m = 0 }
                    var s: T = 0
                    for k in 0..<count { s += e[base + k] }
                    switch function {
                    case .softmax:
                        let r = 1 / s
                        for k in 0..<count { e[base + k] *= r }
                    case .logSoftmax:
                        let l = m + T._log(s)
                        for k in 0..<count { out[base + k] = x[base + k] - l }
                    case .logSumExp:
                        out[o] = m + T._log(s)
                    }
                }
            }
        }
    }

    // MARK: - C kernels

    /// Elements below which a kernel call stays on the calling thread, per kind of
    /// map: about 100 µs of single-core work at the measured speed of the AVX2
    /// kernels (waking a Dispatch worker costs ~20 µs; see `GEMM.parallelThreshold`).
    ///
    /// ```
    /// split when n ≥ minimum · 2,  each thread ≥ minimum elements
    /// ```
    @inline(__always)
    static func parallelMinimum(_ function: ElementwiseFunction, isDouble: Bool) -> Int {
        switch function {
        case .exp, .log: return isDouble ? 1 << 14 : 1 << 15
        case .relu: return isDouble ? 1 << 17 : 1 << 18  // memory-bound: threads pay only when large
        default: return isDouble ? 1 << 13 : 1 << 14  // tanh, σ: about twice the work
        }
    }

    /// Runs `body(start, count)` over `0..<n` in contiguous pieces: on the calling thread
    /// alone when `n < 2·minimum` or `ComputeThreads.count` is 1, else in up to 4 pieces
    /// per thread (each at least `minimum / 2` elements, boundaries at multiples of 64)
    /// handed out by `DispatchQueue.concurrentPerform`. More pieces than threads let the
    /// calling thread take over the rest when a worker starts late or shares its core.
    ///
    /// ```
    /// pieces = min(4·threads, n / (minimum/2)),  piece i = [i·n/pieces, (i+1)·n/pieces)
    /// ```
    @inline(__always)
    static func forEachPiece(_ n: Int, minimum: Int, _ body: @Sendable (Int, Int) -> Void) {
        let threads = ComputeThreads.count
        if threads <= 1 || n < 2 * minimum {
            body(0, n)
            return
        }
        let pieces = Swift.max(2, Swift.min(4 * threads, n / Swift.max(1, minimum / 2)))
        DispatchQueue.concurrentPerform(iterations: pieces) { i in
            let lo = i == 0 ? 0 : (n * i / pieces) & ~63
            let hi = i == pieces - 1 ? n : (n * (i + 1) / pieces) & ~63
            if hi > lo { body(lo, hi - lo) }
        }
    }

    /// Runs the vectorised C kernel (`T._cExp`, …) for exp, log, tanh or σ (true), or
    /// does nothing for other functions (false: the caller runs its Swift loop).
    /// `x` and `out` may be the same buffer. `threaded: false` keeps it on the calling thread.
    ///
    /// ```
    /// out[i] = f(x[i])      f ∈ {exp, log, tanh, σ, relu}
    /// ```
    @inline(__always)
    static func mapInC<T: TensorScalar>(
        _ function: ElementwiseFunction, _ x: UnsafeBufferPointer<T>, _ out: UnsafeMutableBufferPointer<T>,
        threaded: Bool = true
    ) -> Bool {
        let n = x.count
        switch function {
        case .exp, .log, .tanh, .sigmoid, .relu: break
        default: return false
        }
        guard n > 0, let xp = x.baseAddress, let op = out.baseAddress else { return true }
        // Small maps: straight to the kernel (no thread planning, no closure).
        if n < 4096 {
            mapChunkInC(function, xp, op, n)
            return true
        }
        let (ux, uo) = (UInt(bitPattern: xp), UInt(bitPattern: op))
        let minimum = threaded ? parallelMinimum(function, isDouble: T.self == Double.self) : n
        forEachPiece(n, minimum: minimum) { start, count in
            mapChunkInC(function, UnsafePointer<T>(bitPattern: ux)! + start, UnsafeMutablePointer<T>(bitPattern: uo)! + start, count)
        }
        return true
    }

    /// One call of the C kernel of exp, log, tanh, σ or relu (any other function runs σ).
    ///
    /// ```
    /// out[i] = f(x[i])   0 ≤ i < n
    /// ```
    @inline(__always)
    static func mapChunkInC<T: TensorScalar>(
        _ function: ElementwiseFunction, _ x: UnsafePointer<T>, _ out: UnsafeMutablePointer<T>, _ n: Int
    ) {
        switch function {
        case .exp: T._cExp(x, out, n)
        case .log: T._cLog(x, out, n)
        case .tanh: T._cTanh(x, out, n)
        case .relu: T._cRelu(x, out, n)
        default: T._cSigmoid(x, out, n)
        }
    }

    /// Runs the C backward loop of tanh or σ (true), or does nothing for other functions (false).
    ///
    /// ```
    /// tanh: out[i] = g[i]·(1 − y[i]²)      σ: out[i] = g[i]·y[i]·(1 − y[i])
    /// ```
    @inline(__always)
    static func derivativeInC<T: TensorScalar>(
        _ function: ElementwiseFunction, _ y: UnsafeBufferPointer<T>, _ g: UnsafeBufferPointer<T>,
        _ out: UnsafeMutableBufferPointer<T>
    ) -> Bool {
        guard function == .tanh || function == .sigmoid else { return false }
        let n = g.count
        guard n > 0, let yp = y.baseAddress, let gp = g.baseAddress, let op = out.baseAddress else { return true }
        if function == .tanh { T._cTanhBackward(yp, gp, op, n) } else { T._cSigmoidBackward(yp, gp, op, n) }
        return true
    }

    /// Runs the C backward loop of relu (branch-free, vectorised).
    ///
    /// ```
    /// out[i] = x[i] > 0 ? g[i] : 0      (NaN where x[i] is NaN)
    /// ```
    @inline(__always)
    static func reluDerivativeInC<T: TensorScalar>(
        _ x: UnsafeBufferPointer<T>, _ g: UnsafeBufferPointer<T>, _ out: UnsafeMutableBufferPointer<T>
    ) -> Bool {
        let n = g.count
        guard n > 0, let xp = x.baseAddress, let gp = g.baseAddress, let op = out.baseAddress else { return n == 0 }
        T._cReluBackward(xp, gp, op, n)
        return true
    }

    /// The sum of all elements through the C kernel (32 / 16 interleaved partial sums,
    /// vectorised).
    ///
    /// ```
    /// s = Σᵢ x[i]
    /// ```
    @inline(__always)
    static func sumInC<T: TensorScalar>(_ x: UnsafeBufferPointer<T>) -> T {
        guard let base = x.baseAddress, x.count > 0 else { return 0 }
        return T._cSum(base, x.count)
    }
}
