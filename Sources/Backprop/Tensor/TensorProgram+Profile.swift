// Per-instruction timing of a `TensorProgram` (for benchmarks and tuning).
import Dispatch

extension TensorProgram {
    /// Runs the program `runs` times on `inputs`, timing each instruction, and returns
    /// per instruction its listing line and its median wall time in nanoseconds.
    ///
    /// ```
    /// t[i] = median over runs of (end of instruction i − start of instruction i)
    /// ```
    /// Precondition: the inputs have the traced shapes; `runs ≥ 1`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    package func profile(_ inputs: [Tensor<Scalar>], runs: Int) -> [(line: String, nanoseconds: Double)] {
        var samples = Array(repeating: [Double](), count: instructions.count)
        for _ in 0..<Swift.max(1, runs) {
            for (i, x) in inputs.enumerated() { setInput(x, at: i) }
            beginRun(file: #fileID, line: #line)
            for i in instructions.indices {
                let t0 = DispatchTime.now().uptimeNanoseconds
                perform(steps + i)
                samples[i].append(Double(DispatchTime.now().uptimeNanoseconds - t0))
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
