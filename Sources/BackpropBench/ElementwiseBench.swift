import Backprop
import CBackpropKernels
import Foundation

/// `backprop-bench elementwise [--sizes 1000,100000,…] [--dtypes float32,float64] [--ops exp,add,…]
/// [--repeats R] [--threads T] [--kernels auto,avx512,avx2,portable]`:
/// elementwise ops through the public `Tensor` API (allocation of the result included:
/// that is what users pay), one JSON line per (op, dtype, n) with the median over `R`
/// samples (default 7) of the time per element and the bandwidth of the ideal kernel.
///
/// ```
/// gbytes_per_s = bytes / t,   bytes = elements read + written by the ideal kernel · size
/// add, multiply:     3n (a, b → y)        bias-add [n/cols, cols] + [cols]: 2n + cols
/// exp … relu:        2n                   sum: n          tanh-backward (y, g → ∂x): 3n
/// softmax of [n/cols, cols] rows: 2n
/// copy-baseline:     2n (memcpy into a preallocated buffer)
/// fresh-copy-baseline: 2n (memcpy into a new array: allocation and first-touch page faults
///                    included, as for every op's result)
/// triad-baseline:    3n (a[i] = b[i] + s·c[i], preallocated, plain Swift loop)
/// ```
/// The two baselines run in the same process at the same size, so each op's bandwidth
/// can be quoted as a fraction of what the memory system gives a simple loop.
/// `--kernels auto,portable` measures every point with the automatic C kernels and then
/// with the portable ones (the C library per element on one thread, as before the
/// vectorised kernels), alternating, so both can be compared from one run; lines then
/// carry "kernel". `avx512` and `avx2` cap the kernels at that width (no wider than the
/// CPU's). The hook is per thread, so every set but `auto` runs on one thread.
func runElementwiseBench(arguments: [String]) {
    var sizes = [1_000, 100_000, 1_000_000, 10_000_000]
    var dtypes = ["float32", "float64"]
    var ops = ElementwiseBenchOp.allCases.map(\.rawValue)
    var repeats = 7
    var threads: Int?
    var kernels = ["auto"]
    var i = 0
    func list(_ s: String) -> [String] { s.split(separator: ",").map { String($0) } }
    while i < arguments.count {
        let arg = arguments[i]
        let value = i + 1 < arguments.count ? arguments[i + 1] : ""
        switch arg {
        case "--sizes", "-n": sizes = list(value).compactMap { Int($0) }; i += 1
        case "--dtypes", "-d": dtypes = list(value); i += 1
        case "--ops", "-o": ops = list(value); i += 1
        case "--repeats", "-r": repeats = max(1, Int(value) ?? 7); i += 1
        case "--threads", "-t": threads = Int(value); i += 1
        case "--kernels", "-k": kernels = list(value); i += 1
        default:
            FileHandle.standardError.write(Data(
                "elementwise: unknown option \(arg). Options: --sizes 1000,1000000 --dtypes float32,float64 --ops \(ElementwiseBenchOp.allCases.map(\.rawValue).joined(separator: ",")) --repeats 7 --threads 2 --kernels auto,avx512,avx2,portable\n".utf8))
            exit(2)
        }
        i += 1
    }
    let selected = ops.compactMap { name -> ElementwiseBenchOp? in
        guard let op = ElementwiseBenchOp(rawValue: name) else {
            FileHandle.standardError.write(Data("elementwise: unknown op \(name)\n".utf8))
            exit(2)
        }
        return op
    }
    if let threads { ComputeThreads.count = threads }
    FileHandle.standardError.write(Data(
        "elementwise kernel: \(String(cString: bp_elementwise_kernel_name())), threads: \(ComputeThreads.count)\n".utf8))
    for dtype in dtypes {
        for n in sizes {
            for op in selected {
                for kernel in kernels {
                    let label: String? = kernels.count > 1 || kernel != "auto" ? kernel : nil
                    // The hook is per thread: a forced set runs on this thread only (the
                    // helpers would run the automatic one).
                    guard let code = ["auto": 0, "portable": 1, "avx2": 2, "avx512": 3][kernel] else {
                        FileHandle.standardError.write(Data("elementwise: unknown kernel set \(kernel) (auto, avx512, avx2, portable)\n".utf8))
                        exit(2)
                    }
                    _ = bp_elementwise_force_kernel(Int32(code))
                    let threadCount = ComputeThreads.count
                    if kernel != "auto" { ComputeThreads.count = 1 }
                    defer { ComputeThreads.count = threadCount }
                    switch dtype {
                    case "float32", "float": runElementwisePoint(Float.self, "float32", n: n, op: op, repeats: repeats, kernel: label)
                    case "float64", "double": runElementwisePoint(Double.self, "float64", n: n, op: op, repeats: repeats, kernel: label)
                    default:
                        FileHandle.standardError.write(Data("elementwise: unknown dtype \(dtype)\n".utf8))
                        exit(2)
                    }
                }
            }
        }
        _ = bp_elementwise_force_kernel(0)
    }
    if threads != nil { ComputeThreads.reset() }
}

