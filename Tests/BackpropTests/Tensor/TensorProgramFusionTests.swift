import Testing
import Synchronization
@testable import Backprop

/// Matrix products fused with their epilogues (bias and activation forward, the
/// activation's derivative backward): the listing shows the fused instructions, and
/// every result is bit for bit the unfused program's, with one thread and with two, and
/// within rounding of eager gradients.
@Suite(.serialized) struct TensorProgramFusionTests {
    enum Act: String, CaseIterable, Sendable { case relu, sigmoid, tanh }

    static func apply(_ a: Act, _ x: Tensor<Float>) -> Tensor<Float> {
        switch a {
        case .relu: x.relu()
        case .sigmoid: x.sigmoid()
        case .tanh: x.tanh()
        }
    }

    /// E = Σ t ⊙ f(f(f(x·W₁ᵀ + b₁)·W₂ᵀ + b₂)·W₃ᵀ + b₃): three activated layers, so the
    /// backward pass has two products times a derivative, and t times the last one.
    static func loss(_ a: Act) -> ([Tensor<Float>]) -> Tensor<Float> {
        { p in
            let h1 = apply(a, p[0].linear(weight: p[1], bias: p[2]))
            let h2 = apply(a, h1.linear(weight: p[3], bias: p[4]))
            return (apply(a, h2.linear(weight: p[5], bias: p[6])) * p[7]).sum()
        }
    }

    /// Inputs for a batch of `m`, widths `n0`-`n1`-`n2`-3, with values of both signs.
    static func inputs(m: Int, _ n0: Int, _ n1: Int, _ n2: Int, seed: UInt64) -> [Tensor<Float>] {
        var rng = SeededGenerator(seed: seed)
        func random(_ shape: [Int], _ scale: Double) -> Tensor<Float> {
            Tensor(shape: shape, scalars: (0..<shape.reduce(1, *)).map { _ in Float(scale * rng.nextNormal()) })
        }
        return [random([m, n0], 1), random([n1, n0], 0.3), random([n1], 0.3), random([n2, n1], 0.3), random([n2], 0.3),
                random([3, n2], 0.3), random([3], 0.3), random([m, 3], 1)]
    }

    static func compile(_ a: Act, _ x: [Tensor<Float>], fused: Bool) throws -> TensorProgram<Float> {
        ProgramFusion.isEnabled.store(fused, ordering: .relaxed)
        ProgramPairs.isEnabled.store(fused, ordering: .relaxed)
        defer {
            ProgramFusion.isEnabled.store(true, ordering: .relaxed)
            ProgramPairs.isEnabled.store(false, ordering: .relaxed)
        }
        return try TensorProgram(valueAndGradientsOf: loss(a), at: x, withRespectTo: Array(1...6))
    }

    /// Small products (plain loops), products large enough for GEMM and for two threads,
    /// and products large enough to run side by side (a layer's ∂L/∂x beside the next
    /// layer's ∂L/∂W: 128·256·256 multiply-adds each).
    @Test(arguments: Act.allCases, [(5, 4, 6, 7), (64, 96, 80, 72), (128, 256, 256, 256)])
    func fusedProgramEqualsUnfusedBitForBit(activation a: Act, sizes: (Int, Int, Int, Int)) throws {
        let x = Self.inputs(m: sizes.0, sizes.1, sizes.2, sizes.3, seed: 5)
        let fused = try Self.compile(a, x, fused: true), plain = try Self.compile(a, x, fused: false)
        let listing = fused.description
        // Every layer's forward product carries its activation; both hidden layers'
        // backward products carry the derivative (relu's mask read from its output), and
        // the output layer's upstream t is multiplied by it in one pass.
        #expect(listing.components(separatedBy: "= linear+\(a.rawValue)(").count == 4, "\(listing)")
        let derivative = a == .relu ? "+step[> 0.0](" : a == .sigmoid ? "+σ′(" : "+tanh′("
        #expect(listing.components(separatedBy: "= matmul" + derivative).count == 3, "\(listing)")
        #expect(listing.components(separatedBy: "= multiply" + derivative).count == 2, "\(listing)")
        #expect(fused.instructionCount < plain.instructionCount - 6, "\(listing)\n\(plain)")
        #expect(fused.bufferBytes <= plain.bufferBytes)
        let pairs = listing.components(separatedBy: "∥ beside the previous line").count - 1
        #expect(pairs == (sizes.0 * sizes.2 * sizes.3 >= 1 << 22 ? 1 : 0), "\(listing)")
        let before = ComputeThreads.count
        defer { ComputeThreads.count = before }
        /// Fused and plain, one thread and two; whether all four agree bit for bit.
        func runAll() -> (results: [[[Float]]], agree: Bool) {
            var results: [[[Float]]] = []
            for threads in [1, 2] {
                ComputeThreads.count = threads
                for program in [fused, plain] {
                    results.append(program(x).map(\.scalars))
                }
            }
            let agree = results.dropFirst().allSatisfy { r in
                zip(r, results[0]).allSatisfy { $0.map(\.bitPattern) == $1.map(\.bitPattern) }
            }
            return (results, agree)
        }
        // (GEMMTests force a lesser matrix kernel only in a child process, so every product
        // here rounds the same way.)
        let (results, agree) = runAll()
        #expect(agree, "\(a): fused and plain programs, 1 and 2 threads, differ")
        // And the gradients are the eager graph's, to rounding.
        let leaves = x.enumerated().map { $0.offset >= 1 && $0.offset <= 6 ? $0.element.requiringGradient() : $0.element }
        let eager = Self.loss(a)(leaves)
        eager.backward()
        for k in 1...6 {
            let want = leaves[k].gradient!.scalars, got = results[0][k]
            let scale = want.map { Swift.abs($0) }.max()! + 1
            #expect(zip(got, want).allSatisfy { Swift.abs($0 - $1) <= 1e-4 * scale }, "\(a) gradient \(k)")
        }
    }

