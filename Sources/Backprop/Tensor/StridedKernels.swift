// Loops over operands read through strides (broadcast binary ops, reductions over axes
// that are not adjacent): an odometer over the outer axes and one inner loop with
// constant strides over the last axis, after merging the axes that are contiguous for
// every operand. No per-element index array is built.

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
        combineStrided(function, a, b, out, OperandLoop(shape: shape, aStrides, bStrides))
    }

    /// `out = a ∘ b` through a planned loop (a compiled program's `combineStrided` kernel,
    /// and the eager op above).
    ///
    /// ```
    /// out[i] = a[Σₖ iₖ·saₖ] ∘ b[Σₖ iₖ·sbₖ]
    /// ```
    static func combineStrided<T: TensorScalar>(
        _ function: BinaryFunction, _ a: UnsafePointer<T>, _ b: UnsafePointer<T>, _ out: UnsafeMutablePointer<T>,
        _ loop: OperandLoop
    ) {
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
        _: F.Type, _ a: UnsafePointer<T>, _ b: UnsafePointer<T>, _ out: UnsafeMutablePointer<T>, _ loop: OperandLoop
    ) {
        let n = loop.runLength, (sa, sb, _) = loop.runStrides
        loop.forEachRun { ia, ib, _, p in
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
        let loop = OperandLoop(shape: shape, contiguousStrides(shape), outStrides)
        let n = loop.runLength, (_, so, _) = loop.runStrides
        // The input is row-major: its last merged axis has stride 1.
        loop.forEachRun { ix, io, _, _ in
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
