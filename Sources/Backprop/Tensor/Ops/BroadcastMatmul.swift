// Batched matrix products whose batch axes broadcast (NumPy's and PyTorch's matmul):
// [b, m, k] × [k, n], [b₁, 1, m, k] × [1, b₂, k, n], and so on.

extension TensorOpKind {
    /// A batched matrix product with broadcast batch axes.
    public static let broadcastMatmul = TensorOpKind(rawValue: "broadcastMatmul")
}

extension Tensor {
    /// `matmul` for operands whose batch axes (all but the last two) differ: the batch
    /// axes broadcast (NumPy rule) and every batch item is one product through
    /// `MatmulPlan`. A `[…, m, k]` operand times a shared `[k, n]` matrix is one product
    /// of `[… · m, k] × [k, n]` (the batch folded into the rows).
    ///
    /// ```
    /// C[β] = op(A[β_A])·op(B[β_B])      ∂L/∂A = Σ_{broadcast axes} Ḡ·op(B)ᵀ …
    /// ```
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func broadcastMatmul(
        _ other: Tensor, transposingSelf tA: Bool, transposingOther tB: Bool, file: StaticString, line: UInt
    ) -> Tensor {
        let described = (tA ? "\(shape)ᵀ" : "\(shape)") + " × " + (tB ? "\(other.shape)ᵀ" : "\(other.shape)")
        guard rank >= 2, other.rank >= 2 else {
            tensorError("matmul: \(described): operands must have rank ≥ 2", file: file, line: line)
        }
        let (ra, rb) = (rank, other.rank)
        let k = tA ? shape[ra - 2] : shape[ra - 1], k2 = tB ? other.shape[rb - 1] : other.shape[rb - 2]
        if k != k2 { tensorError("matmul: \(described): inner dimensions \(k) and \(k2) differ", file: file, line: line) }
        let batchA = Array(shape[..<(ra - 2)]), batchB = Array(other.shape[..<(rb - 2)])
        guard case .success(let batch) = broadcastShape(batchA, batchB) else {
            tensorError("matmul: \(described): batch shapes \(batchA) and \(batchB) do not broadcast", file: file, line: line)
        }
        if rb == 2 && !tA && ra > 2 {
            // A shared right operand: the batch folds into the rows, one product.
            let m = shape[ra - 2], n = tB ? other.shape[0] : other.shape[1]
            return reshaped(to: [-1, k], file: file, line: line)
                .matmul(other, transposingOther: tB, file: file, line: line)
                .reshaped(to: batch + [m, n], file: file, line: line)
        }
        return BroadcastMatmul<Scalar>(transposingA: tA, transposingB: tB, batch: batch)
            .apply([self, other], file: file, line: line)
    }
}

/// C[β] = op(A[β])·op(B[β]) over the broadcast batch shape `batch`; a batch axis of extent
/// 1 (or missing) in an operand is reused across the batch (stride 0, not copied).
///
/// ```
/// Ā = Σ_{A's broadcast axes} Ḡ·op(B)ᵀ  (op(B)·Ḡᵀ when A is used transposed)
/// B̄ = Σ_{B's broadcast axes} op(A)ᵀ·Ḡ  (Ḡᵀ·op(A) when B is used transposed)
/// ```
/// The program kernel runs one product per batch item, each operand's matrix found
/// through its batch strides (`OperandLoop`, 0 along its broadcast axes).
struct BroadcastMatmul<Scalar: TensorScalar>: TensorOperation {
    let transposingA: Bool
    let transposingB: Bool
    /// The broadcast batch shape of the result.
    let batch: [Int]

    var kind: TensorOpKind { .broadcastMatmul }
    var listingName: String {
        let (tA, tB) = (transposingA, transposingB)
        return "broadcastMatmul" + (tA || tB ? "[" + (tA ? "Aᵀ" : "A") + "·" + (tB ? "Bᵀ" : "B") + "]" : "")
    }
    var keyParameters: [Int]? { [transposingA ? 1 : 0, transposingB ? 1 : 0] + batch }

