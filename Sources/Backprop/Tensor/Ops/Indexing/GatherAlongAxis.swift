// gathered(atIndices:alongAxis:) / scatterAdded(atIndices:alongAxis:extent:): slices along
// any axis picked by an index tensor (NumPy's take, PyTorch's index_select) and their
// adjoint, slices added into zeros at indices.

extension TensorOpKind {
    /// Slices along an axis picked by an index tensor.
    public static let gatherAlongAxis = TensorOpKind(rawValue: "gatherAlongAxis")
    /// Slices added into zeros along an axis at the positions of an index tensor.
    public static let scatterAddAlongAxis = TensorOpKind(rawValue: "scatterAddAlongAxis")
}

extension Tensor {
    /// The slices along `axis` at the given indices (as NumPy's `take(x, indices, axis)`;
    /// with a vector of indices, PyTorch's `index_select`). The indices are a tensor of
    /// the same element type holding whole numbers, of any shape, which replaces the
    /// axis in the result; they may repeat. They are an input of the op, not a constant:
    /// indices computed from a program's inputs (`argmax`, say) are recomputed at each call.
    /// They get no gradient; `self` gets the upstream gradient added back at the indices.
    ///
    /// ```
    /// y[a…, j…, b…] = x[a…, indices[j…], b…]      ∂L/∂x[a…, r, b…] = Σ_{j…: indices[j…] = r} ḡ[a…, j…, b…]
    /// ```
    /// Precondition: `axis` in `-rank..<rank`; every index a whole number in `0..<shape[axis]`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func gathered(
        atIndices indices: Tensor, alongAxis axis: Int, file: StaticString = #fileID, line: UInt = #line
    ) -> Tensor {
        if rank == 0 { tensorError("gathered: needs rank ≥ 1, got a scalar", file: file, line: line) }
        let a = normalizedAxes([axis], "gathered", file: file, line: line)[0]
        if let message = indexError(indices, axis: a, extent: shape[a], "gathered") {
            tensorError(message, file: file, line: line)
        }
        return GatherAlongAxis<Scalar>(axis: a).apply([self, indices], file: file, line: line)
    }

    /// The slices along `axis` at constant indices (see `gathered(atIndices:alongAxis:)`
    /// for a tensor of indices).
    ///
    /// ```
    /// y[a…, j, b…] = x[a…, indices[j], b…]
    /// ```
    /// Precondition: `axis` in `-rank..<rank`; every index in `0..<shape[axis]`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func gathered(
        atIndices indices: [Int], alongAxis axis: Int, file: StaticString = #fileID, line: UInt = #line
    ) -> Tensor {
        gathered(atIndices: Tensor(shape: [indices.count], scalars: indices.map { Scalar($0) }),
                 alongAxis: axis, file: file, line: line)
    }

    /// Slices added into a zero tensor whose `axis` has extent `extent`, at the indices
    /// (repeated indices accumulate): the adjoint of `gathered(atIndices:alongAxis:)`.
    /// `self` has the shape of that gather's result (the index shape in place of the axis).
    ///
    /// ```
    /// y[a…, r, b…] = Σ_{j…: indices[j…] = r} x[a…, j…, b…]      ∂L/∂x[a…, j…, b…] = ḡ[a…, indices[j…], b…]
    /// ```
    /// Precondition: `0 ≤ axis ≤ rank − indices.rank`; `self.shape[axis..<axis + indices.rank]
    /// == indices.shape`; every index a whole number in `0..<extent`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func scatterAdded(
        atIndices indices: Tensor, alongAxis axis: Int, extent: Int, file: StaticString = #fileID, line: UInt = #line
    ) -> Tensor {
        let r = indices.rank
        if axis < 0 || axis + r > rank || Array(shape[axis..<(axis + r)]) != indices.shape {
            tensorError("scatterAdded: shape \(shape) does not hold indices of shape \(indices.shape) at axis \(axis)",
                        file: file, line: line)
        }
        if extent < 0 { tensorError("scatterAdded: negative extent \(extent)", file: file, line: line) }
        if let message = indexError(indices, axis: axis, extent: extent, "scatterAdded") {
            tensorError(message, file: file, line: line)
        }
        return ScatterAddAlongAxis<Scalar>(axis: axis, extent: extent).apply([self, indices], file: file, line: line)
    }
}

