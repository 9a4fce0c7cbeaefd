// NumPy broadcasting: shapes are aligned at their trailing axes; two extents are
// compatible when they are equal or one of them is 1; missing leading axes count as 1.

/// Row-major strides of a shape.
func contiguousStrides(_ shape: [Int]) -> [Int] {
    var strides = [Int](repeating: 1, count: shape.count)
    var s = 1
    for k in stride(from: shape.count - 1, through: 0, by: -1) {
        strides[k] = s
        s *= shape[k]
    }
    return strides
}

/// The broadcast shape of two shapes, or a description of the first incompatible axis.
func broadcastShape(_ a: [Int], _ b: [Int]) -> Result<[Int], BroadcastFailure> {
    if a == b { return .success(a) }
    let rank = Swift.max(a.count, b.count)
    var out = [Int](repeating: 1, count: rank)
    for k in 0..<rank {
        let da = k < rank - a.count ? 1 : a[k - (rank - a.count)]
        let db = k < rank - b.count ? 1 : b[k - (rank - b.count)]
        if da == db || db == 1 { out[k] = da } else if da == 1 { out[k] = db } else {
            return .failure(BroadcastFailure(axis: k - rank, left: da, right: db))
        }
    }
    return .success(out)
}

/// Where two shapes fail to broadcast (axis counted from the end, e.g. -1).
struct BroadcastFailure: Error {
    let axis: Int
    let left: Int
    let right: Int
}

/// For every element of a tensor of shape `outShape` (row-major), the flat offset
/// `offset + Σ index[k]·strides[k]`. This drives permutation, slicing and broadcasting
/// (stride 0 along a broadcast axis) through one gather kernel.
func stridedIndex(_ outShape: [Int], _ strides: [Int], offset: Int = 0) -> [Int] {
    let n = outShape.reduce(1, *)
    if n == 0 { return [] }
    let r = outShape.count
    if r == 0 { return [offset] }
    var index = [Int](repeating: 0, count: r)
    let last = outShape[r - 1], lastStride = strides[r - 1]
    return [Int](unsafeUninitializedCapacity: n) { out, initialized in
        var base = offset
        var p = 0
        while true {
            for j in 0..<last { out[p] = base + j * lastStride; p += 1 }
            var k = r - 2
            while k >= 0 {
                index[k] += 1
                base += strides[k]
                if index[k] < outShape[k] { break }
                base -= strides[k] * outShape[k]
                index[k] = 0
                k -= 1
            }
            if k < 0 { break }
        }
        initialized = n
    }
}

/// The strides that read a tensor of `shape` as if it had the (broadcast) `outShape`.
func broadcastStrides(_ shape: [Int], to outShape: [Int]) -> [Int] {
    let inner = contiguousStrides(shape)
    let lead = outShape.count - shape.count
    return outShape.indices.map { k in
        k < lead || shape[k - lead] == 1 ? 0 : inner[k - lead]
    }
}

/// Reduces a gradient computed at a broadcast shape back to an input's shape by
/// summing over the axes that broadcasting added or stretched. Every binary op's rule
/// uses this one helper.
///
/// ```
/// unbroadcast(ḡ, s) = reshape(Σ_{broadcast axes} ḡ, s)
/// ```
@_specialize(where Scalar == Float)
@_specialize(where Scalar == Double)
func unbroadcast<Scalar>(_ g: Tensor<Scalar>, to shape: [Int]) -> Tensor<Scalar> {
    if g.shape == shape { return g }
    // Same element count: only axes of extent 1 differ, nothing to sum.
    if g.count == shape.reduce(1, *) { return g.reshaped(to: shape) }
    let lead = g.rank - shape.count
    var axes = Array(0..<lead)
    for (k, d) in shape.enumerated() where d == 1 && g.shape[k + lead] != 1 { axes.append(k + lead) }
    let reduced = axes.isEmpty ? g : g.sum(alongAxes: axes)
    return reduced.shape == shape ? reduced : reduced.reshaped(to: shape)
}

extension Tensor {
    /// This tensor repeated along new leading axes and along size-1 axes to `shape`.
    ///
    /// ```
    /// y[i] = x[i mod broadcast]      ∂L/∂x = Σ over broadcast axes of ∂L/∂y
    /// ```
    /// Precondition: `self.shape` broadcasts to `shape` (NumPy rule).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func broadcasted(
        to shape: [Int], file: StaticString = #fileID, line: UInt = #line
    ) -> Tensor {
        if shape == self.shape { return unchangedView(file: file, line: line) }
        if count == 1 && self.rank <= shape.count && !shape.contains(where: { $0 < 0 }) {
            // One element goes to any shape of at least its rank.
            let n = shape.reduce(1, *)
            return Tensor.result(TensorStorage(repeating: storage[0], count: n), shape, .broadcast, self)
        }
        guard case .success(let s) = broadcastShape(self.shape, shape), s == shape else {
            tensorError("broadcasted(to:): cannot broadcast \(self.shape) to \(shape)", file: file, line: line)
        }
        let n = shape.reduce(1, *)
        let out: TensorStorage<Scalar>
        switch BroadcastPlan(self.shape, shape, result: shape) {
        case .scalar:
            out = TensorStorage<Scalar>(repeating: storage[0], count: n)
        case .elementwise, .repeatedBlock:
            // Repeating the whole tensor along new leading axes (e.g. a bias row).
            out = Tensor.makeStorage(n) { o in
                storage.withUnsafeBufferPointer { x in
                    var p = 0
                    while p < n { for i in 0..<x.count { o[p + i] = x[i] }; p += x.count }
                }
            }
        case .expanded, .strided:
            out = gatheredStorage(shape: shape, strides: broadcastStrides(self.shape, to: shape))
        }
        return Tensor.result(out, shape, .broadcast, self)
    }

    /// Gathers `storage[index[i]]` (negative index → 0) into new storage.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func gatherStorage(_ index: [Int]) -> TensorStorage<Scalar> {
        TensorStorage<Scalar>(unsafeUninitializedCapacity: index.count) { out, n in
            storage.withUnsafeBufferPointer { x in
                index.withUnsafeBufferPointer { ix in Scalar._gather(x, ix, out) }
            }
            n = index.count
        }
    }
}
