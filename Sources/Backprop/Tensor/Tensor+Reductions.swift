extension Tensor {
    /// Normalises axes (negative counts from the end), checks them, sorts and dedups.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func normalizedAxes(_ axes: [Int], _ name: String, file: StaticString, line: UInt) -> [Int] {
        var result: [Int] = []
        for a in axes {
            let k = a < 0 ? a + rank : a
            if k < 0 || k >= rank {
                tensorError("\(name): axis \(a) is out of range for shape \(shape) (rank \(rank))", file: file, line: line)
            }
            if !result.contains(k) { result.append(k) }
        }
        return result.sorted()
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func reduced(
        _ function: ReductionFunction, axes: [Int], keep: Bool, initial: Scalar
    ) -> (storage: TensorStorage<Scalar>, shape: [Int]) {
        var keptShape = shape
        for a in axes { keptShape[a] = 1 }
        let outShape = keep ? keptShape : shape.enumerated().filter { !axes.contains($0.offset) }.map(\.element)
        let n = keptShape.reduce(1, *)
        var out = TensorStorage<Scalar>(repeating: initial, count: n)
        if count > 0, n > 1, let first = axes.first, axes.last! - first == axes.count - 1 {
            // Contiguous run of axes: reduce the middle of [outer, count, inner] directly.
            let outer = shape[..<first].reduce(1, *), inner = shape[(axes.last! + 1)...].reduce(1, *)
            let middle = count / Swift.max(1, outer * inner)
            out.withUnsafeMutableBufferPointer { o in
                storage.withUnsafeBufferPointer {
                    Scalar._reduceMiddle(function, $0, outer: outer, count: middle, inner: inner, o)
                }
            }
            return (out, outShape)
        }
        if count > 0 && n == 1 {
            out.withUnsafeMutableBufferPointer { o in storage.withUnsafeBufferPointer { Scalar._reduce(function, $0, nil, o) } }
        } else if count > 0 {
            // Axes that are not adjacent: the input in order, each element into its result.
            var strides = contiguousStrides(keptShape)
            for a in axes { strides[a] = 0 }
            out.withUnsafeMutableBufferPointer { o in
                storage.withUnsafeBufferPointer { x in
                    Scalar._reduceStrided(function, x.baseAddress!, shape: shape, outStrides: strides, o.baseAddress!)
                }
            }
        }
        return (out, outShape)
    }
}

/// Reshapes a reduced gradient back to the input's rank (size-1 reduced axes), so it
/// broadcasts against the input.
@_specialize(where Scalar == Float)
@_specialize(where Scalar == Double)
func restoreReducedAxes<Scalar>(
    _ g: Tensor<Scalar>, axes: [Int], keep: Bool, inputShape: [Int]
) -> Tensor<Scalar> {
    if keep { return g }
    var shape = inputShape
    for a in axes { shape[a] = 1 }
    return g.reshaped(to: shape)
}
