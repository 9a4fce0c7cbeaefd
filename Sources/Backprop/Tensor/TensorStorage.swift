/// One heap block holding a tensor's elements: a header (the element count) and the
/// elements right after it, in a single allocation.
///
/// The class is not generic, on purpose: allocating a Swift `Array` on Linux looks up
/// the generic metadata of its storage class at run time (a hash-table probe of a few
/// hundred instructions), and for a 2×2 tensor that look-up costs more than the
/// arithmetic. This class's metadata is a constant.
///
/// ```
/// [ object header | count | e₀ e₁ … eₙ₋₁ ]
/// ```
@usableFromInline
final class TensorBuffer: ManagedBuffer<Int, UInt64> {
    /// A block with room for `count` elements of `stride` bytes (uninitialised).
    @inlinable
    static func allocate(count: Int, stride: Int) -> TensorBuffer {
        let words = (count * stride + 7) / 8
        return unsafeDowncast(TensorBuffer.create(minimumCapacity: words) { _ in count }, to: TensorBuffer.self)
    }

    /// The element count, read through a pointer: `ManagedBuffer.header` is a class
    /// property, and every access to it would pay a run-time exclusivity check.
    @inlinable
    var count: Int { withUnsafeMutablePointerToHeader { $0.pointee } }

    /// A shared block of no elements (for values that hold none). Never written: a
    /// write to empty storage has no element to touch, and `makeUnique` copies it.
    @usableFromInline
    nonisolated(unsafe) static let empty = TensorBuffer.allocate(count: 0, stride: 8)
}

/// The elements of a tensor in row-major order, with value semantics: copies share
/// one `TensorBuffer` until one of them is written to (copy on write).
///
/// ```
/// storage[i] = x[i₀, …, iₙ₋₁],   i = Σ iₖ·strideₖ
/// ```
@usableFromInline
struct TensorStorage<Scalar: TensorScalar>: RandomAccessCollection, MutableCollection {
    @usableFromInline var buffer: TensorBuffer

    /// Storage for `count` elements, written by `body` (which must set `initialized`
    /// to `count`, as with `Array(unsafeUninitializedCapacity:initializingWith:)`).
    ///
    /// ```
    /// storage[i] = body's buffer[i],  0 ≤ i < count
    /// ```
    @inlinable
    init(
        unsafeUninitializedCapacity count: Int,
        initializingWith body: (inout UnsafeMutableBufferPointer<Scalar>, inout Int) throws -> Void
    ) rethrows {
        buffer = TensorBuffer.allocate(count: count, stride: MemoryLayout<Scalar>.stride)
        var initialized = 0
        var out = buffer.withUnsafeMutablePointerToElements {
            UnsafeMutableBufferPointer(start: UnsafeMutableRawPointer($0).assumingMemoryBound(to: Scalar.self), count: count)
        }
        try body(&out, &initialized)
        precondition(initialized == count, "TensorStorage: \(initialized) of \(count) elements initialised")
    }

    /// No elements, without allocating.
    ///
    /// ```
    /// count = 0
    /// ```
    @inlinable
    init() { buffer = TensorBuffer.empty }

    /// `count` copies of `value`.
    ///
    /// ```
    /// storage[i] = value
    /// ```
    @inlinable
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    init(repeating value: Scalar, count: Int) {
        self.init(unsafeUninitializedCapacity: count) { out, n in
            // A plain loop, specialised with the initialiser: the standard library's
            // `initialize(repeating:)` is not inlined into unspecialised callers and copies
            // each element through the type's value witness (15 % of a CNN step).
            if let base = out.baseAddress { for i in 0..<count { (base + i).initialize(to: value) } }
            n = count
        }
    }

    /// A copy of `elements`.
    ///
    /// ```
    /// storage[i] = elements[i]
    /// ```
    @inlinable
    init(_ elements: [Scalar]) {
        self.init(unsafeUninitializedCapacity: elements.count) { out, n in
            elements.withUnsafeBufferPointer { source in
                if let s = source.baseAddress, let o = out.baseAddress { o.initialize(from: s, count: source.count) }
            }
            n = elements.count
        }
    }

