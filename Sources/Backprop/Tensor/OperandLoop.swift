// The loop nest over up to three operands read through strides: eager broadcast binary ops
// and reductions over non-adjacent axes, and the program kernels
// (broadcast comparisons, `where` with a traced mask, a product over axes, the batch of
// a broadcast matrix product), planned once when the program is compiled.

/// A loop nest over `shape` with one stride vector per operand (0 along the axes an
/// operand is broadcast over or reduced along; unused operands all 0), axes of extent 1
/// dropped and adjacent axes merged where every operand is contiguous across them.
/// Computed once per instruction (`TensorOperation.kernelLoop`), so a run allocates
/// nothing: the odometer lives on the stack.
///
/// ```
/// element (i₀, …, i_{r−1}) ↦ operand p reads Σₖ iₖ·strides[p][k]
/// axes k, k+1 merge when strides[p][k] = strides[p][k+1]·shape[k+1] for every p
/// ```
struct OperandLoop {
    /// Extents after merging; never empty (a single element is one run of one).
    let shape: [Int]
    /// Per operand (three), the strides over `shape`.
    let first: [Int], second: [Int], third: [Int]

    /// The loop over `shape` with the given stride vectors (one per operand, each of
    /// `shape.count` entries; omitted ones are all 0).
    init(shape: [Int], _ first: [Int], _ second: [Int]? = nil, _ third: [Int]? = nil) {
        let zeros = [Int](repeating: 0, count: shape.count)
        let (second, third) = (second ?? zeros, third ?? zeros)
        var s: [Int] = [], f: [Int] = [], g: [Int] = [], h: [Int] = []
        for k in shape.indices where shape[k] != 1 {
            let n = shape[k]
            if let last = s.indices.last, f[last] == first[k] * n, g[last] == second[k] * n, h[last] == third[k] * n {
                s[last] *= n
                (f[last], g[last], h[last]) = (first[k], second[k], third[k])
            } else {
                s.append(n)
                f.append(first[k])
                g.append(second[k])
                h.append(third[k])
            }
        }
        if s.isEmpty { (s, f, g, h) = ([1], [0], [0], [0]) }
        self.shape = s
        self.first = f
        self.second = g
        self.third = h
    }

    /// The number of elements of the last (innermost) merged axis: the length of a run.
    var runLength: Int { shape[shape.count - 1] }

    /// The strides of the three operands along the innermost axis.
    var runStrides: (Int, Int, Int) { (first[shape.count - 1], second[shape.count - 1], third[shape.count - 1]) }

    /// Calls `body(first, second, third, start)` for every run along the innermost merged
    /// axis in row-major order: the offsets of the run's first element in each operand,
    /// and `start`, the number of elements before the run.
    @inline(__always)
    func forEachRun(_ body: (_ first: Int, _ second: Int, _ third: Int, _ start: Int) -> Void) {
        let r = shape.count, last = shape[r - 1]
        if shape.contains(0) { return }
        if r == 1 { body(0, 0, 0, 0); return }
        withUnsafeTemporaryAllocation(of: Int.self, capacity: r) { index in
            for k in 0..<r { index[k] = 0 }
            var a = 0, b = 0, c = 0, p = 0
            while true {
                body(a, b, c, p)
                p &+= last
                var k = r - 2
                while k >= 0 {
                    index[k] &+= 1
                    a &+= first[k]
                    b &+= second[k]
                    c &+= third[k]
                    if index[k] < shape[k] { break }
                    a &-= first[k] &* shape[k]
                    b &-= second[k] &* shape[k]
                    c &-= third[k] &* shape[k]
                    index[k] = 0
                    k -= 1
                }
                if k < 0 { break }
            }
        }
    }
}
