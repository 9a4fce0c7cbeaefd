extension Tensor {
    /// Calls `body` with the elements in row-major order, without copying.
    ///
    /// ```
    /// body(buffer)   buffer[i] = scalars[i]
    /// ```
    @inlinable
    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Scalar>) throws -> R) rethrows -> R {
        try storage.withUnsafeBufferPointer(body)
    }

    /// Calls `body` with mutable access to the elements, in place: the data is copied
    /// first only if another tensor shares it (copy on write). The shape and the graph
    /// identity are kept, so this is the way to update a parameter's values without
    /// allocating (optimisers use it).
    ///
    /// ```
    /// body(&buffer)   scalars[i] ← buffer[i]
    /// ```
    @inlinable
    public mutating func withUnsafeMutableBufferPointer<R>(
        _ body: (inout UnsafeMutableBufferPointer<Scalar>) throws -> R
    ) rethrows -> R {
        try storage.withUnsafeMutableBufferPointer(body)
    }
}
