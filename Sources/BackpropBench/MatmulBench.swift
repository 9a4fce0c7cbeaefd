import Backprop
import Foundation

/// `backprop-bench matmul [--sizes 64,128,…] [--dtypes float32,float64] [--threads 1,2] [--repeats R]
/// [--shapes MxNxK,…]`:
/// square C = A·B GFLOP/s (2·n³ flops), one JSON line per (dtype, n, threads),
/// the median over `R` timed samples (default 7; 3 for n ≥ 2048). Each sample
/// repeats the product enough times to last a few milliseconds. `--shapes`
/// replaces the square sizes with C[M×N] = A[M×K]·B[K×N] products (lines then
/// carry "m", "n", "k" and "microseconds" instead of "n").
func runMatmulBench(arguments: [String]) {
    var sizes = [64, 128, 256, 512, 1024, 2048]
    var dtypes = ["float32", "float64"]
    var threadCounts = [1, 2]
    var repeats: Int?
    var shapes: [(m: Int, n: Int, k: Int)] = []
    var i = 0
    func list(_ s: String) -> [String] { s.split(separator: ",").map { String($0) } }
    while i < arguments.count {
        let arg = arguments[i]
        let value = i + 1 < arguments.count ? arguments[i + 1] : ""
        switch arg {
        case "--sizes", "-n": sizes = list(value).compactMap { Int($0) }; i += 1
        case "--dtypes", "-d": dtypes = list(value); i += 1
        case "--threads", "-t": threadCounts = list(value).compactMap { Int($0) }; i += 1
        case "--repeats", "-r": repeats = Int(value); i += 1
        case "--shapes", "-s":
            shapes = list(value).compactMap { item in
                let d = item.split(separator: "x").compactMap { Int($0) }
                return d.count == 3 ? (d[0], d[1], d[2]) : nil
            }
            i += 1
        default:
            FileHandle.standardError.write(Data(
                "matmul: unknown option \(arg). Options: --sizes 64,128 --dtypes float32,float64 --threads 1,2 --repeats 7 --shapes 64x128x784\n".utf8))
            exit(2)
        }
        i += 1
    }
    FileHandle.standardError.write(Data("matmul kernel: \(MatrixMultiplyKernel.name)\n".utf8))
    let points: [(m: Int, n: Int, k: Int)] = shapes.isEmpty ? sizes.map { ($0, $0, $0) } : shapes
    for dtype in dtypes {
        let name = dtype == "float" ? "float32" : dtype == "double" ? "float64" : dtype
        for p in points {
            for threads in threadCounts {
                let r = repeats ?? (max(p.m, p.n, p.k) >= 2048 ? 3 : 7)
                let seconds: Double
                switch name {
                case "float32": seconds = measure(Float.self, m: p.m, n: p.n, k: p.k, threads: threads, repeats: r)
                case "float64": seconds = measure(Double.self, m: p.m, n: p.n, k: p.k, threads: threads, repeats: r)
                default:
                    FileHandle.standardError.write(Data("matmul: unknown dtype \(dtype)\n".utf8))
                    exit(2)
                }
                let gflops = 2.0 * Double(p.m) * Double(p.n) * Double(p.k) / seconds / 1e9
                if shapes.isEmpty {
                    Bench.emit([("bench", "matmul"), ("dtype", name), ("n", p.n), ("threads", threads), ("gflops", gflops)])
                } else {
                    Bench.emit([("bench", "matmul"), ("dtype", name), ("m", p.m), ("n", p.n), ("k", p.k),
                                ("threads", threads), ("gflops", gflops), ("microseconds", seconds * 1e6)])
                }
            }
        }
    }
}

/// Element types the bench runs.
private protocol BenchScalar: BinaryFloatingPoint {
    static func gemm(m: Int, n: Int, k: Int, a: UnsafePointer<Self>, b: UnsafePointer<Self>, c: UnsafeMutablePointer<Self>, threads: Int)
}

extension Float: BenchScalar {
    static func gemm(m: Int, n: Int, k: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>, threads: Int) {
        MatrixMultiplyKernel.multiply(m: m, n: n, k: k, a: a, lda: k, b: b, ldb: n, c: c, ldc: n, threads: threads)
    }
}

extension Double: BenchScalar {
    static func gemm(m: Int, n: Int, k: Int, a: UnsafePointer<Double>, b: UnsafePointer<Double>, c: UnsafeMutablePointer<Double>, threads: Int) {
        MatrixMultiplyKernel.multiply(m: m, n: n, k: k, a: a, lda: k, b: b, ldb: n, c: c, ldc: n, threads: threads)
    }
}

/// Median seconds of one C[m×n] = A[m×k]·B[k×n] over `repeats` samples.
private func measure<T: BenchScalar>(_: T.Type, m: Int, n: Int, k: Int, threads: Int, repeats: Int) -> Double {
    let a = UnsafeMutablePointer<T>.allocate(capacity: max(m * k, 1))
    let b = UnsafeMutablePointer<T>.allocate(capacity: max(k * n, 1))
    let c = UnsafeMutablePointer<T>.allocate(capacity: max(m * n, 1))
    defer { a.deallocate(); b.deallocate(); c.deallocate() }
    var seed: UInt64 = 0x9E37_79B9_7F4A_7C15
    func next() -> T {
        seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return T(Double(seed >> 11) / Double(1 << 53) - 0.5)
    }
    for i in 0..<(m * k) { a[i] = next() }
    for i in 0..<(k * n) { b[i] = next() }
    c.initialize(repeating: 0, count: m * n)
    let run = { T.gemm(m: m, n: n, k: k, a: a, b: b, c: c, threads: threads) }
    // Warm up (packing buffers, Dispatch workers) and size the inner loop to ≥ ~5 ms.
    let t0 = Bench.now()
    run()
    let once = max(Double(Bench.now() - t0) * 1e-9, 1e-7)
    let inner = max(1, Int(0.005 / once))
    for _ in 0..<min(inner, 3) { run() }
    let seconds = Bench.medianSeconds(repeats: repeats) {
        for _ in 0..<inner { run() }
    }
    return seconds / Double(inner)
}
