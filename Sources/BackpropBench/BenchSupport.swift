import CBackpropKernels
import Foundation

/// Shared helpers for the benchmarks: timing, medians, peak memory, JSON lines.
enum Bench {
    /// Monotonic time in nanoseconds.
    static func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

    /// `--kernel NAME` for `bench` (`matmul`, `mlp`): GEMM, skinny and elementwise kernels
    /// no wider than that unit (`portable`, `avx2`, `avx512`), and the FMA peak of that unit
    /// for `fraction_of_peak`, so an AVX2 machine's kernels can be measured on an AVX-512
    /// one. Exits with a message for an unknown name.
    static func forceKernel(named name: String, bench: String) {
        let units = ["portable": Int32(1), "avx2": 2, "avx512": 3]
        guard let unit = units[name] else {
            FileHandle.standardError.write(Data("\(bench): unknown kernel '\(name)' (avx512, avx2 or portable)\n".utf8))
            exit(2)
        }
        _ = bp_gemm_force_kernel(unit)
        _ = bp_elementwise_force_kernel(unit)
        _ = bp_peak_force_unit(unit)
    }

    /// Median of a non-empty sample.
    static func median(_ xs: [Double]) -> Double {
        let s = xs.sorted()
        let n = s.count
        return n % 2 == 1 ? s[n / 2] : 0.5 * (s[n / 2 - 1] + s[n / 2])
    }

    /// Runs `body` `repeats` times and returns the median wall time in seconds.
    static func medianSeconds(repeats: Int, _ body: () -> Void) -> Double {
        var times: [Double] = []
        times.reserveCapacity(repeats)
        for _ in 0..<repeats {
            let t0 = now()
            body()
            times.append(Double(now() - t0) * 1e-9)
        }
        return median(times)
    }

    /// Peak resident set size of this process in MiB (VmHWM), or nil when unavailable.
    static func peakRSSMegabytes() -> Double? {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            let digits = line.split(separator: " ").compactMap { Double($0) }
            if let kb = digits.first { return kb / 1024 }
        }
        return nil
    }

    /// Resets the peak RSS counter (Linux: write 5 to /proc/self/clear_refs). Returns false when not possible.
    @discardableResult
    static func resetPeakRSS() -> Bool {
        guard let handle = FileHandle(forWritingAtPath: "/proc/self/clear_refs") else { return false }
        defer { try? handle.close() }
        do { try handle.write(contentsOf: Data("5".utf8)) } catch { return false }
        return true
    }

    /// Prints one JSON object per line with keys in the given order.
    static func emit(_ fields: [(String, Any)]) {
        var parts: [String] = []
        for (k, v) in fields {
            let value: String
            switch v {
            case let s as String: value = "\"\(s)\""
            case let d as Double: value = d.isFinite ? String(format: "%.6g", d) : "null"
            case let i as Int: value = String(i)
            case let b as Bool: value = b ? "true" : "false"
            default: value = "\"\(v)\""
            }
            parts.append("\"\(k)\":\(value)")
        }
        print("{" + parts.joined(separator: ",") + "}")
        fflush(nil)
    }
}
