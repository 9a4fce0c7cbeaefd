// The shapes and the loop of a matrix product: one decision and one code path shared by
// eager `matmul`/`linear` (and the matmul rule) and the kernels of a `TensorProgram`.

/// A checked matrix product op(A)·op(B), 2-D or batched 3-D, with op(X) = Xᵀ (last two
/// axes) when flagged: its sizes, and how it runs (plain loops for small products, GEMM
/// for the rest).
///
/// ```
/// C[b] = op(A[b])·op(B[b])     op(A) [m, k], op(B) [k, n], C [m, n], b < batch
/// ```
struct MatmulPlan: Equatable {
    let transposingA: Bool
    let transposingB: Bool
    let batch: Int
    let m: Int
    let n: Int
    let k: Int
    /// Whether the operands (and result) have a batch axis.
    let isBatched: Bool

    /// Products of at most this many multiply-adds run in plain loops (below it GEMM's
    /// packing costs more than the arithmetic).
    static var smallProduct: Int { 4096 }

    /// The plan for `a`·`b` with the given transposes, or why the shapes do not multiply
    /// (a phrase for the caller's message).
    static func make(_ a: [Int], _ b: [Int], transposingA tA: Bool, transposingB tB: Bool) -> Result<MatmulPlan, MatmulShapeError> {
        guard (a.count == 2 && b.count == 2) || (a.count == 3 && b.count == 3) else {
            return .failure(MatmulShapeError(reason: "operands must both be matrices (rank 2) or both batches of matrices (rank 3)"))
        }
        if a.count == 3 && a[0] != b[0] {
            return .failure(MatmulShapeError(reason: "batch sizes \(a[0]) and \(b[0]) differ"))
        }
        let r = a.count
        let k = tA ? a[r - 2] : a[r - 1], k2 = tB ? b[r - 1] : b[r - 2]
        if k != k2 { return .failure(MatmulShapeError(reason: "inner dimensions \(k) and \(k2) differ")) }
        return .success(MatmulPlan(transposingA: tA, transposingB: tB, batch: r == 3 ? a[0] : 1,
                                   m: tA ? a[r - 1] : a[r - 2], n: tB ? b[r - 2] : b[r - 1], k: k, isBatched: r == 3))
    }

    /// The plan of a fully connected layer x·Wᵀ, x [batch, in], W [out, in].
    static func linear(input x: [Int], weight w: [Int]) -> Result<MatmulPlan, MatmulShapeError> {
        make(x, w, transposingA: false, transposingB: true)
    }

    /// The result's shape.
    var resultShape: [Int] { isBatched ? [batch, m, n] : [m, n] }

    /// C = op(A)·op(B) for every batch item, writing every element of C.
    ///
    /// ```
    /// C[b][i, j] = Σₚ op(A[b])[i, p]·op(B[b])[p, j]
    /// ```
    @inline(__always)
    func run<Scalar: TensorScalar>(_ a: UnsafePointer<Scalar>, _ b: UnsafePointer<Scalar>, _ c: UnsafeMutablePointer<Scalar>) {
        for item in 0..<batch {
            MatmulPlan.multiply(transposingA, transposingB, m, n, k, a + item &* m &* k, b + item &* k &* n, c + item &* m &* n)
        }
    }

    /// c[i, ·] += bias for every row of an m × n matrix (a fully connected layer's bias).
    @inline(__always)
    static func addRow<Scalar: TensorScalar>(_ bias: UnsafePointer<Scalar>, to c: UnsafeMutablePointer<Scalar>, m: Int, n: Int) {
        // Raw pointers and wrapping offsets: no overflow checks in the inner loop, so it vectorises.
        for row in 0..<m {
            let r = c + row &* n
            for j in 0..<n { r[j] += bias[j] }
        }
    }

    /// C = op(A)·op(B) for row-major matrices; small products in a plain loop (GEMM's
    /// packing costs more than they do). (Program kernels call it with the plan's sizes
    /// unpacked: a call naming the flags is about a third cheaper for tiny products.)
    @inline(__always)
    static func multiply<Scalar: TensorScalar>(
        _ tA: Bool, _ tB: Bool, _ m: Int, _ n: Int, _ k: Int,
        _ a: UnsafePointer<Scalar>, _ b: UnsafePointer<Scalar>, _ c: UnsafeMutablePointer<Scalar>
    ) {
        if k == 0 {
            c.update(repeating: 0, count: m * n)
            return
        }
        if m * n * k <= smallProduct {
            // Small products in plain loops over contiguous rows where the layout allows.
            if !tB {
                // c[i, ·] = Σ_p op(A)[i, p] · B[p, ·]   (rows of B are contiguous)
                let (ai, ap) = tA ? (1, m) : (k, 1)
                for i in 0..<m {
                    let row = c + i &* n
                    let x0 = a[i &* ai]
                    for j in 0..<n { row[j] = x0 * b[j] }
                    var p = 1
                    while p < k {
                        let x = a[i &* ai &+ p &* ap], bp = b + p &* n
                        for j in 0..<n { row[j] += x * bp[j] }
                        p &+= 1
                    }
                }
                return
            }
            // Bᵀ: column j of op(B) is row j of B; dot products (strided in A when transposed).
            let (ai, ap) = tA ? (1, m) : (k, 1)
            for i in 0..<m {
                for j in 0..<n {
                    var s: Scalar = 0
                    let y = b + j &* k
                    var x = a + i &* ai
                    for p in 0..<k {
                        s += x.pointee * y[p]
                        x += ap
                    }
                    c[i &* n &+ j] = s
                }
            }
            return
        }
        Scalar._gemm(transA: tA, transB: tB, m: m, n: n, k: k, a: a, lda: tA ? m : k, b: b, ldb: tB ? k : n, c: c, ldc: n)
    }
}

/// Why two shapes do not multiply.
struct MatmulShapeError: Error {
    let reason: String
}