    /// A relu's input that is also returned stays as it is: nothing read elsewhere is
    /// fused away, and the mask is still right.
    @Test func valuesReadElsewhereAreNotFusedAway() throws {
        let x = Self.inputs(m: 6, 5, 4, 3, seed: 9)
        let program = try TensorProgram(inputs: x) { p in
            let z = p[0].linear(weight: p[1], bias: p[2])
            let g = gradients(of: z.relu().sum(), withRespectTo: [p[1]], createGraph: true)[0]
            return [z, z.relu(), g]
        }
        #expect(!program.description.contains("linear+"), "\(program)")
        let out = program(x)
        let z = x[0].linear(weight: x[1], bias: x[2])
        #expect(out[0].scalars == z.scalars)
        #expect(out[1].scalars == z.relu().scalars)
    }

    /// Each bias gradient (a sum over the batch axis) runs right after the instruction
    /// that writes the δ it sums (`moveReductionsNextToTheirInput`), while δ is in cache,
    /// not after the two products that also read δ; the results are the unmoved program's
    /// (`fusedProgramEqualsUnfusedBitForBit` runs the plain program, which is not reordered).
    @Test func biasGradientSumsFollowTheirInput() throws {
        let x = Self.inputs(m: 64, 96, 80, 72, seed: 5)
        let program = try Self.compile(.relu, x, fused: true)
        let lines = program.description.split(separator: "\n").map(String.init)
        var checked = 0
        for (i, line) in lines.enumerated() where line.contains("= sum[axes [0]](%") {
            let input = line.components(separatedBy: "= sum[axes [0]](")[1].prefix { $0 != ")" }
            #expect(lines[i - 1].contains("\(input) = "), "\(program)")
            checked += 1
        }
        #expect(checked == 3, "\(program)")
    }

    /// Each weight gradient δᵀ·x (returned, read by no other instruction) runs right after
    /// the later of the instructions writing δ and x, past the bias sum of that result
    /// (`moveUnreadProductsNextToTheirInputs`), while both are in cache, not after every
    /// δ of the backward pass; it also needs fewer bytes of buffers. The results are the
    /// unreordered program's bits (`fusedProgramEqualsUnfusedBitForBit`).
    /// The products' flops, counted by hand: per layer of in → out, the forward product
    /// and the weight gradient, and for every layer but the first (whose input is data,
    /// not differentiated) the gradient to its input, each 2·m·in·out; fused or not.
    @Test(arguments: [(5, 4, 6, 7), (64, 96, 80, 72)])
    func matrixProductFlopsCountEveryProduct(sizes: (Int, Int, Int, Int)) throws {
        let (m, n0, n1, n2) = sizes
        let x = Self.inputs(m: m, n0, n1, n2, seed: 5)
        let layers = [n0 * n1, n1 * n2, n2 * 3].map(Double.init)
        let expected = 2 * Double(m) * (3 * layers.reduce(0, +) - layers[0])
        for fused in [true, false] {
            let program = try Self.compile(.relu, x, fused: fused)
            #expect(program.matrixProductFlops == expected, "fused: \(fused)\n\(program)")
        }
    }

    /// Batched and broadcast products: C = A·B and the two gradients Ḡ·Bᵀ and Aᵀ·Ḡ, each
    /// 2·m·n·k per item of the broadcast batch (B items of [5 × 6]·[6 × 7]).
    @Test(arguments: [([4, 5, 6], [4, 6, 7], 4), ([2, 1, 5, 6], [1, 3, 6, 7], 6), ([3, 5, 6], [6, 7], 3)])
    func matrixProductFlopsCountBatchedProducts(a: [Int], b: [Int], items: Int) throws {
        var rng = SeededGenerator(seed: 9)
        func random(_ shape: [Int]) -> Tensor<Float> {
            Tensor(shape: shape, scalars: (0..<shape.reduce(1, *)).map { _ in Float(rng.nextNormal()) })
        }
        let program = try TensorProgram(valueAndGradientsOf: { $0[0].matmul($0[1]).sum() },
                                        at: [random(a), random(b)], withRespectTo: [0, 1])
        #expect(program.matrixProductFlops == 3 * 2 * Double(items * 5 * 6 * 7), "\(program)")
    }

    @Test func weightGradientsFollowTheirInputs() throws {
        let x = Self.inputs(m: 64, 96, 80, 72, seed: 5)
        ProgramFusion.isEnabled.store(true, ordering: .relaxed)
        let program = try TensorProgram(valueAndGradientsOf: Self.loss(.relu), at: x, withRespectTo: Array(1...6))
        let lines = program.description.split(separator: "\n").dropFirst().map(String.init)
        func result(_ line: String) -> String { line.trimmingCharacters(in: .whitespaces).components(separatedBy: " = ")[0] }
        func operands(_ line: String) -> [String] {
            let inside = line.components(separatedBy: "](")[1].prefix { $0 != ")" }
            return inside.components(separatedBy: ", ")
        }
        var checked = 0
        for (i, line) in lines.enumerated() where line.contains("= matmul[Aᵀ·B](") {
            let reads = operands(line)
            let producer = lines[..<i].lastIndex { reads.contains(result($0)) }
            #expect(producer != nil, "\(program)")
            guard let producer else { continue }
            let produced = result(lines[producer])
            var expected = producer + 1
            while expected < i, lines[expected].contains("= sum[axes [0]](\(produced))") { expected += 1 }
            #expect(i == expected, "\(line) is not next to its operands' producer\n\(program)")
            checked += 1
        }
        #expect(checked == 3, "\(program)")
    }
}