    /// The elements as a Swift array (a copy).
    ///
    /// ```
    /// array[i] = storage[i]
    /// ```
    @inlinable
    var array: [Scalar] { withUnsafeBufferPointer { Array($0) } }

    /// The number of elements.
    @inlinable var count: Int { buffer.count }
    /// 0.
    @inlinable var startIndex: Int { 0 }
    /// The number of elements.
    @inlinable var endIndex: Int { buffer.count }

    /// The base address of the elements.
    @inlinable
    var base: UnsafeMutablePointer<Scalar> {
        buffer.withUnsafeMutablePointerToElements { UnsafeMutableRawPointer($0).assumingMemoryBound(to: Scalar.self) }
    }

    /// Element `i` (writing copies the elements first if they are shared).
    @inlinable
    subscript(i: Int) -> Scalar {
        get {
            precondition(i >= 0 && i < count, "TensorStorage: index \(i) out of range 0..<\(count)")
            return base[i]
        }
        set {
            precondition(i >= 0 && i < count, "TensorStorage: index \(i) out of range 0..<\(count)")
            makeUnique()
            base[i] = newValue
        }
    }

    /// Calls `body` with the elements, without copying.
    @inlinable
    func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Scalar>) throws -> R) rethrows -> R {
        try withExtendedLifetime(buffer) { try body(UnsafeBufferPointer(start: base, count: count)) }
    }

    /// Calls `body` with mutable access to the elements, copying them first if they are
    /// shared (copy on write).
    @inlinable
    mutating func withUnsafeMutableBufferPointer<R>(
        _ body: (inout UnsafeMutableBufferPointer<Scalar>) throws -> R
    ) rethrows -> R {
        makeUnique()
        var b = UnsafeMutableBufferPointer(start: base, count: count)
        return try withExtendedLifetime(buffer) { try body(&b) }
    }

    /// Rewrites every element from the current values in one pass: `body` reads `old`
    /// and must write every element of `new`. When the buffer is not shared the two are
    /// the same memory (an in-place update); when it is, `new` is a fresh buffer and the
    /// shared one is only read, not copied first.
    ///
    /// ```
    /// new[i] = f(old[i], …)
    /// ```
    @inlinable
    mutating func update(
        _ body: (_ old: UnsafeBufferPointer<Scalar>, _ new: UnsafeMutableBufferPointer<Scalar>) throws -> Void
    ) rethrows {
        let n = count
        if isKnownUniquelyReferenced(&buffer) {
            let p = base
            try withExtendedLifetime(buffer) {
                try body(UnsafeBufferPointer(start: p, count: n), UnsafeMutableBufferPointer(start: p, count: n))
            }
            return
        }
        let old = self
        self = try TensorStorage(unsafeUninitializedCapacity: n) { new, initialized in
            try old.withUnsafeBufferPointer { try body($0, new) }
            initialized = n
        }
    }

    /// Gives this value its own copy of the elements if the buffer is shared.
    @inlinable
    mutating func makeUnique() {
        if isKnownUniquelyReferenced(&buffer) { return }
        let n = count
        let source = base
        self = TensorStorage(unsafeUninitializedCapacity: n) { out, k in
            if n > 0 { out.baseAddress!.initialize(from: source, count: n) }
            k = n
        }
    }
}

extension TensorStorage: ExpressibleByArrayLiteral {
    /// Storage holding the literal's elements.
    @inlinable
    init(arrayLiteral elements: Scalar...) { self.init(elements) }
}

extension TensorStorage: CustomStringConvertible {
    /// The elements, printed as an array.
    @usableFromInline
    var description: String { array.description }
}

extension TensorStorage: Equatable {
    /// Element-wise equality (IEEE: NaN ≠ NaN).
    @inlinable
    static func == (a: TensorStorage, b: TensorStorage) -> Bool {
        a.count == b.count && a.withUnsafeBufferPointer { x in b.withUnsafeBufferPointer { y in x.elementsEqual(y) } }
    }
}
