import Backprop
import BackpropNN

/// `backprop-bench mlp`: one SGD training step (forward, backward, update) in Float for
/// the four reference networks; one JSON line each with the median µs per step.
func runMLPBench(arguments: [String]) {
    struct Case {
        let name: String, sizes: [Int], batch: Int, activation: Activation, objective: Objective, steps: Int
    }
    let cases = [
        Case(name: "2-2-2", sizes: [2, 2, 2], batch: 1, activation: .sigmoid, objective: .halfSumOfSquares, steps: 2000),
        Case(name: "2-4-1", sizes: [2, 4, 1], batch: 4, activation: .tanh, objective: .halfSumOfSquares, steps: 2000),
        Case(name: "784-128-10", sizes: [784, 128, 10], batch: 64, activation: .relu, objective: .softmaxCrossEntropy, steps: 200),
        Case(name: "784-512-512-10", sizes: [784, 512, 512, 10], batch: 256, activation: .relu, objective: .softmaxCrossEntropy, steps: 20),
    ]
    var selected = cases
    if let i = arguments.firstIndex(of: "--net"), i + 1 < arguments.count {
        selected = cases.filter { $0.name == arguments[i + 1] }
    }
    /// `--steps N` and `--samples K` override the step count and the 7 samples (for
    /// instruction counting under callgrind, where time does not matter).
    /// An option's whole-number value; a value that is missing or not a whole number stops
    /// the bench with a one-line error instead of measuring the default silently.
    func option(_ name: String) -> Int? {
        guard let i = arguments.firstIndex(of: name) else { return nil }
        guard i + 1 < arguments.count, let value = Int(arguments[i + 1]) else {
            let given = i + 1 < arguments.count ? "'\(arguments[i + 1])'" : "nothing"
            FileHandle.standardError.write(Data("mlp: \(name) needs a whole number, got \(given)\n".utf8))
            exit(2)
        }
        return value
    }
    /// `--engine eager|compiled` runs one engine (both by default, eager first).
    var engines = ["eager", "compiled"]
    if let i = arguments.firstIndex(of: "--engine"), i + 1 < arguments.count { engines = [arguments[i + 1]] }
    // `--pairs`: independent products side by side, one per thread (off by default).
    if arguments.contains("--pairs") { ProgramPairs.isEnabled.store(true, ordering: .relaxed) }
    // `--threads N`: compute threads for the products (default: one per processor).
    if let n = option("--threads") { ComputeThreads.count = n }
    // `--spin US`: how long the helper threads spin between products before sleeping.
    if let us = option("--spin") { ComputeHelpers.spinMicroseconds = us }
    // `--dispatch`: split products wake Dispatch workers instead of the spinning helper threads.
    if arguments.contains("--dispatch") { ComputeHelpers.isEnabled.store(false, ordering: .relaxed) }
    // `--no-fusion`: neither fused epilogues nor pairs (the program as traced).
    if arguments.contains("--no-fusion") { ProgramFusion.isEnabled.store(false, ordering: .relaxed) }
    // `--kernel avx2|avx512|portable`: GEMM and elementwise kernels no wider than that unit,
    // and `fraction_of_peak` against that unit's own peak (an AVX2 machine's step, measured
    // on an AVX-512 one; `Scripts/peers/avx2_side_by_side.py` caps the peers likewise).
    if let i = arguments.firstIndex(of: "--kernel") {
        Bench.forceKernel(named: i + 1 < arguments.count ? arguments[i + 1] : "", bench: "mlp")
        FileHandle.standardError.write(Data("mlp kernel: \(MatrixMultiplyKernel.name)\n".utf8))
    }
    // `--batch N`: another batch size than the case's own.
    if let b = option("--batch") {
        guard b >= 1 else {
            FileHandle.standardError.write(Data("mlp: --batch needs at least 1, got \(b)\n".utf8))
            exit(2)
        }
        selected = selected.map {
            Case(name: $0.name, sizes: $0.sizes, batch: b, activation: $0.activation,
                 objective: $0.objective, steps: $0.steps)
        }
    }
    for c in selected {
        let steps = option("--steps") ?? c.steps, sampleCount = option("--samples") ?? 7
        var rng = SeededGenerator(seed: 1)
        let outputs = c.sizes.last!
        let x = Tensor<Float>(shape: [c.batch, c.sizes[0]], scalars: (0..<(c.batch * c.sizes[0])).map { _ in Float(rng.nextNormal()) })
        let labels = (0..<c.batch).map { _ in rng.nextInt(below: outputs) }
        let y = Tensor<Float>(shape: [c.batch, outputs], scalars: (0..<(c.batch * outputs)).map { _ in Float(rng.nextUnitInterval()) })
        let model = MLP<Float>(c.sizes, activation: c.activation,
                               outputActivation: c.objective == .halfSumOfSquares ? c.activation : .identity, seed: 1)
        let sgd = SGD(parameters: model.parameters, learningRate: 0.01)
        // The eager step records a graph; the compiled one runs forward and backward as
        // one traced program (labels as one-hot targets there, an input of the program).
        func eagerStep() {
            sgd.zeroGradients()
            let out = model(x)
            let loss = c.objective == .softmaxCrossEntropy
                ? Loss.softmaxCrossEntropy(logits: out, labels: labels) : Loss.halfSumOfSquares(out, y)
            loss.backward()
            sgd.step()
        }
        var oneHot = [Float](repeating: 0, count: c.batch * outputs)
        for (i, label) in labels.enumerated() { oneHot[i * outputs + label] = 1 }
        let target = c.objective == .softmaxCrossEntropy ? Tensor<Float>(shape: [c.batch, outputs], scalars: oneHot) : y
        let compiled = CompiledTrainingStep(model: model) { out, target in
            c.objective == .softmaxCrossEntropy
                ? Loss.softmaxCrossEntropy(logits: out, oneHotTargets: target) : Loss.halfSumOfSquares(out, target)
        }
        func compiledStep() {
            do { try compiled(x, target, updating: sgd) } catch { fatalError("\(error)") }
        }
        if arguments.contains("--listing"), let p = try? compiled.program(input: x, target: target) {
            print(p, "\n\(p.instructionCount) instructions, \(p.fallbackCount) run eagerly, \(p.bufferBytes) bytes")
        }
        if arguments.contains("--profile"), let p = try? compiled.program(input: x, target: target) {
            // Median wall time of each instruction over the runs, and each GEMM's share of the peak.
            let inputs = model.parameters.map(\.value) + [x, target]
            // `--cpu`: the calling thread's CPU time instead of wall time (robust on a busy machine).
            let rows = p.profile(inputs, runs: option("--runs") ?? 50, threadCPU: arguments.contains("--cpu"))
            let total = rows.reduce(0) { $0 + $1.nanoseconds }
            for row in rows {
                print(String(format: "%10.1f µs  %5.1f %%  ", row.nanoseconds / 1e3, 100 * row.nanoseconds / total) + row.line)
            }
            print(String(format: "%10.1f µs  total of the instructions", total / 1e3))
        }
        for engine in engines {
            let step = engine == "compiled" ? compiledStep : eagerStep
            for _ in 0..<Swift.max(3, steps / 10) { step() }     // warm up
            var samples: [Double] = []
            for _ in 0..<sampleCount {
                let t0 = Bench.now()
                for _ in 0..<steps { step() }
                samples.append(Double(Bench.now() - t0) / 1e3 / Double(steps))
            }
            // The products the step runs (`TensorProgram.matrixProductFlops`): forward and
            // weight gradient per layer, and the input gradient of every layer but the first
            // (the data needs none, and neither engine computes it), 2·batch·(3·Σ in·out −
            // in₀·out₀); `matrixProductFlopsCountEveryProduct` checks that count by hand.
            let flops = (try? compiled.program(input: x, target: target))?.matrixProductFlops ?? .nan
            let gflops = flops / Bench.median(samples) / 1e3
            if arguments.contains("--helper-stats") {
                let (jobs, helped) = ComputeHelpers.statistics
                print("helpers: \(jobs) jobs, \(helped) pieces run by helpers")
            }
            Bench.emit([("bench", "mlp-step"), ("net", c.name), ("batch", c.batch), ("dtype", "float32"),
                        ("engine", engine), ("threads", ComputeThreads.count), ("us_per_step", Bench.median(samples)),
                        ("us_per_step_min", samples.min() ?? 0),
                        ("gflops", gflops), ("fraction_of_peak", Peak.fraction(gflops, isDouble: false, threads: ComputeThreads.count))])
        }
    }
}

/// The number of threads the kernels may use (the machine's active processors).
enum ProcessInfoThreads {
    static var count: Int { ProcessInfo.processInfo.activeProcessorCount }
}

import Foundation
