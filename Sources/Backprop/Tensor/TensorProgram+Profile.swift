// Per-instruction timing of a `TensorProgram` (for benchmarks and tuning).
import Dispatch
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension TensorProgram {
    /// Runs the program `runs` times on `inputs`, timing each instruction, and returns
    /// per instruction its listing line and its median time in nanoseconds: wall time, or
    /// with `threadCPU` the calling thread's CPU time (`CLOCK_THREAD_CPUTIME_ID`: not
    /// counting time the thread was preempted on a busy machine, nor the helper threads'
    /// share of a split product).
    ///
    /// ```
    /// t[i] = median over runs of (end of instruction i − start of instruction i)
    /// ```
    /// Precondition: the inputs have the traced shapes; `runs ≥ 1`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    package func profile(_ inputs: [Tensor<Scalar>], runs: Int, threadCPU: Bool = false) -> [(line: String, nanoseconds: Double)] {
        var samples = Array(repeating: [Double](), count: instructions.count)
        func now() -> UInt64 {
            guard threadCPU else { return DispatchTime.now().uptimeNanoseconds }
            #if canImport(Glibc) || canImport(Darwin)
            var t = timespec()
            clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
            return UInt64(t.tv_sec) &* 1_000_000_000 &+ UInt64(t.tv_nsec)
            #else
            return DispatchTime.now().uptimeNanoseconds
            #endif
        }
        for _ in 0..<Swift.max(1, runs) {
            for (i, x) in inputs.enumerated() { setInput(x, at: i) }
            beginRun(file: #fileID, line: #line)
            for i in instructions.indices {
                let t0 = now()
                perform(steps + i)
                samples[i].append(Double(now() - t0))
            }
            endRun()
        }
        let lines = description.split(separator: "\n").dropFirst().map(String.init)
        return samples.indices.map { i in
            let s = samples[i].sorted()
            return (lines[i], s[s.count / 2])
        }
    }
}
