import CBackpropKernels
import Foundation

/// The machine's FMA peak, measured by the bench itself (independent vector FMAs in the
/// widest unit, `bp_peak_fma_flops`), so each figure can be given as a fraction of it:
/// the distance to the physical limit, comparable across machines where absolute
/// GFLOP/s are not.
enum Peak {
    /// GFLOP/s of `threads` cores together, Float or Double: best of 5 runs of ~50 ms each.
    static func gflops(isDouble: Bool, threads: Int) -> Double {
        let key = cacheKey(isDouble: isDouble, threads: threads)
        lock.lock()
        if let known = cache[key] { lock.unlock(); return known }
        lock.unlock()
        return measure(isDouble: isDouble, threads: threads, atLeast: 0)
    }

    /// Measures the peak again and keeps the larger of the new figure and `atLeast`.
    private static func measure(isDouble: Bool, threads: Int, atLeast: Double) -> Double {
        let iterations = 2_000_000
        var best = atLeast
        for _ in 0..<5 {
            // Threads of their own, started together (`bp_peak_fma_gflops`): Dispatch's
            // `concurrentPerform` once ran both iterations on one thread after a run of
            // small steps, and the peak read as one core's.
            best = Swift.max(best, bp_peak_fma_gflops(isDouble ? 1 : 0, iterations, Int32(threads)))
        }
        lock.lock()
        cache[cacheKey(isDouble: isDouble, threads: threads)] = best
        lock.unlock()
        return best
    }

    /// `gflops` as a fraction of the peak of `threads` cores (NaN when the environment sets
    /// `BACKPROP_BENCH_NO_PEAK`, as for runs under callgrind).
    static func fraction(_ gflops: Double, isDouble: Bool, threads: Int) -> Double {
        // Under an instruction counter the peak loop takes minutes and means nothing.
        if ProcessInfo.processInfo.environment["BACKPROP_BENCH_NO_PEAK"] != nil { return .nan }
        let peak = Self.gflops(isDouble: isDouble, threads: threads)
        guard gflops > peak else { return gflops / peak }
        // Above 1: the peak was measured while the host lent fewer or slower cores (seen
        // on a shared KVM host: a two-core peak of one core's). Measure it again and keep
        // the better figure; if the fraction is still above 1, say so.
        let again = measure(isDouble: isDouble, threads: threads, atLeast: peak)
        if gflops > again {
            FileHandle.standardError.write(Data(String(format: "note: %.1f GFLOP/s is above the measured peak of %d thread(s) (%.1f, measured twice): the host's speed changed during the run\n", gflops, threads, again).utf8))
        }
        return gflops / again
    }

    /// The cache's key for a peak: the unit, the element type and the thread count.
    private static func cacheKey(isDouble: Bool, threads: Int) -> String {
        "\(unit)-\(isDouble ? "f64" : "f32")-\(threads)"
    }

    /// The vector unit measured ("avx512", "avx2", "scalar").
    static var unit: String { String(cString: bp_peak_unit()) }

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
