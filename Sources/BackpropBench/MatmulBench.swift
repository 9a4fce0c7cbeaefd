import Backprop
import CBackpropKernels
import Foundation

/// `backprop-bench matmul [--sizes 64,128,…] [--dtypes float32,float64] [--threads 1,2] [--repeats R]
/// [--shapes MxNxK[:TT],…|mlp] [--kernel avx512|avx2|portable]`:
/// square C = A·B GFLOP/s (2·n³ flops), one JSON line per (dtype, n, threads),
/// the median over `R` timed samples (default 7; 3 for n ≥ 2048). Each sample
/// repeats the product enough times to last a few milliseconds. `--shapes`
/// replaces the square sizes with products
///
/// ```
/// C[M×N] = op(A)[M×K] · op(B)[K×N]      op = N (as stored) or T (transposed), default NN
/// ```
///
/// (lines then carry "m", "n", "k", "op" and "microseconds" instead of "n");
/// `--shapes mlp` is the exact list of GEMM calls of one training step of the
/// 784-128-10 (batch 64) and 784-512-512-10 (batch 256) nets of `backprop-bench mlp`,
/// Float only, each line naming its net and role, plus one "matmul-step" line per net
/// and thread count with the summed µs of all its products. `--kernel` runs a narrower
/// GEMM kernel than the CPU's widest (`bp_gemm_force_kernel`), and measures the peak of
/// that unit for `fraction_of_peak` (AVX2 on an AVX-512 machine: the AVX2 kernels checked
/// against their own peak).
func runMatmulBench(arguments: [String]) {
    var sizes = [64, 128, 256, 512, 1024, 2048]
    var dtypes = ["float32", "float64"]
    var threadCounts = [1, 2]
    var repeats: Int?
    var shapes: [MatmulShape] = []
    var dtypesGiven = false
    var i = 0
    func list(_ s: String) -> [String] { s.split(separator: ",").map { String($0) } }
    while i < arguments.count {
        let arg = arguments[i]
        let value = i + 1 < arguments.count ? arguments[i + 1] : ""
        switch arg {
        case "--sizes", "-n": sizes = list(value).compactMap { Int($0) }; i += 1
        case "--dtypes", "-d": dtypes = list(value); dtypesGiven = true; i += 1
        case "--threads", "-t": threadCounts = list(value).compactMap { Int($0) }; i += 1
        case "--repeats", "-r": repeats = Int(value); i += 1
        case "--kernel", "-k":
            Bench.forceKernel(named: value, bench: "matmul")
            i += 1
        case "--shapes", "-s":
            if value == "mlp" {
                shapes = MatmulShape.mlp
            } else {
                let parsed = list(value).map { ($0, MatmulShape(parsing: $0)) }
                if let bad = parsed.first(where: { $0.1 == nil }) {
                    FileHandle.standardError.write(Data("matmul: cannot read shape '\(bad.0)' (MxNxK or MxNxK:TN, or mlp)\n".utf8))
                    exit(2)
                }
                shapes = parsed.compactMap { $0.1 }
            }
            i += 1
        default:
            FileHandle.standardError.write(Data(
                "matmul: unknown option \(arg). Options: --sizes 64,128 --dtypes float32,float64 --threads 1,2 --repeats 7 --shapes 64x128x784:NT or mlp --kernel avx2\n".utf8))
            exit(2)
        }
        i += 1
    }
    FileHandle.standardError.write(Data("matmul kernel: \(MatrixMultiplyKernel.name)\n".utf8))
    if !shapes.isEmpty && shapes.allSatisfy({ $0.net != nil }) && !dtypesGiven { dtypes = ["float32"] }
    let points = shapes.isEmpty ? sizes.map { MatmulShape(m: $0, n: $0, k: $0) } : shapes
    for dtype in dtypes {
        let name = dtype == "float" ? "float32" : dtype == "double" ? "float64" : dtype
        var stepMicroseconds: [String: [Int: Double]] = [:]  // net → threads → summed µs
        for p in points {
            for threads in threadCounts {
                let r = repeats ?? (max(p.m, p.n, p.k) >= 2048 ? 3 : 7)
                let seconds: Double
                switch name {
                case "float32": seconds = measure(Float.self, p, threads: threads, repeats: r)
                case "float64": seconds = measure(Double.self, p, threads: threads, repeats: r)
                default:
                    FileHandle.standardError.write(Data("matmul: unknown dtype \(dtype)\n".utf8))
                    exit(2)
                }
                let gflops = 2.0 * Double(p.m) * Double(p.n) * Double(p.k) / seconds / 1e9
                if shapes.isEmpty {
                    Bench.emit([("bench", "matmul"), ("dtype", name), ("n", p.n), ("threads", threads), ("gflops", gflops),
                                ("fraction_of_peak", Peak.fraction(gflops, isDouble: name == "float64", threads: threads))])
                } else {
                    var fields: [(String, Any)] = [("bench", "matmul"), ("dtype", name)]
                    if let net = p.net { fields += [("net", net), ("role", p.role ?? "")] }
                    fields += [("m", p.m), ("n", p.n), ("k", p.k), ("op", p.op), ("threads", threads),
                               ("gflops", gflops), ("microseconds", seconds * 1e6),
                               ("fraction_of_peak", Peak.fraction(gflops, isDouble: name == "float64", threads: threads))]
                    Bench.emit(fields)
                    if let net = p.net { stepMicroseconds[net, default: [:]][threads, default: 0] += seconds * 1e6 }
                }
            }
        }
        for net in MatmulShape.mlpNets where stepMicroseconds[net] != nil {
            let flops = MatmulShape.mlp.filter { $0.net == net }.reduce(0.0) { $0 + 2.0 * Double($1.m * $1.n * $1.k) }
            for threads in threadCounts {
                guard let us = stepMicroseconds[net]?[threads] else { continue }
                Bench.emit([("bench", "matmul-step"), ("dtype", name), ("net", net), ("threads", threads),
                            ("microseconds", us), ("gflops", flops / us / 1e3),
                            ("fraction_of_peak", Peak.fraction(flops / us / 1e3, isDouble: name == "float64", threads: threads))])
            }
        }
    }
}

