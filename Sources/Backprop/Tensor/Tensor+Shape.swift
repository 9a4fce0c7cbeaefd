extension Tensor {
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func scatterStorage(_ index: [Int], count n: Int) -> TensorStorage<Scalar> {
        var out = TensorStorage<Scalar>(repeating: 0, count: n)
        out.withUnsafeMutableBufferPointer { o in
            storage.withUnsafeBufferPointer { x in
                index.withUnsafeBufferPointer { ix in Scalar._scatterAdd(x, ix, o) }
            }
        }
        return out
    }

    /// The same elements with a new shape (row-major order is kept; no copy). One
    /// extent may be -1 and is then inferred.
    ///
    /// ```
    /// y = x viewed as `shape`      ∂L/∂x = reshape(ḡ, x.shape)
    /// ```
    /// Precondition: the element counts agree.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func reshaped(to newShape: [Int], file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        var shape = newShape
        if let k = shape.firstIndex(of: -1) {
            let known = shape.enumerated().filter { $0.offset != k }.map(\.element).reduce(1, *)
            if known <= 0 || count % known != 0 {
                tensorError("reshape: cannot infer -1 in \(newShape) for \(count) elements (shape \(self.shape))",
                            file: file, line: line)
            }
            shape[k] = count / known
        }
        if shape.contains(where: { $0 < 0 }) || shape.reduce(1, *) != count {
            tensorError("reshape: cannot reshape \(self.shape) (\(count) elements) to \(newShape) (\(newShape.reduce(1, *)) elements)",
                        file: file, line: line)
        }
        if shape == self.shape { return unchangedView(file: file, line: line) }
        return Tensor.result(storage, shape, Reshape(shape: shape), self)
    }
}

extension Tensor {
    /// The same tensor as a new result of an identity op (a reshape to its own shape),
    /// for view ops that change nothing: the result is a node of its own, so asking for
    /// the gradient with respect to it gives the gradient through it alone, not through
    /// every other use of this tensor. Constants are returned as they are.
    ///
    /// ```
    /// y = x,   ∂L/∂y = ḡ (the gradient reaching y only)
    /// ```
    @inline(__always)
    func unchangedView(file: StaticString, line: UInt) -> Tensor {
        node == nil ? self : Tensor.result(storage, shape, Reshape(shape: shape), self, file: file, line: line)
    }
}
