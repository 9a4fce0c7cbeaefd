import CBackpropKernels
import Dispatch
import Foundation

/// The machine's FMA peak, measured by the bench itself (independent vector FMAs in the
/// widest unit, `bp_peak_fma_flops`), so each figure can be given as a fraction of it:
/// the distance to the physical limit, comparable across machines where absolute
/// GFLOP/s are not.
enum Peak {
    /// GFLOP/s of `threads` cores together, Float or Double: best of 5 runs of ~50 ms each.
    static func gflops(isDouble: Bool, threads: Int) -> Double {
        let key = "\(isDouble ? "f64" : "f32")-\(threads)"
        lock.lock()
        if let known = cache[key] { lock.unlock(); return known }
        lock.unlock()
        let iterations = 2_000_000
        var best = 0.0
        for _ in 0..<5 {
            let t0 = Bench.now()
            // Every thread does the same work: flops = threads × one thread's count.
            let flops = Atomic<Double>(0)
            DispatchQueue.concurrentPerform(iterations: threads) { _ in
                let done = bp_peak_fma_flops(isDouble ? 1 : 0, iterations)
                if done > 0 { flops.add(done) }
            }
            let seconds = Double(Bench.now() - t0) * 1e-9
            best = Swift.max(best, flops.value / seconds / 1e9)
        }
        lock.lock()
        cache[key] = best
        lock.unlock()
        return best
    }

    /// `gflops` as a fraction of the peak of `threads` cores (NaN when the environment sets
    /// `BACKPROP_BENCH_NO_PEAK`, as for runs under callgrind).
    static func fraction(_ gflops: Double, isDouble: Bool, threads: Int) -> Double {
        // Under an instruction counter the peak loop takes minutes and means nothing.
        if ProcessInfo.processInfo.environment["BACKPROP_BENCH_NO_PEAK"] != nil { return .nan }
        return gflops / Self.gflops(isDouble: isDouble, threads: threads)
    }

    /// The vector unit measured ("avx512", "avx2", "scalar").
    static var unit: String { String(cString: bp_peak_unit()) }

    /// A Double that threads add to under a lock.
    final class Atomic<T: AdditiveArithmetic>: @unchecked Sendable {
        private var stored: T
        private let lock = NSLock()
        init(_ value: T) { stored = value }
        func add(_ x: T) { lock.lock(); stored += x; lock.unlock() }
        var value: T { lock.lock(); defer { lock.unlock() }; return stored }
    }

    nonisolated(unsafe) private static var cache: [String: Double] = [:]
    private static let lock = NSLock()
}

/// `backprop-bench peak`: the FMA peak of this machine, Float and Double, one core and all.
func runPeakBench(arguments: [String]) {
    let all = ProcessInfoThreads.count
    for isDouble in [false, true] {
        for threads in Set([1, all]).sorted() {
            Bench.emit([("bench", "peak-fma"), ("dtype", isDouble ? "float64" : "float32"), ("unit", Peak.unit),
                        ("threads", threads), ("gflops", Peak.gflops(isDouble: isDouble, threads: threads))])
        }
    }
}