/// The ops of `backprop-bench elementwise`, by their JSON name.
///
/// ```
/// y = op(x)  or  y = op(a, b)
/// ```
enum ElementwiseBenchOp: String, CaseIterable {
    /// Memory baselines: memcpy, and the STREAM triad a = b + s·c, into a preallocated
    /// buffer; and memcpy into a freshly allocated array (what every op's result costs).
    case copyBaseline = "copy-baseline", triadBaseline = "triad-baseline", freshCopyBaseline = "fresh-copy-baseline"
    /// Binary ops: same-shape sum and product, and a row vector added to every row.
    case add, multiply, biasAdd = "bias-add"
    /// Unary ops.
    case exp, log, tanh, sigmoid, relu
    /// The sum of all elements.
    case sum
    /// Softmax along the last axis of the bias-add matrix `[n / cols, cols]`.
    case softmax
    /// The backward rule of tanh alone: ∂x = g·(1 − y²) through `gradients(of:)`.
    case tanhBackward = "tanh-backward"
}

/// Columns of the bias-add matrix (`[n / cols, cols] + [cols]`), or n when smaller.
///
/// ```
/// cols = min(n, 1000)
/// ```
let elementwiseBiasColumns = 1_000

/// Measures `op` at `n` elements of type `T` and prints one line.
///
/// ```
/// ns_per_element = median(t) / n,   gbytes_per_s = bytes / median(t) / 10⁹
/// ```
func runElementwisePoint<T: TensorScalar>(
    _: T.Type, _ dtype: String, n: Int, op: ElementwiseBenchOp, repeats: Int, kernel: String?
) {
    // Inputs in (0.5, 2.5): inside every op's domain (log needs x > 0), away from saturation.
    let a = (0..<n).map { T(0.5 + 2.0 * Double(($0 &* 7919) % 10_007) / 10_007) }
    let b = (0..<n).map { T(0.5 + 2.0 * Double(($0 &* 104_729) % 10_009) / 10_009) }
    let ta = Tensor<T>(a), tb = Tensor<T>(b)
    let cols = min(n, elementwiseBiasColumns)
    let matrix = Tensor<T>(shape: [n / cols, cols], scalars: Array(a[0..<(n / cols * cols)]))
    let bias = Tensor<T>(Array(b[0..<cols]))
    let size = MemoryLayout<T>.stride
    do {
        var sink: T = 0
        let seconds: Double
        let bytes: Int
        switch op {
        case .copyBaseline:
            var dst = [T](repeating: 0, count: n)
            seconds = elementwiseMedianSeconds(repeats: repeats) {
                dst.withUnsafeMutableBufferPointer { d in
                    a.withUnsafeBufferPointer { s in
                        guard let db = d.baseAddress, let sb = s.baseAddress else { return }
                        memcpy(db, sb, n * size)
                    }
                }
            }
            sink += dst[n / 2]
            bytes = 2 * n * size
        case .freshCopyBaseline:
            seconds = elementwiseMedianSeconds(repeats: repeats) {
                let fresh = [T](unsafeUninitializedCapacity: n) { buffer, initialized in
                    a.withUnsafeBufferPointer { s in
                        if let db = buffer.baseAddress, let sb = s.baseAddress { memcpy(db, sb, n * size) }
                    }
                    initialized = n
                }
                sink += fresh.last ?? 0
            }
            bytes = 2 * n * size
        case .triadBaseline:
            var dst = [T](repeating: 0, count: n)
            let s: T = 3
            seconds = elementwiseMedianSeconds(repeats: repeats) {
                dst.withUnsafeMutableBufferPointer { d in
                    a.withUnsafeBufferPointer { x in
                        b.withUnsafeBufferPointer { y in
                            for i in 0..<n { d[i] = x[i] + s * y[i] }
                        }
                    }
                }
            }
            sink += dst[n / 2]
            bytes = 3 * n * size
        case .add:
            seconds = elementwiseMedianSeconds(repeats: repeats) { sink += lastElement(ta + tb) }
            bytes = 3 * n * size
        case .multiply:
            seconds = elementwiseMedianSeconds(repeats: repeats) { sink += lastElement(ta * tb) }
            bytes = 3 * n * size
        case .biasAdd:
            seconds = elementwiseMedianSeconds(repeats: repeats) { sink += lastElement(matrix + bias) }
            bytes = (2 * matrix.count + cols) * size
        case .exp:
            seconds = elementwiseMedianSeconds(repeats: repeats) { sink += lastElement(ta.exp()) }
            bytes = 2 * n * size
        case .log:
            seconds = elementwiseMedianSeconds(repeats: repeats) { sink += lastElement(ta.log()) }
            bytes = 2 * n * size
        case .tanh:
            seconds = elementwiseMedianSeconds(repeats: repeats) { sink += lastElement(ta.tanh()) }
            bytes = 2 * n * size
        case .sigmoid:
            seconds = elementwiseMedianSeconds(repeats: repeats) { sink += lastElement(ta.sigmoid()) }
            bytes = 2 * n * size
        case .relu:
            let shifted = ta - Tensor<T>(T(1.5))
            seconds = elementwiseMedianSeconds(repeats: repeats) { sink += lastElement(shifted.relu()) }
            bytes = 2 * n * size
        case .sum:
            seconds = elementwiseMedianSeconds(repeats: repeats) { sink += ta.sum().scalar }
            bytes = n * size
        case .softmax:
            seconds = elementwiseMedianSeconds(repeats: repeats) { sink += lastElement(matrix.softmax()) }
            bytes = 2 * matrix.count * size
        case .tanhBackward:
            let x = Tensor<T>(a, requiresGradient: true)
            let y = x.tanh()
            seconds = elementwiseMedianSeconds(repeats: repeats) {
                sink += lastElement(gradients(of: y, withRespectTo: [x], upstream: tb)[0])
            }
            bytes = 3 * n * size
        }
        let elements = op == .biasAdd || op == .softmax ? matrix.count : n
        if sink.isNaN { FileHandle.standardError.write(Data("elementwise: NaN result in \(op.rawValue)\n".utf8)) }
        var fields: [(String, Any)] = [("bench", "elementwise"), ("op", op.rawValue), ("dtype", dtype), ("n", elements)]
        if let kernel { fields.append(("kernel", kernel)) }
        fields += [("threads", ComputeThreads.count),
                   ("ns_per_element", seconds * 1e9 / Double(max(1, elements))),
                   ("gbytes_per_s", Double(bytes) / seconds / 1e9)]
        Bench.emit(fields)
    }
}