/// One benchmarked product `C[m×n] = op(A)[m×k] · op(B)[k×n]`, A and B stored
/// densely (`lda` = stored width of A, `ldb` = stored width of B).
struct MatmulShape {
    var m: Int, n: Int, k: Int
    var transA = false, transB = false
    /// The training step and role this product comes from (`--shapes mlp`).
    var net: String? = nil, role: String? = nil

    /// "NN", "NT", "TN" or "TT".
    var op: String { (transA ? "T" : "N") + (transB ? "T" : "N") }

    /// Parses `MxNxK` or `MxNxK:TN` (op(A), op(B): N as stored, T transposed).
    init?(parsing item: String) {
        let parts = item.split(separator: ":")
        let d = parts[0].split(separator: "x").compactMap { Int($0) }
        guard d.count == 3, parts.count <= 2 else { return nil }
        (m, n, k) = (d[0], d[1], d[2])
        if parts.count == 2 {
            let flags = Array(parts[1].uppercased())
            guard flags.count == 2, flags.allSatisfy({ $0 == "N" || $0 == "T" }) else { return nil }
            (transA, transB) = (flags[0] == "T", flags[1] == "T")
        }
    }

    init(m: Int, n: Int, k: Int, transA: Bool = false, transB: Bool = false, net: String? = nil, role: String? = nil) {
        (self.m, self.n, self.k, self.transA, self.transB, self.net, self.role) = (m, n, k, transA, transB, net, role)
    }

    static let mlpNets = ["784-128-10", "784-512-512-10"]

    /// Every GEMM call of one SGD step of the two larger `backprop-bench mlp` nets, as
    /// traced through `GEMM.multiply`. A `Linear` layer computes `y = x·Wᵀ` (W is
    /// [out, in]); the matmul rule then gives, with G = ∂L/∂y,
    ///
    /// ```
    /// forward   y  = x·Wᵀ    m = batch, n = out, k = in     NT
    /// backward  ∂W = Gᵀ·x    m = out,   n = in,  k = batch  TN
    /// backward  ∂x = G·W     m = batch, n = in,  k = out    NN   (not for the first layer)
    /// ```
    static let mlp: [MatmulShape] = {
        var list: [MatmulShape] = []
        for (net, sizes, batch) in [("784-128-10", [784, 128, 10], 64), ("784-512-512-10", [784, 512, 512, 10], 256)] {
            for l in 0..<(sizes.count - 1) {
                list.append(MatmulShape(m: batch, n: sizes[l + 1], k: sizes[l], transB: true, net: net, role: "forward L\(l + 1)"))
            }
            for l in (0..<(sizes.count - 1)).reversed() {
                list.append(MatmulShape(m: sizes[l + 1], n: sizes[l], k: batch, transA: true, net: net, role: "dW L\(l + 1)"))
                if l > 0 {
                    list.append(MatmulShape(m: batch, n: sizes[l], k: sizes[l + 1], net: net, role: "dx L\(l + 1)"))
                }
            }
        }
        return list
    }()
}

/// Element types the bench runs.
private protocol BenchScalar: BinaryFloatingPoint {
    static func gemm(_ p: MatmulShape, a: UnsafePointer<Self>, b: UnsafePointer<Self>, c: UnsafeMutablePointer<Self>, threads: Int)
}

extension Float: BenchScalar {
    static func gemm(_ p: MatmulShape, a: UnsafePointer<Float>, b: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>, threads: Int) {
        MatrixMultiplyKernel.multiply(transA: p.transA, transB: p.transB, m: p.m, n: p.n, k: p.k,
                                      a: a, lda: p.transA ? p.m : p.k, b: b, ldb: p.transB ? p.k : p.n,
                                      c: c, ldc: p.n, threads: threads)
    }
}

extension Double: BenchScalar {
    static func gemm(_ p: MatmulShape, a: UnsafePointer<Double>, b: UnsafePointer<Double>, c: UnsafeMutablePointer<Double>, threads: Int) {
        MatrixMultiplyKernel.multiply(transA: p.transA, transB: p.transB, m: p.m, n: p.n, k: p.k,
                                      a: a, lda: p.transA ? p.m : p.k, b: b, ldb: p.transB ? p.k : p.n,
                                      c: c, ldc: p.n, threads: threads)
    }
}

/// Median seconds of one product of shape `p` over `repeats` samples.
private func measure<T: BenchScalar>(_: T.Type, _ p: MatmulShape, threads: Int, repeats: Int) -> Double {
    let (m, n, k) = (p.m, p.n, p.k)
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
    let run = { T.gemm(p, a: a, b: b, c: c, threads: threads) }
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
