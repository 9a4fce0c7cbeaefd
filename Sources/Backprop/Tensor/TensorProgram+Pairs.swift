// Two independent matrix products of a program run at the same time, one per thread
// (a layer's ∂L/∂x and ∂L/∂W), instead of each split over both threads in turn.
import CBackpropKernels
import Dispatch
import Synchronization

/// Whether programs compiled from now on pair independent products
/// (`TensorProgramBuilder.pairIndependentProducts`; also needs `ProgramFusion`). Off by
/// default: in alternated runs on the 2-core Zen 4 machine pairs were not faster than
/// splitting each product (`backprop-bench mlp --pairs` to compare; the results are the
/// same bits either way).
package enum ProgramPairs {
    package static let isEnabled = Atomic<Bool>(false)
}

extension TensorProgram {
    /// Runs two independent instructions (`first` and the next) at once, each product on one thread (with one
    /// compute thread: one after the other). Each product is computed by the same kernel
    /// as when split, so results are the same bits.
    ///
    /// ```
    /// (out₁, out₂) = (instruction₁(…), instruction₂(…))   concurrently
    /// ```
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    @inline(never)
    func performPair(_ first: UnsafePointer<Step>) {
        if ComputeThreads.count < 2 {
            perform(first)
            perform(first + 1)
            return
        }
        // (Nothing else touches the program or its instructions while it runs.)
        nonisolated(unsafe) let program = self, pair = first
        if ComputeHelpers.areActive {
            // On the helper threads, which are awake from the products before.
            let job = PairJob { k in program.perform(pair + k, alone: true) }
            withExtendedLifetime(job) {
                bp_helpers_run(2, { context, k in
                    Unmanaged<PairJob>.fromOpaque(context!).takeUnretainedValue().body(k)
                }, Unmanaged.passUnretained(job).toOpaque())
            }
            return
        }
        DispatchQueue.concurrentPerform(iterations: 2) { k in
            program.perform(pair + k, alone: true)
        }
    }

    /// C = op(A)·op(B), on the calling thread only when `alone` (see `MatmulPlan.multiply`).
    ///
    /// ```
    /// C[i, j] = Σₚ op(A)[i, p]·op(B)[p, j]
    /// ```
    @inline(__always)
    static func product(
        _ tA: Bool, _ tB: Bool, _ m: Int, _ n: Int, _ k: Int,
        _ a: UnsafePointer<Scalar>, _ b: UnsafePointer<Scalar>, _ c: UnsafeMutablePointer<Scalar>, _ alone: Bool
    ) {
        if alone && k > 0 && m &* n &* k > MatmulPlan.smallProduct {
            GEMM.multiply(transA: tA, transB: tB, m: m, n: n, k: k, a: a, lda: tA ? m : k, b: b, ldb: tB ? k : n,
                          c: c, ldc: n, accumulate: false, threads: 1)
        } else {
            MatmulPlan.multiply(tA, tB, m, n, k, a, b, c)
        }
    }
}

/// The two halves of a pair, as a helpers job's context.
final class PairJob {
    let body: (Int) -> Void
    init(_ body: @escaping (Int) -> Void) { self.body = body }
}

extension TensorProgramBuilder {
    /// Products of at least this many multiply-adds are paired (each is then worth
    /// splitting over threads on its own: about 40 µs of one core's work at AVX2 speed).
    static var pairedProduct: Int { 1 << 22 }

    /// Moves each large matrix product next to an earlier one it does not depend on, of
    /// a similar size (at most twice the work), and marks the two to run at the same
    /// time (`Instruction.runsBesideNext`): in a backward pass, a layer's ∂L/∂W beside the
    /// ∂L/∂x its upstream product feeds on.
    ///
    /// ```
    /// j moves to i + 1  when every slot j reads is written before i
    /// ```
    /// Moving an instruction earlier is safe once its inputs are computed: nothing before
    /// its old place reads its result. Run before `shareDeadBuffers`, which keeps a pair's
    /// buffers apart.
    mutating func pairIndependentProducts() {
        func work(_ instruction: TensorProgram<Scalar>.Instruction) -> Int? {
            guard instruction.eager == nil else { return nil }
            switch instruction.kernel {
            case .matmul(_, _, let batch, let m, let n, let k) where batch == 1: return m * n * k
            case .linear(let m, let n, let k, _), .linearActivation(let m, let n, let k, _, _, _, _),
                 .matmulDerivative(_, _, let m, let n, let k, _, _):
                return m * n * k
            default: return nil
            }
        }
        var written: [Int: Int] = [:]
        for (i, instruction) in instructions.enumerated() { written[instruction.operands.out] = i }
        var paired = Set<Int>()   // indices (in the current order) in a pair
        var j = 0
        while j < instructions.count {
            defer { j += 1 }
            guard let wj = work(instructions[j]), wj >= Self.pairedProduct else { continue }
            // The earlier unpaired large product after all of j's inputs closest to j in
            // work (the two threads then finish together), the latest of equals.
            let ready = reads(instructions[j]).map { written[$0] ?? -1 }.max() ?? -1
            var best: (i: Int, imbalance: Double)? = nil
            for i in stride(from: j - 1, to: ready, by: -1) where !paired.contains(i) {
                guard let wi = work(instructions[i]), wi >= Self.pairedProduct else { continue }
                let imbalance = Double(Swift.max(wi, wj)) / Double(Swift.min(wi, wj))
                if imbalance <= 2, best == nil || imbalance < best!.imbalance { best = (i, imbalance) }
            }
            guard let i = best?.i else { continue }
            if i < j - 1 {
                let moved = instructions.remove(at: j)
                instructions.insert(moved, at: i + 1)
                // Indices between shift by one.
                paired = Set(paired.map { $0 > i && $0 < j ? $0 + 1 : $0 })
                for (s, w) in written where w > i && w < j { written[s] = w + 1 }
                written[moved.operands.out] = i + 1
            }
            instructions[i].runsBesideNext = true
            paired.insert(i)
            paired.insert(i + 1)
        }
    }
}
