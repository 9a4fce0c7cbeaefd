import Backprop
import Foundation

/// `backprop-bench matmul [--sizes 64,128,…] [--dtypes float32,float64] [--threads 1,2] [--repeats R]`:
/// square C = A·B GFLOP/s (2·n³ flops), one JSON line per (dtype, n, threads),
/// the median over `R` timed samples (default 7; 3 for n ≥ 2048). Each sample
/// repeats the product enough times to last a few milliseconds.
func runMatmulBench(arguments: [String]) {
    var sizes = [64, 128, 256, 512, 1024, 2048]
    var dtypes = ["float32", "float64"]
    var threadCounts = [1, 2]
    var repeats: Int?
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
        default:
            FileHandle.standardError.write(Data(
                "matmul: unknown option \(arg). Options: --sizes 64,128 --dtypes float32,float64 --threads 1,2 --repeats 7\n".utf8))
            exit(2)
        }
        i += 1
    }
    FileHandle.standardError.write(Data("matmul kernel: \(MatrixMultiplyKernel.name)\n".utf8))
    for dtype in dtypes {
        for n in sizes {
            for threads in threadCounts {
                let r = repeats ?? (n >= 2048 ? 3 : 7)
                let gflops: Double
                switch dtype {
                case "float32", "float": gflops = measure(Float.self, n: n, threads: threads, repeats: r)
                case "float64", "double": gflops = measure(Double.self, n: n, threads: threads, repeats: r)
                default:
                    FileHandle.standardError.write(Data("matmul: unknown dtype \(dtype)\n".utf8))
                    exit(2)
                }
                Bench.emit([("bench", "matmul"), ("dtype", dtype == "float" ? "float32" : dtype == "double" ? "float64" : dtype),
                            ("n", n), ("threads", threads), ("gflops", gflops)])
            }
        }
    }
}

/// Element types the bench runs.
private protocol BenchScalar: BinaryFloatingPoint {
    static func gemm(n: Int, a: UnsafePointer<Self>, b: UnsafePointer<Self>, c: UnsafeMutablePointer<Self>, threads: Int)
}

extension Float: BenchScalar {
    static func gemm(n: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>, threads: Int) {
        MatrixMultiplyKernel.multiply(m: n, n: n, k: n, a: a, lda: n, b: b, ldb: n, c: c, ldc: n, threads: threads)
    }
}

extension Double: BenchScalar {
    static func gemm(n: Int, a: UnsafePointer<Double>, b: UnsafePointer<Double>, c: UnsafeMutablePointer<Double>, threads: Int) {
        MatrixMultiplyKernel.multiply(m: n, n: n, k: n, a: a, lda: n, b: b, ldb: n, c: c, ldc: n, threads: threads)
    }
}

/// Median GFLOP/s of `repeats` samples of an n×n·n×n product.
private func measure<T: BenchScalar>(_: T.Type, n: Int, threads: Int, repeats: Int) -> Double {
    let count = n * n
    let a = UnsafeMutablePointer<T>.allocate(capacity: count)
    let b = UnsafeMutablePointer<T>.allocate(capacity: count)
    let c = UnsafeMutablePointer<T>.allocate(capacity: count)
    defer { a.deallocate(); b.deallocate(); c.deallocate() }
    var seed: UInt64 = 0x9E37_79B9_7F4A_7C15
    func next() -> T {
        seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return T(Double(seed >> 11) / Double(1 << 53) - 0.5)
    }
    for i in 0..<count { a[i] = next(); b[i] = next(); c[i] = 0 }
    let flops = 2.0 * Double(n) * Double(n) * Double(n)
    let run = { T.gemm(n: n, a: a, b: b, c: c, threads: threads) }
    // Warm up (packing buffers, Dispatch workers) and size the inner loop to ≥ ~5 ms.
    let t0 = Bench.now()
    run()
    let once = max(Double(Bench.now() - t0) * 1e-9, 1e-7)
    let inner = max(1, Int(0.005 / once))
    for _ in 0..<min(inner, 3) { run() }
    let seconds = Bench.medianSeconds(repeats: repeats) {
        for _ in 0..<inner { run() }
    }
    return flops * Double(inner) / seconds / 1e9
}
