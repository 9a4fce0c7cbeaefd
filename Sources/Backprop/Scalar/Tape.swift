import CBackpropKernels
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// One recorded node of the scalar graph, stored by value in a tape.
///
/// `dx` and `dy` are the local partials ∂value/∂x and ∂value/∂y, computed by the
/// rule table at forward time. `x` and `y` are packed references to the inputs
/// (see `Tape.reference(to:)`), -1 when absent, or `Node.constantOperand` when that
/// operand is a constant (as in `x * 1.0001`): constants cost no node of their own.
///
/// A partial that backward never reads holds a constant instead, keeping the node at 56
/// bytes: the constant operand sits in the partial of its own side (no gradient flows to
/// a constant), and a unary op's parameter (exponent, α, threshold) sits in `dy`.
@usableFromInline
struct Node {
    @usableFromInline var value: Double
    @usableFromInline var grad: Double
    @usableFromInline var dx: Double
    @usableFromInline var dy: Double
    @usableFromInline var x: Int64
    @usableFromInline var y: Int64
    @usableFromInline var op: ScalarOp
    @usableFromInline var reached: Bool

    /// The reference value marking an operand held inline in `argument`.
    @usableFromInline static let constantOperand: Int64 = -2
    /// `y` of an `.elementwise` node: this plus the function's raw value (negative, so
    /// never taken for an operand).
    @usableFromInline static let elementwiseTag: Int64 = -1024

    @inlinable
    init(op: ScalarOp, value: Double, dx: Double = 0, dy: Double = 0,
         x: Int64 = -1, y: Int64 = -1) {
        self.value = value
        self.grad = 0
        self.dx = dx
        self.dy = dy
        self.x = x
        self.y = y
        self.op = op
        self.reached = false
    }
}

/// Contiguous storage for scalar graph nodes: the reason a scalar op costs a few
/// nanoseconds instead of a heap object.
///
/// Nodes are appended in creation order, so a tape is already topologically
/// sorted: backward is one reverse sweep, with no recursion and no sorting.
///
/// Lifetime: every `Value` holds its tape strongly; a tape holds the tapes its
/// nodes read from (`externals`). When the last `Value` of a graph goes away,
/// the tape and everything only it referenced are freed, iteratively.
///
/// Which tape an op appends to:
/// - a *leaf tape* holds exactly one user leaf (parameters and inputs live
///   independently of the graphs built from them) and is never appended to;
/// - an op whose inputs are all leaves starts a new tape;
/// - otherwise the op appends to its input's tape, or, with inputs on two tapes,
///   to the younger one (higher serial). References therefore only point from
///   younger tapes to older tapes or to leaves, which is what makes the reverse
///   sweep in serial order correct.
@usableFromInline
final class Tape {
    /// Creation order of tapes, process wide.
    static let serialCounter = Atomic<UInt64>(0)

    @usableFromInline let serial: UInt64
    @usableFromInline let holdsLeaf: Bool
    @usableFromInline @exclusivity(unchecked) var base: UnsafeMutablePointer<Node>
    @usableFromInline @exclusivity(unchecked) var count: Int
    @usableFromInline @exclusivity(unchecked) var capacity: Int
    /// Whether a backward pass has written gradients or marks into this tape's nodes
    /// (the next pass must clear them first; a fresh tape needs no clearing).
    @usableFromInline @exclusivity(unchecked) var swept = false
    /// Whether `base` is an mmap'ed region (large tapes, see `grow()`).
    @usableFromInline @exclusivity(unchecked) var mapped = false
    /// Tapes referenced by this tape's nodes; slot `k` in a reference is `externals[k - 1]`.
    @usableFromInline @exclusivity(unchecked) var externals: [Tape] = []
    @usableFromInline @exclusivity(unchecked) var externalSlots: [ObjectIdentifier: Int64] = [:]
    @usableFromInline @exclusivity(unchecked) var lastExternal: ObjectIdentifier?
    @usableFromInline @exclusivity(unchecked) var lastExternalSlot: Int64 = 0
    /// Labels of nodes, by index ("w5", "out_o1").
    @usableFromInline @exclusivity(unchecked) var labels: [Int32: String] = [:]

    @usableFromInline
    init(holdsLeaf: Bool, capacity: Int) {
        self.serial = Tape.serialCounter.add(1, ordering: .relaxed).newValue
        self.holdsLeaf = holdsLeaf
        self.capacity = Swift.max(capacity, 1)
        // malloc/realloc rather than Swift allocation: `Node` is trivial, and realloc of
        // a large block remaps pages instead of copying them.
        guard let raw = malloc(self.capacity * MemoryLayout<Node>.stride) else {
            fatalError("Backprop: out of memory allocating a tape of \(self.capacity) nodes")
        }
        self.base = raw.bindMemory(to: Node.self, capacity: self.capacity)
        self.count = 0
    }

