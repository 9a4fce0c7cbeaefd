// Fusing matrix products with the elementwise ops around them, after a program's
// instructions are emitted and before buffers are shared.
import Synchronization

/// Whether programs compiled from now on fuse matrix products with their epilogues
/// (`TensorProgramBuilder.fuseEpilogues`) and run independent products side by side
/// (`pairIndependentProducts`). On by default; tests and benchmarks switch it off to
/// compare (neither changes a result, so programs compiled meanwhile on other threads
/// are not affected either way).
package enum ProgramFusion {
    package static let isEnabled = Atomic<Bool>(true)
}

extension TensorProgramBuilder {
    /// Merges each matrix product with the elementwise ops that only post-process its
    /// result, so that the result is passed over once instead of three or four times:
    ///
    /// - forward: `linear` followed by an elementwise activation f becomes
    ///   `linear+f` (bias and f in one pass);
    /// - backward: a product G times an activation derivative written through the kept
    ///   value h (`step(h)`, `h ⊙ (1 − h)`, `1 − h ⊙ h`) becomes `matmul+step` and so on,
    ///   and any other upstream gradient times such a derivative `multiply+σ′` and so on;
    /// - a relu's mask `step(z)` is read from the relu's output y = relu(z) instead
    ///   (z > 0 ⇔ y > 0), so that z is read by the relu alone and can be fused away.
    ///
    /// Only values read by nothing else and not returned are fused away, and every fused
    /// pass computes what the separate ops compute, element by element: results do not
    /// change by a bit.
    ///
    /// ```
    /// f(x·Wᵀ + b)                  one pass over x·Wᵀ
    /// (G·W) ⊙ f′(h)                one pass over G·W
    /// ```
    mutating func fuseEpilogues(keeping kept: Set<Int>) {
        typealias K = TensorProgram<Scalar>.Kernel
        var readers: [Int: Int] = [:]
        var producer: [Int: Int] = [:]
        for (i, instruction) in instructions.enumerated() {
            for s in reads(instruction) { readers[s, default: 0] += 1 }
            producer[instruction.operands.out] = i
        }
        /// Whether the result of `slot` feeds only one operand of one instruction.
        func usedOnce(_ slot: Int) -> Bool { readers[slot] == 1 && !kept.contains(slot) && slot >= 0 }
        /// The plain-kernel instruction writing `slot`.
        func made(_ slot: Int) -> Int? {
            guard let i = producer[slot], instructions[i].eager == nil else { return nil }
            return i
        }
        func isConstantOne(_ slot: Int) -> Bool {
            constantSlots.contains(slot) && storages[slot].count == 1 && storages[slot][0] == 1
        }

        // step(z) → step(relu(z)) when the relu was computed earlier.
        var reluOutput: [Int: (out: Int, at: Int)] = [:]
        for (i, instruction) in instructions.enumerated() {
            if case .map(let f, _, _) = instruction.kernel, f == .relu, instruction.eager == nil {
                reluOutput[instruction.operands.a] = (instruction.operands.out, i)
            }
        }
        for i in instructions.indices {
            guard case .map(let f, let threshold, _) = instructions[i].kernel, f == .step, threshold == 0,
                  instructions[i].eager == nil, let relu = reluOutput[instructions[i].operands.a], relu.at < i else { continue }
            readers[instructions[i].operands.a, default: 0] -= 1
            readers[relu.out, default: 0] += 1
            instructions[i].operands.a = relu.out
        }

        var removed = Set<Int>()
        var freed: [Int] = []
        // Forward: linear, then an activation of its result alone.
        for i in instructions.indices {
            guard case .map(let f, let p0, let p1) = instructions[i].kernel, instructions[i].eager == nil else { continue }
            let z = instructions[i].operands.a
            guard usedOnce(z), let l = made(z), !removed.contains(l),
                  case .linear(let m, let n, let k, let bias) = instructions[l].kernel else { continue }
            instructions[l].kernel = .linearActivation(m: m, n: n, k: k, bias: bias, f, p0, p1)
            instructions[l].operands.out = instructions[i].operands.out
            instructions[l].operands.outCount = instructions[i].operands.outCount
            instructions[l].name = "linear+" + instructions[i].name
            instructions[l].shape = instructions[i].shape
            removed.insert(i)
            freed.append(z)
        }
        // Backward: a product times an activation derivative.
        /// The derivative `d` is written as: its kind, threshold, the kept value h, and
        /// the instructions computing it.
        func derivative(_ d: Int, count: Int) -> (ActivationDerivative, Scalar, Int, [Int])? {
            guard usedOnce(d), let i = made(d), !removed.contains(i) else { return nil }
            let o = instructions[i].operands
            switch instructions[i].kernel {
            case .map(let f, let threshold, _) where f == .step && o.aCount == count:
                return (.step, threshold, o.a, [i])
            case .combine(.multiply) where o.aCount == count && o.bCount == count:
                // y ⊙ (1 − y), either order.
                for (y, u) in [(o.a, o.b), (o.b, o.a)] {
                    guard usedOnce(u), let j = made(u), !removed.contains(j),
                          case .combine(.subtract) = instructions[j].kernel else { continue }
                    let q = instructions[j].operands
                    if isConstantOne(q.a) && q.aCount == 1 && q.b == y && q.bCount == count { return (.sigmoid, 0, y, [i, j]) }
                }
                return nil
            case .combine(.subtract) where isConstantOne(o.a) && o.aCount == 1 && o.bCount == count:
                // 1 − y ⊙ y.
                guard usedOnce(o.b), let j = made(o.b), !removed.contains(j),
                      case .combine(.multiply) = instructions[j].kernel else { return nil }
                let q = instructions[j].operands
                guard q.a == q.b && q.aCount == count && q.bCount == count else { return nil }
                return (.tanh, 0, q.a, [i, j])
            default:
                return nil
            }
        }
        for i in instructions.indices where !removed.contains(i) {
            guard case .combine(.multiply) = instructions[i].kernel, instructions[i].eager == nil else { continue }
            let o = instructions[i].operands
            guard o.aCount == o.outCount && o.bCount == o.outCount else { continue }
            for (g, d) in [(o.a, o.b), (o.b, o.a)] {
                guard usedOnce(g), let mi = made(g), !removed.contains(mi),
                      case .matmul(let tA, let tB, let batch, let m, let n, let k) = instructions[mi].kernel, batch == 1,
                      let (kind, threshold, h, chain) = derivative(d, count: o.outCount) else { continue }
                var fused = instructions[mi]
                fused.kernel = .matmulDerivative(transA: tA, transB: tB, m: m, n: n, k: k, kind, threshold)
                fused.operands.c = h
                fused.operands.cCount = o.outCount
                fused.operands.out = o.out
                fused.name = instructions[mi].name + "+" + (kind == .step ? instructions[chain[0]].name : kind.listingSuffix)
                fused.shape = instructions[i].shape
                instructions[i] = fused
                removed.insert(mi)
                freed.append(g)
                for j in chain {
                    removed.insert(j)
                    freed.append(instructions[j].operands.out)
                }
                break
            }
            guard case .combine(.multiply) = instructions[i].kernel else { continue }
            // Any other upstream gradient: the derivative's ops in one pass.
            for (g, d) in [(o.a, o.b), (o.b, o.a)] {
                guard let (kind, threshold, h, chain) = derivative(d, count: o.outCount) else { continue }
                instructions[i].kernel = .multiplyDerivative(kind, threshold)
                instructions[i].operands.a = g
                instructions[i].operands.b = -1
                instructions[i].operands.bCount = 0
                instructions[i].operands.c = h
                instructions[i].operands.cCount = o.outCount
                instructions[i].name = "multiply+" + (kind == .step ? instructions[chain[0]].name : kind.listingSuffix)
                for j in chain {
                    removed.insert(j)
                    freed.append(instructions[j].operands.out)
                }
                break
            }
        }
        guard !removed.isEmpty else { return }
        instructions = instructions.indices.filter { !removed.contains($0) }.map { instructions[$0] }
        for s in freed { storages[s] = TensorStorage() }
    }

    /// The slots an instruction reads.
    func reads(_ instruction: TensorProgram<Scalar>.Instruction) -> [Int] {
        if let eager = instruction.eager { return eager.slots }
        if !instruction.parts.isEmpty { return instruction.parts.map(\.slot) }
        let o = instruction.operands
        return [o.a, o.b, o.c].filter { $0 >= 0 }
    }
}
