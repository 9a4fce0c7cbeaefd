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

    /// The sum of all elements, as a scalar (rank-0) tensor.
    ///
    /// ```
    /// y = Σᵢ xᵢ      ∂y/∂xᵢ = 1
    /// ```
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func sum(file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        // All axes: one pass into one element, no index or shape arithmetic.
        var out = TensorStorage<Scalar>(repeating: 0, count: 1)
        if count > 0 {
            out.withUnsafeMutableBufferPointer { o in storage.withUnsafeBufferPointer { Scalar._reduce(.sum, $0, nil, o) } }
        }
        return Tensor.result(out, [], .sum(axes: Array(0..<rank), keepingDimensions: false), self, file: file, line: line)
    }

    /// Sums along the given axes (negative axes count from the end), dropping them or
    /// keeping them with extent 1.
    ///
    /// ```
    /// y[j] = Σ_{i ↦ j} x[i]      ∂y/∂x = 1 (the gradient is broadcast back)
    /// ```
    /// Precondition: every axis is in `-rank..<rank`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func sum(
        alongAxes axes: [Int], keepingDimensions: Bool = false, file: StaticString = #fileID, line: UInt = #line
    ) -> Tensor {
        let axes = normalizedAxes(axes, "sum", file: file, line: line)
        let (out, outShape) = reduced(.sum, axes: axes, keep: keepingDimensions, initial: 0)
        return Tensor.result(out, outShape, .sum(axes: axes, keepingDimensions: keepingDimensions), self, file: file, line: line)
    }

    /// The mean of all elements, as a scalar tensor.
    ///
    /// ```
    /// y = (1/n) Σᵢ xᵢ      ∂y/∂xᵢ = 1/n
    /// ```
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func mean(file: StaticString = #fileID, line: UInt = #line) -> Tensor { mean(alongAxes: Array(0..<rank), file: file, line: line) }

    /// Means along the given axes.
    ///
    /// ```
    /// y[j] = (1/n) Σ_{i ↦ j} x[i]      ∂y/∂x = 1/n,  n = Π extents of the axes
    /// ```
    /// Precondition: every axis is in `-rank..<rank`; the averaged axes are not empty.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func mean(
        alongAxes axes: [Int], keepingDimensions: Bool = false, file: StaticString = #fileID, line: UInt = #line
    ) -> Tensor {
        let axes = normalizedAxes(axes, "mean", file: file, line: line)
        let n = axes.reduce(1) { $0 * shape[$1] }
        if n == 0 { tensorError("mean: no elements to average along axes \(axes) of shape \(shape)", file: file, line: line) }
        var (out, outShape) = reduced(.sum, axes: axes, keep: keepingDimensions, initial: 0)
        let scale = 1 / Scalar(n)
        for i in out.indices { out[i] *= scale }
        return Tensor.result(out, outShape, .mean(axes: axes, keepingDimensions: keepingDimensions), self, file: file, line: line)
    }
}
