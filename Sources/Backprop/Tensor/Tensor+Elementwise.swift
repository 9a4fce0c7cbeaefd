extension Tensor {
    /// New storage of `n` elements written by `body` (which must write all of them).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    @inline(__always)
    static func makeStorage(_ n: Int, _ body: (UnsafeMutableBufferPointer<Scalar>) -> Void) -> TensorStorage<Scalar> {
        TensorStorage<Scalar>(unsafeUninitializedCapacity: n) { buffer, initialized in
            body(buffer)
            initialized = n
        }
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func mapped(_ function: ElementwiseFunction, _ p0: Scalar = 0, _ p1: Scalar = 0) -> TensorStorage<Scalar> {
        Tensor.makeStorage(count) { out in
            storage.withUnsafeBufferPointer { Scalar._map(function, $0, out, p0, p1) }
        }
    }

    /// Applies a function of the elementwise table, recorded as one `Elementwise` op
    /// (Ops/Elementwise.swift).
    ///
    /// ```
    /// y = f(x; p0, p1)      ∂y/∂x = f′(x; p0, p1)
    /// ```
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    @inline(__always)
    func applying(
        _ function: ElementwiseFunction, _ p0: Scalar = 0, _ p1: Scalar = 0, file: StaticString = #fileID, line: UInt = #line
    ) -> Tensor {
        Tensor.result(mapped(function, p0, p1), shape, Elementwise(function, p0, p1), self, file: file, line: line)
    }

    /// `upstream ⊙ f′(x)` as a constant, in one loop (first-order backward passes).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    static func elementwiseDerivative(
        _ function: ElementwiseFunction, x: Tensor, y: Tensor, upstream g: Tensor, _ p0: Scalar, _ p1: Scalar
    ) -> Tensor {
        let out = makeStorage(g.count) { o in
            x.storage.withUnsafeBufferPointer { xb in
                g.storage.withUnsafeBufferPointer { gb in
                    if y.storage.count == g.count {
                        y.storage.withUnsafeBufferPointer { Scalar._mapDerivative(function, xb, $0, gb, o, p0, p1) }
                    } else {  // y not saved (the function does not need it)
                        Scalar._mapDerivative(function, xb, xb, gb, o, p0, p1)
                    }
                }
            }
        }
        return Tensor(storage: out, shape: g.shape, node: nil)
    }


    // MARK: Binary ops with broadcasting

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func binary(
        _ other: Tensor, _ function: BinaryFunction, _ op: @autoclosure () -> any TensorOperation<Scalar>, _ name: String,
        file: StaticString, line: UInt
    ) -> Tensor {
        // The result's shape, without allocating one for equal shapes, scalars and
        // trailing blocks (bias rows).
        let outShape: [Int]
        if shape == other.shape || (other.count == 1 && other.rank <= rank)
            || (other.rank <= rank && BroadcastPlan.isTrailingBlock(other.shape, of: shape)) {
            outShape = shape
        } else if (count == 1 && rank <= other.rank) || (rank <= other.rank && BroadcastPlan.isTrailingBlock(shape, of: other.shape)) {
            outShape = other.shape
        } else {
            switch broadcastShape(shape, other.shape) {
            case .success(let s): outShape = s
            case .failure(let f):
                tensorError(
                    "\(name): shapes \(shape) and \(other.shape) do not broadcast: axis \(f.axis) has extents \(f.left) and \(f.right) (must be equal or 1)",
                    file: file, line: line)
            }
        }
        let n = outShape.reduce(1, *)
        let out: TensorStorage<Scalar>
        var plan = BroadcastPlan(shape, other.shape, result: outShape)
        // Short blocks pay one kernel call each; fine while the whole result is small.
        if case .repeatedBlock(_, let block) = plan, block < (n <= 256 ? 1 : 4) {
            plan = .strided(left: broadcastStrides(shape, to: outShape), right: broadcastStrides(other.shape, to: outShape))
        }
        switch plan {
        case .elementwise, .scalar:
            out = Tensor.makeStorage(n) { o in
                storage.withUnsafeBufferPointer { a in
                    other.storage.withUnsafeBufferPointer { b in Scalar._combine(function, a, nil, b, nil, o) }
                }
            }
        case .repeatedBlock(.right, _):
            out = combinedWithRepeatedBlock(other, function, n, otherIsRight: true)
        case .repeatedBlock(.left, _):
            out = other.combinedWithRepeatedBlock(self, function, n, otherIsRight: false)
        case .expanded(.right, _):
            out = repeatedElements(other, function, n, otherIsRight: true)
        case .expanded(.left, _):
            out = other.repeatedElements(self, function, n, otherIsRight: false)
        case .strided(let left, let right):
            out = Tensor.makeStorage(n) { o in
                storage.withUnsafeBufferPointer { a in
                    other.storage.withUnsafeBufferPointer { b in
                        guard let ap = a.baseAddress, let bp = b.baseAddress, let op = o.baseAddress else { return }
                        Scalar._combineStrided(function, ap, bp, op, shape: outShape, aStrides: left, bStrides: right)
                    }
                }
            }
        }
        return Tensor.result(out, outShape, op(), self, other, file: file, line: line)
    }

    /// `self ∘ other` (or `other ∘ self` when `otherIsRight` is false) where `other` is
    /// a block repeated `n / other.count` times to fill `self`'s `n` elements.
    ///
    /// ```
    /// out[j·m + i] = f(self[j·m + i], other[i]),   m = other.count
    /// ```
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func combinedWithRepeatedBlock(
        _ other: Tensor, _ function: BinaryFunction, _ n: Int, otherIsRight: Bool
    ) -> TensorStorage<Scalar> {
        let block = other.count
        return Tensor.makeStorage(n) { o in
            storage.withUnsafeBufferPointer { a in
                other.storage.withUnsafeBufferPointer { b in
                    for start in stride(from: 0, to: n, by: block) {
                        let out = UnsafeMutableBufferPointer(rebasing: o[start..<(start + block)])
                        let part = UnsafeBufferPointer(rebasing: a[start..<(start + block)])
                        if otherIsRight {
                            Scalar._combine(function, part, nil, b, nil, out)
                        } else {
                            Scalar._combine(function, b, nil, part, nil, out)
                        }
                    }
                }
            }
        }
    }

    /// `self ⊕ e` (or `e ⊕ self`) where each element e of `other` covers a contiguous
    /// run of `n / other.count` elements of `self`: one scalar-broadcast kernel call per run.
    func repeatedElements(_ other: Tensor, _ function: BinaryFunction, _ n: Int, otherIsRight: Bool) -> TensorStorage<Scalar> {
        let run = n / other.count
        return Tensor.makeStorage(n) { o in
            storage.withUnsafeBufferPointer { a in
                other.storage.withUnsafeBufferPointer { b in
                    for j in 0..<other.count {
                        let range = (j * run)..<((j + 1) * run)
                        let out = UnsafeMutableBufferPointer(rebasing: o[range])
                        let part = UnsafeBufferPointer(rebasing: a[range]), e = UnsafeBufferPointer(rebasing: b[j..<(j + 1)])
                        if otherIsRight {
                            Scalar._combine(function, part, nil, e, nil, out)
                        } else {
                            Scalar._combine(function, e, nil, part, nil, out)
                        }
                    }
                }
            }
        }
    }
}