    /// The offset of each batch item's matrix in an operand with batch shape `own`
    /// (broadcast to `batch`), in matrices.
    func itemOffsets(_ own: [Int]) -> [Int] {
        let lead = batch.count - own.count
        var strides = [Int](repeating: 0, count: batch.count)
        var s = 1
        for d in stride(from: own.count - 1, through: 0, by: -1) {
            strides[d + lead] = own[d] == 1 ? 0 : s
            s *= own[d]
        }
        return stridedIndex(batch, strides)
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func forward(_ x: [Tensor<Scalar>]) -> Tensor<Scalar> {
        let (a, b) = (x[0].shape, x[1].shape)
        let (ra, rb) = (a.count, b.count)
        let (tA, tB) = (transposingA, transposingB)
        let m = tA ? a[ra - 1] : a[ra - 2], k = tA ? a[ra - 2] : a[ra - 1], n = tB ? b[rb - 2] : b[rb - 1]
        let offsetsA = itemOffsets(Array(a[..<(ra - 2)])), offsetsB = itemOffsets(Array(b[..<(rb - 2)]))
        let items = batch.reduce(1, *), count = items * m * n
        let out = TensorStorage<Scalar>(unsafeUninitializedCapacity: count) { c, initialized in
            x[0].storage.withUnsafeBufferPointer { pa in
                x[1].storage.withUnsafeBufferPointer { pb in
                    if let pa = pa.baseAddress, let pb = pb.baseAddress, let c = c.baseAddress {
                        for item in 0..<items {
                            MatmulPlan.multiply(tA, tB, m, n, k, pa + offsetsA[item] * m * k, pb + offsetsB[item] * k * n,
                                                c + item * m * n)
                        }
                    } else if count > 0 {
                        c.initialize(repeating: 0)  // (an empty inner dimension)
                    }
                }
            }
            initialized = count
        }
        return Tensor(storage: out, shape: batch + [m, n], node: nil)
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func inputGradients(
        inputs x: NodeInputView<Scalar>, output y: Tensor<Scalar>, upstream g: Tensor<Scalar>
    ) -> NodeGradients<Scalar> {
        let (tA, tB) = (transposingA, transposingB)
        let a = x[0], b = x[1]
        return NodeGradients(
            x.requiresGradient(0)
                ? unbroadcast(tA ? b.matmul(g, transposingSelf: tB, transposingOther: true)
                                 : g.matmul(b, transposingOther: !tB), to: a.shape) : nil,
            x.requiresGradient(1)
                ? unbroadcast(tB ? g.matmul(a, transposingSelf: true, transposingOther: tA)
                                 : a.matmul(g, transposingSelf: !tA), to: b.shape) : nil)
    }

    func kernel(inputs x: [[Int]], shape: [Int]) -> TensorProgram<Scalar>.Kernel? {
        let (a, b) = (x[0], x[1])
        let (ra, rb) = (a.count, b.count)
        let (tA, tB) = (transposingA, transposingB)
        return .broadcastMatmul(transA: tA, transB: tB, m: tA ? a[ra - 1] : a[ra - 2], n: tB ? b[rb - 2] : b[rb - 1],
                                k: tA ? a[ra - 2] : a[ra - 1])
    }

    /// The batch axes, with each operand's stride in matrices (0 along its broadcast axes)
    /// and the result's.
    func kernelLoop(inputs x: [[Int]], shape: [Int]) -> OperandLoop? {
        let batchA = Array(x[0].dropLast(2)), batchB = Array(x[1].dropLast(2))
        return OperandLoop(shape: batch, broadcastStrides(batchA, to: batch), broadcastStrides(batchB, to: batch),
                           contiguousStrides(batch))
    }
}

extension TensorProgram {
    /// The kernel of a matrix product with broadcast batch axes: for each batch item, in
    /// the result's order, C[β] = op(A[β_A])·op(B[β_B]) through the program's product
    /// (the same products as the eager op's).
    ///
    /// ```
    /// C[β] = op(A[Σₖ βₖ·saₖ])·op(B[Σₖ βₖ·sbₖ])
    /// ```
    static func broadcastMatmul(
        _ tA: Bool, _ tB: Bool, _ m: Int, _ n: Int, _ k: Int, _ a: UnsafePointer<Scalar>, _ b: UnsafePointer<Scalar>,
        _ c: UnsafeMutablePointer<Scalar>, _ loop: OperandLoop, _ alone: Bool
    ) {
        let run = loop.runLength, (sa, sb, sc) = loop.runStrides
        let (mk, kn, mn) = (m &* k, k &* n, m &* n)
        loop.forEachRun { ia, ib, ic, _ in
            for j in 0..<run {
                product(tA, tB, m, n, k, a + (ia &+ j &* sa) &* mk, b + (ib &+ j &* sb) &* kn, c + (ic &+ j &* sc) &* mn, alone)
            }
        }
    }
}