    deinit {
        if mapped {
            bp_huge_free(base, capacity * MemoryLayout<Node>.stride)
        } else {
            free(base)
        }
        // Release referenced tapes one at a time: a chain of tapes referencing each
        // other must not be freed by nested deinit calls.
        guard !externals.isEmpty else { return }
        var stack = externals
        externals = []
        while var tape = stack.popLast() {
            if isKnownUniquelyReferenced(&tape), !tape.externals.isEmpty {
                stack.append(contentsOf: tape.externals)
                tape.externals = []
            }
        }
    }

    /// Appends a node and returns its index.
    @inlinable @inline(__always)
    func append(_ node: Node) -> Int32 {
        if count == capacity { grow() }
        (base + count).initialize(to: node)
        count += 1
        return Int32(truncatingIfNeeded: count - 1)
    }

    /// Tapes of this many bytes or more live in memory mapped with transparent huge
    /// pages: building a million-node graph otherwise spends a quarter of its time in
    /// page faults.
    static let hugePageThreshold = 4 << 20

    @usableFromInline
    func grow() {
        let stride = MemoryLayout<Node>.stride
        let newCapacity = capacity * 2
        if mapped || newCapacity * stride >= Tape.hugePageThreshold {
            growMapped(to: newCapacity)
            return
        }
        guard let raw = realloc(base, newCapacity * stride) else {
            fatalError("Backprop: out of memory growing a tape to \(newCapacity) nodes")
        }
        base = raw.bindMemory(to: Node.self, capacity: newCapacity)
        capacity = newCapacity
    }

    private func growMapped(to newCapacity: Int) {
        let stride = MemoryLayout<Node>.stride
        let newBytes = newCapacity * stride
        let raw: UnsafeMutableRawPointer?
        if mapped {
            raw = bp_huge_grow(base, capacity * stride, newBytes)
        } else {
            var granted = 0
            raw = bp_huge_alloc(newBytes, &granted)
            if let raw {
                raw.copyMemory(from: base, byteCount: count * stride)
                free(base)
                let grantedCapacity = granted / stride
                base = raw.bindMemory(to: Node.self, capacity: grantedCapacity)
                capacity = grantedCapacity
                mapped = true
                return
            }
        }
        guard let raw else { fatalError("Backprop: out of memory growing a tape to \(newCapacity) nodes") }
        base = raw.bindMemory(to: Node.self, capacity: newCapacity)
        capacity = newCapacity
        mapped = true
    }

    /// A packed reference from this tape to node `index` of `tape`:
    /// the node index in the low 32 bits, the external slot (0 = this tape) above.
    @inlinable @inline(__always)
    func reference(to tape: Tape, _ index: Int32) -> Int64 {
        if tape === self { return Int64(index) }
        return (slot(for: tape) << 32) | Int64(index)
    }

    @inlinable
    func slot(for tape: Tape) -> Int64 {
        let id = ObjectIdentifier(tape)
        if id == lastExternal { return lastExternalSlot }
        let slot: Int64
        if let known = externalSlots[id] {
            slot = known
        } else {
            externals.append(tape)
            slot = Int64(externals.count)
            externalSlots[id] = slot
        }
        lastExternal = id
        lastExternalSlot = slot
        return slot
    }

    /// The tape and index a packed reference points to.
    @inlinable @inline(__always)
    func resolve(_ reference: Int64) -> (tape: Tape, index: Int32) {
        let slot = Int(reference >> 32)
        let index = Int32(truncatingIfNeeded: reference)
        return slot == 0 ? (self, index) : (externals[slot - 1], index)
    }

    /// The tape an op with inputs on `a` and `b` appends to (see the type's documentation).
    @inlinable @inline(__always)
    static func target(_ a: Tape, _ b: Tape) -> Tape {
        if a === b { return a.holdsLeaf ? Tape(holdsLeaf: false, capacity: 16) : a }
        if a.holdsLeaf { return b.holdsLeaf ? Tape(holdsLeaf: false, capacity: 16) : b }
        if b.holdsLeaf { return a }
        return a.serial > b.serial ? a : b
    }

    /// The tape a unary op on `a` appends to.
    @inlinable @inline(__always)
    static func target(_ a: Tape) -> Tape {
        a.holdsLeaf ? Tape(holdsLeaf: false, capacity: 16) : a
    }
}
