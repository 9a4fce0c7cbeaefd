// Moving reductions next to the instruction that computes their input, so that they
// read it while it is still in cache.

extension TensorProgramBuilder {
    /// Moves each sum or mean over a contiguous run of axes (`reduceMiddle`: a bias
    /// gradient Σᵢ δᵢ) to just after the instruction that writes its input, when that is
    /// earlier. In a backward pass δ⁽ˡ⁾ = (δ⁽ˡ⁺¹⁾W)⊙f′ is written, then read by two large
    /// products, and only then summed for the bias: by then a 256 × 512 δ has left the
    /// core's caches. Read right after it is written, the sum finds it there.
    ///
    /// ```
    /// r = Σ x  moves to the index after x's producer
    /// ```
    /// Safe: a reduction reads one slot, which is complete once its producer has run, and
    /// its result is read only after its old place. The kernel is the same, so the results
    /// are the same bits. Run before `pairIndependentProducts` and `shareDeadBuffers`
    /// (which compute lifetimes from the final order).
    mutating func moveReductionsNextToTheirInput() {
        var i = 0
        while i < instructions.count {
            defer { i += 1 }
            guard case .reduceMiddle = instructions[i].kernel, instructions[i].eager == nil else { continue }
            let input = instructions[i].operands.a
            guard let producer = instructions[..<i].lastIndex(where: { $0.operands.out == input }) else { continue }
            let target = producer + 1
            guard target < i else { continue }
            let moved = instructions.remove(at: i)
            instructions.insert(moved, at: target)
        }
    }
}

extension TensorProgramBuilder {
    /// Moves each plain product whose result no later instruction reads (a weight
    /// gradient ∂E/∂W = δᵀ·x, returned and read by nothing else) to just after the last
    /// instruction that writes one of its operands (and after the bias-gradient sums that
    /// follow that instruction), when that is earlier. A backward pass traced from the
    /// loss writes δ⁽ˡ⁾, then the next δ, and computes every δᵀ·x only at the end: by then
    /// δ and x have left the core's caches. Moved, δᵀ·x reads them right after δ is
    /// written, and the next layer's δ product finds the same x (its relu′ mask) still in
    /// cache.
    ///
    /// ```
    /// g = δᵀ·x  moves to the index after the later of δ's and x's producers
    /// ```
    /// Safe: an instruction reads only slots complete once their producers have run, and
    /// nothing reads its result, so only the time at which it runs changes. The kernel is
    /// the same, so the results are the same bits. Run after `moveReductionsNextToTheirInput`
    /// and before `pairIndependentProducts` and `shareDeadBuffers` (which compute
    /// lifetimes from the final order).
    mutating func moveUnreadProductsNextToTheirInputs(keeping results: Set<Int>) {
        var i = 0
        while i < instructions.count {
            defer { i += 1 }
            let instruction = instructions[i]
            guard instruction.eager == nil, case .matmul = instruction.kernel else { continue }
            let out = instruction.operands.out
            guard results.contains(out), !instructions[(i + 1)...].contains(where: { reads($0).contains(out) }) else { continue }
            let inputs = reads(instruction)
            guard let producer = instructions[..<i].lastIndex(where: { inputs.contains($0.operands.out) }) else { continue }
            // After the producer and the reductions of its result that were moved next to it.
            var target = producer + 1
            let produced = instructions[producer].operands.out
            while target < i, case .reduceMiddle = instructions[target].kernel, reads(instructions[target]) == [produced] {
                target += 1
            }
            guard target < i else { continue }
            let moved = instructions.remove(at: i)
            instructions.insert(moved, at: target)
        }
    }
}
