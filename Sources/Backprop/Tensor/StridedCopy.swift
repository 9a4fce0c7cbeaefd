// Copies between a contiguous buffer and a strided view of another, run by run: the
// shape-changing ops (slice, pad, permute, concatenate, broadcast) move whole
// contiguous runs with one memory copy each, and never build a per-element index array.

/// One strided view, its axes merged where they are contiguous with each other.
///
/// ```
/// element i (row-major over shape) ↔ base[offset + Σₖ iₖ·strides[k]]
/// axes k, k+1 merge when strides[k] == strides[k+1]·shape[k+1]
/// ```
struct StridedView {
    /// Extents and strides after merging; never empty (a scalar is one run of one).
    let shape: [Int], strides: [Int]
    let offset: Int
    /// The element count.
    let count: Int

    init(shape: [Int], strides: [Int], offset: Int) {
        var s: [Int] = [], t: [Int] = []
        for (n, stride) in zip(shape, strides) where n != 1 {
            if let last = s.indices.last, t[last] == stride * n {
                s[last] *= n
                t[last] = stride
            } else {
                s.append(n)
                t.append(stride)
            }
        }
        if s.isEmpty { s = [1]; t = [1] }
        self.shape = s
        self.strides = t
        self.offset = offset
        count = shape.reduce(1, *)
    }

    /// Calls `body(viewStart, contiguousStart, runLength, runStride)` for every run along
    /// the last merged axis, in row-major order.
    @inline(__always)
    func forEachRun(_ body: (_ view: Int, _ contiguous: Int, _ length: Int, _ stride: Int) -> Void) {
        guard count > 0 else { return }
        let r = shape.count, last = shape[r - 1], lastStride = strides[r - 1]
        if r == 1 { body(offset, 0, last, lastStride); return }
        withUnsafeTemporaryAllocation(of: Int.self, capacity: r) { index in
            for k in 0..<r { index[k] = 0 }
            var base = offset, p = 0
            while true {
                body(base, p, last, lastStride)
                p += last
                var k = r - 2
                while k >= 0 {
                    index[k] += 1
                    base += strides[k]
                    if index[k] < shape[k] { break }
                    base -= strides[k] * shape[k]
                    index[k] = 0
                    k -= 1
                }
                if k < 0 { break }
            }
        }
    }
}

extension Tensor {
    /// New storage holding the strided view of this tensor's storage, in row-major order
    /// of `shape` (a slice, a permutation, a broadcast: stride 0 repeats).
    ///
    /// ```
    /// out[i] = x[offset + Σₖ iₖ·strides[k]]
    /// ```
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func gatheredStorage(shape: [Int], strides: [Int], offset: Int = 0) -> TensorStorage<Scalar> {
        let view = StridedView(shape: shape, strides: strides, offset: offset)
        return TensorStorage<Scalar>(unsafeUninitializedCapacity: view.count) { out, n in
            storage.withUnsafeBufferPointer { x in
                guard let src = x.baseAddress, let dst = out.baseAddress else { return }
                view.forEachRun { v, c, length, stride in
                    if stride == 1 {
                        (dst + c).initialize(from: src + v, count: length)
                    } else {
                        for j in 0..<length { (dst + c + j).initialize(to: src[v + j * stride]) }
                    }
                }
            }
            n = view.count
        }
    }

    /// Writes this tensor's elements (row-major) into the strided view of `out`:
    /// the adjoint of ``gatheredStorage(shape:strides:offset:)`` for views that do not
    /// overlap (pad, concatenate).
    ///
    /// ```
    /// out[offset + Σₖ iₖ·strides[k]] = x[i]
    /// ```
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func scatter(into out: inout TensorStorage<Scalar>, strides: [Int], offset: Int) {
        let view = StridedView(shape: shape, strides: strides, offset: offset)
        out.withUnsafeMutableBufferPointer { o in
            storage.withUnsafeBufferPointer { x in
                guard let src = x.baseAddress, let dst = o.baseAddress else { return }
                view.forEachRun { v, c, length, stride in
                    if stride == 1 {
                        (dst + v).update(from: src + c, count: length)
                    } else {
                        for j in 0..<length { dst[v + j * stride] = src[c + j] }
                    }
                }
            }
        }
    }
}
