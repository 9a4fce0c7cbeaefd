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