/// The first index that is not a whole number in `0..<extent`, as a one-line message naming
/// the index, its position, the axis and its extent; nil when all are valid.
func indexError<Scalar: TensorScalar>(_ indices: Tensor<Scalar>, axis: Int, extent: Int, _ name: String) -> String? {
    let values = indices.storage
    for i in 0..<indices.count {
        let v = values[i]
        if v.isFinite && v >= 0 && v < Scalar(extent) && v.rounded(.towardZero) == v { continue }
        var position: [Int] = [], rest = i
        for d in indices.shape.reversed() { position.insert(rest % d, at: 0); rest /= d }
        let shown = v.isFinite && v.rounded(.towardZero) == v ? "\(Int(v))" : "\(v)"
        let kind = v.isFinite && v.rounded(.towardZero) == v ? "out of range" : "not a whole number"
        return "\(name): index \(shown) at position \(position) is \(kind) for axis \(axis) of extent \(extent)"
    }
    return nil
}

/// The element offsets, in a tensor `[outer, extent, inner]`, that the positions of
/// `[outer, indices.count, inner]` address (row-major).
///
/// ```
/// offset(o, j, i) = (o·extent + indices[j])·inner + i
/// ```
func axisElementIndex<Scalar: TensorScalar>(_ indices: TensorStorage<Scalar>, outer: Int, extent: Int, inner: Int) -> [Int] {
    var index: [Int] = []
    index.reserveCapacity(outer * indices.count * inner)
    for o in 0..<outer {
        for j in 0..<indices.count {
            let start = (o * extent + Int(indices[j])) * inner
            index.append(contentsOf: start..<(start + inner))
        }
    }
    return index
}

/// Slices along `axis` picked by the index tensor (input 1, no gradient).
///
/// ```
/// y = take(x, indices, axis)      x̄ = scatterAdd(ḡ, indices, axis, extent)
/// ```
struct GatherAlongAxis<Scalar: TensorScalar>: TensorOperation {
    /// The (non-negative) axis.
    let axis: Int

    var kind: TensorOpKind { .gatherAlongAxis }
    var listingName: String { "gather[axis \(axis)]" }
    var keyParameters: [Int]? { [axis] }

    func forward(_ x: [Tensor<Scalar>]) -> Tensor<Scalar> {
        let s = x[0].shape
        if let message = indexError(x[1], axis: axis, extent: s[axis], "gathered") { tensorError(message) }
        let index = axisElementIndex(x[1].storage, outer: s[..<axis].reduce(1, *), extent: s[axis],
                                     inner: s[(axis + 1)...].reduce(1, *))
        return Tensor(storage: x[0].gatherStorage(index), shape: s[..<axis] + x[1].shape + s[(axis + 1)...], node: nil)
    }

    func inputGradients(
        inputs x: NodeInputView<Scalar>, output y: Tensor<Scalar>, upstream g: Tensor<Scalar>
    ) -> NodeGradients<Scalar> {
        NodeGradients(x.requiresGradient(0) ? g.scatterAdded(atIndices: x[1], alongAxis: axis, extent: x[0].shape[axis]) : nil,
                      nil)
    }

    func kernel(inputs x: [[Int]], shape: [Int]) -> TensorProgram<Scalar>.Kernel? {
        let s = x[0]
        return .alongAxis(scatter: false, outer: s[..<axis].reduce(1, *), extent: s[axis], inner: s[(axis + 1)...].reduce(1, *))
    }
}

