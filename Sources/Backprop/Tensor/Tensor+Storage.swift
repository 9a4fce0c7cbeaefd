extension Tensor {
    /// Calls `body` with the elements in row-major order, without copying.
    ///
    /// ```
    /// body(buffer)   buffer[i] = scalars[i]
    /// ```
    @inlinable
    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Scalar>) throws -> R) rethrows -> R {
        noteReadIfTracing("withUnsafeBufferPointer")
        return try storage.withUnsafeBufferPointer(body)
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

    /// Rewrites every element from the current values in one pass, keeping the shape and
    /// the graph identity (optimisers use it). `body` reads `old` and must write every
    /// element of `new`. If no other tensor (or recorded graph) shares the data, `old`
    /// and `new` are the same memory; otherwise `new` is fresh storage and the shared
    /// values are read without being copied first (one pass instead of a copy and an
    /// update), so whoever shares them keeps seeing the old values.
    ///
    /// ```
    /// new[i] = f(old[i], …)      e.g.  new[i] = old[i] − α·g[i]
    /// ```
    @inlinable
    public mutating func updateElements(
        _ body: (_ old: UnsafeBufferPointer<Scalar>, _ new: UnsafeMutableBufferPointer<Scalar>) throws -> Void
    ) rethrows {
        try storage.update(body)
    }
}
