import Backprop

/// `backprop-bench small-ops`: the fixed cost of one tensor op on tiny tensors
/// (Float, 2×2), where the arithmetic is negligible and what is measured is the
/// engine's per-op overhead: allocation, shape checks, recording a node, and the
/// backward rule. One JSON line per case with the median nanoseconds per op.
/// `--op NAME` runs only the cases of that name (for profiling).
func runSmallOpsBench(arguments: [String]) {
    let a = Tensor<Float>(shape: [2, 2], scalars: [0.5, -1, 2, 0.25])
    let b = Tensor<Float>(shape: [2, 2], scalars: [1, 2, -0.5, 3])
    let row = Tensor<Float>(shape: [2], scalars: [0.1, -0.2])
    let p = a.requiringGradient(), q = b.requiringGradient()
    let iterations = 20_000

    /// Median ns per call of `body` over 7 samples of `iterations` calls.
    let only = arguments.firstIndex(of: "--op").flatMap { $0 + 1 < arguments.count ? arguments[$0 + 1] : nil }
    func measure(_ name: String, recorded: Bool, engine: String = "eager", opsPerCall: Int = 1, _ body: () -> Void) {
        if let only, only != name { return }
        for _ in 0..<1000 { body() }
        var samples: [Double] = []
        for _ in 0..<7 {
            let t0 = Bench.now()
            for _ in 0..<iterations { body() }
            samples.append(Double(Bench.now() - t0) / Double(iterations * opsPerCall))
        }
        Bench.emit([("bench", "small-op"), ("op", name), ("shape", "2x2"), ("dtype", "float32"),
                    ("recorded", recorded), ("engine", engine), ("ns_per_op", Bench.median(samples))])
    }
    var sink: Float = 0
    measure("add", recorded: false) { sink += (a + b).scalars[0] }
    measure("add-row-broadcast", recorded: false) { sink += (a + row).scalars[0] }
    measure("multiply-scalar", recorded: false) { sink += (a * 0.5).scalars[0] }
    measure("sigmoid", recorded: false) { sink += a.sigmoid().scalars[0] }
    measure("matmul", recorded: false) { sink += a.matmul(b).scalars[0] }
    measure("sum", recorded: false) { sink += a.sum().scalar }
    measure("add", recorded: true) { sink += (p + q).scalars[0] }
    measure("sigmoid", recorded: true) { sink += p.sigmoid().scalars[0] }
    measure("matmul", recorded: true) { sink += p.matmul(q).scalars[0] }
    measure("add+backward", recorded: true) {
        let loss = (p + q).sum()
        loss.backward()
        sink += loss.scalar
    }
    measure("sigmoid+backward", recorded: true) {
        let loss = p.sigmoid().sum()
        loss.backward()
        sink += loss.scalar
    }
    measure("matmul+backward", recorded: true) {
        let loss = p.matmul(q).sum()
        loss.backward()
        sink += loss.scalar
    }
    // Compiled: a chain of 100 ops of one kind traced into a `TensorProgram`, timed per op.
    func compiledChain(_ name: String, _ op: @escaping (Tensor<Float>) -> Tensor<Float>) {
        if let only, only != name { return }
        let program: TensorProgram<Float>
        do {
            program = try TensorProgram(inputs: [a]) { x in
                var y = x[0]
                for _ in 0..<100 { y = op(y) }
                return [y]
            }
        } catch { fatalError("\(error)") }
        measure(name, recorded: false, engine: "compiled", opsPerCall: 100) {
            program.setInput(a, at: 0)
            program.run()
            sink += program.output(at: 0).scalars[0]
        }
    }
    compiledChain("add") { $0 + b }
    compiledChain("add-row-broadcast") { $0 + row }
    compiledChain("multiply-scalar") { $0 * 0.5 }
    compiledChain("sigmoid") { $0.sigmoid() }
    compiledChain("matmul") { $0.matmul(b) }
    p.zeroGradients()
    q.zeroGradients()
    if sink == .infinity { print(sink) }
}