/// Slices added into zeros along `axis` at the index tensor's positions (input 1, no
/// gradient): the adjoint of `GatherAlongAxis`.
///
/// ```
/// y = scatterAdd(x, indices, axis, extent)      x̄ = take(ḡ, indices, axis)
/// ```
struct ScatterAddAlongAxis<Scalar: TensorScalar>: TensorOperation {
    /// The (non-negative) axis.
    let axis: Int
    /// The extent of the result's axis.
    let extent: Int

    var kind: TensorOpKind { .scatterAddAlongAxis }
    var listingName: String { "scatterAdd[axis \(axis), extent \(extent)]" }
    var keyParameters: [Int]? { [axis, extent] }

    func forward(_ x: [Tensor<Scalar>]) -> Tensor<Scalar> {
        let s = x[0].shape, r = x[1].rank
        if let message = indexError(x[1], axis: axis, extent: extent, "scatterAdded") { tensorError(message) }
        let outShape = s[..<axis] + [extent] + s[(axis + r)...]
        let index = axisElementIndex(x[1].storage, outer: s[..<axis].reduce(1, *), extent: extent,
                                     inner: s[(axis + r)...].reduce(1, *))
        return Tensor(storage: x[0].scatterStorage(index, count: outShape.reduce(1, *)), shape: Array(outShape), node: nil)
    }

    func inputGradients(
        inputs x: NodeInputView<Scalar>, output y: Tensor<Scalar>, upstream g: Tensor<Scalar>
    ) -> NodeGradients<Scalar> {
        NodeGradients(x.requiresGradient(0) ? g.gathered(atIndices: x[1], alongAxis: axis) : nil, nil)
    }

    func kernel(inputs x: [[Int]], shape: [Int]) -> TensorProgram<Scalar>.Kernel? {
        let s = x[0], r = x[1].count
        return .alongAxis(scatter: true, outer: s[..<axis].reduce(1, *), extent: extent, inner: s[(axis + r)...].reduce(1, *))
    }
}

extension TensorProgram {
    /// Whether each of the `count` indices is a whole number in `0..<extent` (the check
    /// of `indexError` and `rowIndices`, without building a message).
    ///
    /// ```
    /// ∀ j: indices[j] ∈ {0, 1, …, extent − 1}
    /// ```
    static func indicesAreValid(_ indices: UnsafePointer<Scalar>, _ count: Int, below extent: Int) -> Bool {
        let limit = Scalar(extent)
        for j in 0..<count {
            let v = indices[j]
            // (NaN fails the first comparison.)
            guard v >= 0, v < limit, v.rounded(.towardZero) == v else { return false }
        }
        return true
    }

    /// The kernel of `gathered(atIndices:alongAxis:)` and of `scatterAdded`: with the
    /// gathered side viewed as `[outer, extent, inner]` and the other as
    /// `[outer, indexCount, inner]`, copies each slice at an index, or adds it into
    /// zeros there (in the order of the eager scatter). The indices were checked.
    ///
    /// ```
    /// gather:  y[o, j, i] = x[o, indices[j], i]
    /// scatter: y[o, indices[j], i] += x[o, j, i]
    /// ```
    static func alongAxis(
        scatter: Bool, _ x: UnsafePointer<Scalar>, _ indices: UnsafePointer<Scalar>, _ indexCount: Int,
        _ y: UnsafeMutableBufferPointer<Scalar>, outer: Int, extent: Int, inner: Int
    ) {
        guard let out = y.baseAddress else { return }
        if scatter { y.update(repeating: 0) }
        for o in 0..<outer {
            for j in 0..<indexCount {
                let wide = (o &* extent &+ Int(indices[j])) &* inner, narrow = (o &* indexCount &+ j) &* inner
                if scatter {
                    let (src, dst) = (x + narrow, out + wide)
                    for i in 0..<inner { dst[i] += src[i] }
                } else {
                    (out + narrow).update(from: x + wide, count: inner)
                }
            }
        }
    }
}
