import Backprop

/// `backprop-bench scalar [--max OPS]`: build + backward of the chain
/// `x = tanh(x * 1.0001 + 0.5)` (3 ops per step) with 10³…10⁶ ops; one JSON line per size.
///
/// ns_per_op counts the three recorded ops of each step (the constants 1.0001 and 0.5
/// are recorded as constant nodes too, but are not counted). peak_rss_mb is the
/// process's peak resident memory, reset before each size where the kernel allows.
func runScalarBench(arguments: [String]) {
    var maxOps = 1_000_000
    if let i = arguments.firstIndex(of: "--max"), i + 1 < arguments.count, let m = Int(arguments[i + 1]) { maxOps = m }
    var ops = 1_000
    while ops <= maxOps {
        let steps = ops / 3
        let repeats = ops >= 1_000_000 ? 7 : (ops >= 100_000 ? 11 : 31)
        Bench.resetPeakRSS()
        var sink = 0.0
        let seconds = Bench.medianSeconds(repeats: repeats) {
            let x0 = Value(0.1)
            var x = x0
            for _ in 0..<steps {
                x = (x * 1.0001 + 0.5).tanh()
            }
            x.backward()
            sink += x0.grad
        }
        Bench.emit([
            ("bench", "scalar-chain"), ("ops", steps * 3),
            ("ns_per_op", seconds * 1e9 / Double(steps * 3)),
            ("peak_rss_mb", Bench.peakRSSMegabytes() ?? -1),
            ("check", sink.isFinite),
        ])
        ops *= 10
    }
}
