import Foundation

// backprop-bench SUITE [options]: speed and memory targets live here, never in unit tests.
let benches: [(name: String, summary: String, run: ([String]) -> Void)] = [
    ("scalar", "scalar-chain: build + backward of x = tanh(x * 1.0001 + 0.5), 10^3…10^6 ops", runScalarBench),
    ("peak", "this machine's FMA peak (independent vector FMAs), Float and Double, 1 and all cores", runPeakBench),
    ("matmul", "square Float/Double matmul, 64…2048, 1 and 2 threads", runMatmulBench),
    ("elementwise", "Tensor add, multiply, bias-add, exp, log, tanh, sigmoid, relu, sum, softmax, tanh-backward vs copy/triad baselines, 10^3…10^7 elements", runElementwiseBench),
    ("mlp", "one SGD step (forward, backward, update) of four reference MLPs, Float", runMLPBench),
    ("small-ops", "per-op overhead: ns per op on 2×2 Float tensors, with and without recording, and with backward", runSmallOpsBench),
    ("models", "the shipped models trained end to end: digits CNN (test accuracy), names character MLP and transformer (loss per character vs bigram)", runModelsBench),
    ("memory", "peak RSS of a 64-32-10 MLP after 10^2 and 10^4 training steps (must stay flat)", runMemoryBench),
    ("fuzz", "gradcheck-fuzz: 10^4 random tensor graphs through the gradient checker", runGradcheckFuzzBench),
    ("fuzz-safetensors", "safetensors-fuzz: 10^4 mutated files through the reader", runSafeTensorsFuzzBench),
    ("fuzz-csv", "csv-fuzz: 10^4 mutated CSV files through the loader", runCSVFuzzBench),
    ("safetensors-read", "time and peak RSS of reading FILE's header (and with --values every tensor)", runSafeTensorsReadBench),
]

let args = Array(CommandLine.arguments.dropFirst())
if let name = args.first, let bench = benches.first(where: { $0.name == name }) {
    bench.run(Array(args.dropFirst()))
} else if args.isEmpty || args.first == "all" {
    for bench in benches where !["elementwise", "memory", "fuzz", "fuzz-safetensors", "fuzz-csv", "safetensors-read", "models"].contains(bench.name) { bench.run([]) }
} else {
    FileHandle.standardError.write(Data("unknown benchmark '\(args[0])'. Available:\n".utf8))
    for bench in benches { FileHandle.standardError.write(Data("  \(bench.name)  \(bench.summary)\n".utf8)) }
    exit(2)
}