/// The last element of `t` (0 if it has none), read in place: `scalars` would copy the
/// whole result into an array on every call and double what the op is charged for.
///
/// ```
/// lastElement(t) = t[shape₀ − 1, …, shapeₙ₋₁ − 1]
/// ```
func lastElement<T: TensorScalar>(_ t: Tensor<T>) -> T {
    guard t.count > 0 else { return 0 }
    switch t.rank {
    case 0: return t.scalar
    case 1: return t[t.count - 1]
    case 2: return t[t.shape[0] - 1, t.shape[1] - 1]
    default: return t.reshaped(to: [t.count])[t.count - 1]
    }
}

/// Median wall time of one call of `body`, over `repeats` samples; each sample runs
/// `body` enough times to last about 2 ms (at least once) and is divided by that count.
/// One untimed call first (page faults of fresh buffers, lazy initialisation).
///
/// ```
/// t = median over samples of (sample time / calls per sample)
/// ```
func elementwiseMedianSeconds(repeats: Int, _ body: () -> Void) -> Double {
    body()
    let t0 = Bench.now()
    body()
    let once = max(1, Double(Bench.now() - t0)) * 1e-9
    let calls = max(1, Int(0.002 / once))
    var samples: [Double] = []
    samples.reserveCapacity(repeats)
    for _ in 0..<repeats {
        let start = Bench.now()
        for _ in 0..<calls { body() }
        samples.append(Double(Bench.now() - start) * 1e-9 / Double(calls))
    }
    return Bench.median(samples)
}
