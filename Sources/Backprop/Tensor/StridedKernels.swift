// Loops over operands read through strides (broadcast binary ops, reductions over axes
// that are not adjacent): an odometer over the outer axes and one inner loop with
// constant strides over the last axis, after merging the axes that are contiguous for
// every operand. No per-element index array is built.

/// The axes of a loop nest over `shape` with two stride vectors (`first`, `second`; 0
/// along a broadcast or reduced axis), merged where both are contiguous across them and
/// with axes of extent 1 dropped.
///
/// ```
/// element i = (i₀, …, i_{r−1}) ↦ first: Σₖ iₖ·first[k],   second: Σₖ iₖ·second[k]
/// axes k, k+1 merge when first[k] = first[k+1]·shape[k+1] and second[k] = second[k+1]·shape[k+1]
/// ```
struct StridedLoop {
    /// Extents and strides after merging; never empty (one element is one run of one).
    let shape: [Int], first: [Int], second: [Int]

    init(shape: [Int], first: [Int], second: [Int]) {
        var s: [Int] = [], f: [Int] = [], g: [Int] = []
        for k in shape.indices where shape[k] != 1 {
            let n = shape[k]
            if let last = s.indices.last, f[last] == first[k] * n, g[last] == second[k] * n {
                s[last] *= n
                f[last] = first[k]
                g[last] = second[k]
            } else {
                s.append(n)
                f.append(first[k])
                g.append(second[k])
            }
        }
        if s.isEmpty { s = [1]; f = [0]; g = [0] }
        self.shape = s
        self.first = f
        self.second = g
    }

    /// Calls `body(firstStart, secondStart, runStart)` for every run along the last merged
    /// axis in row-major order; `runStart` counts the elements before the run.
    @inline(__always)
    func forEachRun(_ body: (_ first: Int, _ second: Int, _ start: Int) -> Void) {
        let r = shape.count, last = shape[r - 1]
        if shape.contains(0) { return }
        if r == 1 { body(0, 0, 0); return }
        withUnsafeTemporaryAllocation(of: Int.self, capacity: r) { index in
            for k in 0..<r { index[k] = 0 }
            var a = 0, b = 0, p = 0
            while true {
                body(a, b, p)
                p &+= last
                var k = r - 2
                while k >= 0 {
                    index[k] &+= 1
                    a &+= first[k]
                    b &+= second[k]
                    if index[k] < shape[k] { break }
                    a &-= first[k] &* shape[k]
                    b &-= second[k] &* shape[k]
                    index[k] = 0
                    k -= 1
                }
                if k < 0 { break }
            }
        }
    }
}

extension TensorKernels {
    /// `out = a ∘ b` for operands read through strides over the result's axes (0 along
    /// the axes each is broadcast over): runs along the last merged axis, each an inner
    /// loop with constant strides (contiguous and repeated-element runs get their own
    /// loops, which vectorise).
    ///
    /// ```
    /// out[i] = a[Σₖ iₖ·aStrides[k]] ∘ b[Σₖ iₖ·bStrides[k]]
    /// ```
    static func combineStrided<T: TensorScalar>(
        _ function: BinaryFunction, _ a: UnsafePointer<T>, _ b: UnsafePointer<T>, _ out: UnsafeMutablePointer<T>,
        shape: [Int], aStrides: [Int], bStrides: [Int]
    ) {
        let loop = StridedLoop(shape: shape, first: aStrides, second: bStrides)
        switch function {
        case .add: combineStrided(AddFunction.self, a, b, out, loop)
        case .subtract: combineStrided(SubtractFunction.self, a, b, out, loop)
        case .multiply: combineStrided(MultiplyFunction.self, a, b, out, loop)
        case .divide: combineStrided(DivideFunction.self, a, b, out, loop)
        case .power: combineStrided(PowerFunction.self, a, b, out, loop)
        case .equal: combineStrided(EqualFunction.self, a, b, out, loop)
        case .select: combineStrided(SelectFunction.self, a, b, out, loop)
        }
    }

    @inline(__always)
    static func combineStrided<T: TensorScalar, F: BinaryScalarFunction>(
        _: F.Type, _ a: UnsafePointer<T>, _ b: UnsafePointer<T>, _ out: UnsafeMutablePointer<T>, _ loop: StridedLoop
    ) {
        let r = loop.shape.count, n = loop.shape[r - 1], sa = loop.first[r - 1], sb = loop.second[r - 1]
        loop.forEachRun { ia, ib, p in
            let (x, y, z) = (a + ia, b + ib, out + p)
            if sa == 1 && sb == 1 {
                for j in 0..<n { z[j] = F.apply(x[j], y[j]) }
            } else if sa == 1 && sb == 0 {
                let e = y[0]
                for j in 0..<n { z[j] = F.apply(x[j], e) }
            } else if sa == 0 && sb == 1 {
                let e = x[0]
                for j in 0..<n { z[j] = F.apply(e, y[j]) }
            } else {
                for j in 0..<n { z[j] = F.apply(x[j &* sa], y[j &* sb]) }
            }
        }
    }

    /// `out[j] ⊕= x[i]` for every input element i, where j = Σₖ iₖ·outStrides[k] (0 along
    /// the reduced axes): the input is read in row-major order, so every output element
    /// receives its inputs in the same order as a flat loop would add them.
    ///
    /// ```
    /// out[Σₖ iₖ·outStrides[k]] ⊕= x[i]      ⊕ ∈ {+, max, min} (NaN propagates)
    /// ```
    static func reduceStrided<T: TensorScalar>(
        _ function: ReductionFunction, _ x: UnsafePointer<T>, shape: [Int], outStrides: [Int], _ out: UnsafeMutablePointer<T>
    ) {
        let loop = StridedLoop(shape: shape, first: contiguousStrides(shape), second: outStrides)
        let r = loop.shape.count, n = loop.shape[r - 1], so = loop.second[r - 1]
        // The input is row-major: its last merged axis has stride 1.
        loop.forEachRun { ix, io, _ in
            let (src, dst) = (x + ix, out + io)
            switch function {
            case .sum:
                if so == 0 {
                    var s = dst[0]
                    for j in 0..<n { s += src[j] }
                    dst[0] = s
                } else if so == 1 {
                    for j in 0..<n { dst[j] += src[j] }
                } else {
                    for j in 0..<n { dst[j &* so] += src[j] }
                }
            case .max:
                for j in 0..<n where src[j] > dst[j &* so] || src[j].isNaN { dst[j &* so] = src[j] }
            case .min:
                for j in 0..<n where src[j] < dst[j &* so] || src[j].isNaN { dst[j &* so] = src[j] }
            }
        }
    }
}
