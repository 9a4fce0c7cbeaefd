import Testing
@testable import Backprop

/// The broadcast planner shared by eager binary ops, `broadcasted(to:)` and program
/// kernels, against a naive broadcasting reference on random shapes (with axes of
/// extent 1 and 0), and the eager and compiled results built on it.
@Suite struct BroadcastPlanTests {
    /// Two random shapes that broadcast: extents 0–3, ranks 0–4, each aligned axis equal,
    /// or 1 on one side.
    static func randomPair(_ rng: inout SeededGenerator) -> ([Int], [Int]) {
        let rank = Int.random(in: 0...4, using: &rng)
        let out = (0..<rank).map { _ in [0, 1, 2, 3, 3][Int.random(in: 0..<5, using: &rng)] }
        func operand(_ rng: inout SeededGenerator) -> [Int] {
            let dropped = Int.random(in: 0...rank, using: &rng) < rank / 2 ? Int.random(in: 0...rank, using: &rng) : 0
            return out.dropFirst(dropped).map { Int.random(in: 0..<3, using: &rng) == 0 ? 1 : $0 }
        }
        return (operand(&rng), operand(&rng))
    }

    /// The multi-index of flat position i in `shape` (row-major).
    static func multiIndex(_ i: Int, _ shape: [Int]) -> [Int] {
        var rest = i
        var index = [Int](repeating: 0, count: shape.count)
        for k in stride(from: shape.count - 1, through: 0, by: -1) {
            index[k] = rest % shape[k]
            rest /= shape[k]
        }
        return index
    }

    /// NumPy's rule, directly: result index (i₀, …) reads operand index (iₖ or 0 where the
    /// operand's extent is 1), aligned at the trailing axes.
    static func naiveOffset(_ i: Int, operand: [Int], result out: [Int]) -> Int {
        let index = multiIndex(i, out), lead = out.count - operand.count
        var offset = 0
        for k in 0..<operand.count { offset = offset * operand[k] + (operand[k] == 1 ? 0 : index[lead + k]) }
        return offset
    }

    /// The operand offsets a plan reads for result element i, as each case documents.
    static func planned(_ plan: BroadcastPlan, _ i: Int, result out: [Int]) -> (Int, Int) {
        switch plan {
        case .elementwise: return (i, i)
        case .scalar(.right): return (i, 0)
        case .scalar(.left): return (0, i)
        case .repeatedBlock(.right, let block): return (i, i % block)
        case .repeatedBlock(.left, let block): return (i % block, i)
        case .expanded(.right, let inner): return (i, i / inner)
        case .expanded(.left, let inner): return (i / inner, i)
        case .strided(let left, let right):
            let index = multiIndex(i, out)
            return (zip(index, left).map(*).reduce(0, +), zip(index, right).map(*).reduce(0, +))
        }
    }

    @Test func planReadsTheElementsBroadcastingReads() {
        var rng = SeededGenerator(seed: 11)
        var seen: Set<String> = []
        for _ in 0..<3000 {
            let (a, b) = Self.randomPair(&rng)
            guard case .success(let out) = broadcastShape(a, b) else { Issue.record("\(a), \(b) must broadcast"); return }
            let plan = BroadcastPlan(a, b, result: out)
            seen.insert("\(plan)".prefix(while: { $0 != "(" }).description)
            for i in 0..<out.reduce(1, *) {
                let (pa, pb) = Self.planned(plan, i, result: out)
                let (ra, rb) = (Self.naiveOffset(i, operand: a, result: out), Self.naiveOffset(i, operand: b, result: out))
                if pa != ra || pb != rb {
                    Issue.record("\(a) ∘ \(b) → \(out), \(plan): element \(i) reads (\(pa), \(pb)), not (\(ra), \(rb))")
                    return
                }
            }
        }
        #expect(seen == ["elementwise", "scalar", "repeatedBlock", "expanded", "strided"], "\(seen)")
    }

    @Test(arguments: [
        ([2, 3], [3], BroadcastPlan.repeatedBlock(.right, block: 3)),
        ([1, 3], [2, 3], .repeatedBlock(.left, block: 3)),
        ([2, 3], [1, 2, 3], .elementwise),
        ([2, 3], [2, 1], .expanded(.right, inner: 3)),
        ([4, 1, 1], [4, 2, 3], .expanded(.left, inner: 6)),
        ([2, 3], [1, 1], .scalar(.right)),
        ([0, 3], [3], .elementwise),
        ([2, 1, 3], [2, 4, 3], .strided(left: [3, 0, 1], right: [12, 3, 1])),
    ])
    func plansOfTypicalPairs(a: [Int], b: [Int], expected: BroadcastPlan) throws {
        let out = try broadcastShape(a, b).get()
        #expect(BroadcastPlan(a, b, result: out) == expected)
    }

    /// a − b eagerly and compiled, and a broadcast to the result's shape, against the
    /// naive reference (subtraction: a swapped side would show).
    @Test func eagerAndCompiledBinaryOpsMatchTheReference() throws {
        var rng = SeededGenerator(seed: 12)
        for _ in 0..<150 {
            let (a, b) = Self.randomPair(&rng)
            let out = try broadcastShape(a, b).get()
            let x = Tensor<Double>(shape: a, scalars: (0..<a.reduce(1, *)).map { Double($0 * 7 + 1) })
            let y = Tensor<Double>(shape: b, scalars: (0..<b.reduce(1, *)).map { Double($0 * 3 + 2) / 4 })
            let n = out.reduce(1, *)
            let expected = (0..<n).map {
                x.scalars[Self.naiveOffset($0, operand: a, result: out)] - y.scalars[Self.naiveOffset($0, operand: b, result: out)]
            }
            let spread = (0..<n).map { x.scalars[Self.naiveOffset($0, operand: a, result: out)] }
            let eager = x - y
            #expect(eager.shape == out && eager.scalars == expected, "eager \(a) − \(b)")
            #expect(x.broadcasted(to: out).scalars == spread, "eager broadcast \(a) → \(out)")
            let program = try TensorProgram(inputs: [x, y]) { v in [v[0] - v[1], v[0].broadcasted(to: out) * 1] }
            let results = program(x, y)
            #expect(results[0].shape == out && results[0].scalars == expected, "compiled \(a) − \(b)\n\(program)")
            #expect(results[1].scalars == spread, "compiled broadcast \(a) → \(out)\n\(program)")
            // Every plan, the general (strided) one included, has a kernel.
            let difference = try TensorProgram(inputs: [x, y]) { v in [v[0] - v[1]] }
            #expect(difference.fallbackCount == 0, "\(a) − \(b)\n\(difference)")
        }
    }
}
