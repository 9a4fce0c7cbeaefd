import Testing
import Foundation
@testable import Backprop

/// The recording mode: one thread-local word, on exactly while this thread traces a
/// program or detects anomalies (the eager engine checks it once per recorded op).
@Suite("Recording mode")
struct RecordingModeTests {
    struct Stop: Error {}

    final class Flag: @unchecked Sendable { var value: Bool? }

    @Test("on while tracing, off after a trace that compiles, throws or is refused, and paused by withTracingPaused")
    func tracing() throws {
        #expect(!isInRecordingMode)
        var seen: [Bool] = []
        _ = try TensorProgram<Double>(inputs: [Tensor([1, 2])]) { x in
            seen.append(isInRecordingMode)
            withTracingPaused { seen.append(isInRecordingMode) }
            seen.append(isInRecordingMode)
            return [x[0] * x[0]]
        }
        #expect(seen == [true, false, true])
        #expect(!isInRecordingMode)
        #expect(throws: Stop.self) { _ = try TensorProgram<Double>(inputs: [Tensor([1])]) { _ in throw Stop() } }
        #expect(!isInRecordingMode)
        #expect(throws: TensorProgramError.self) {
            _ = try TensorProgram<Double>(inputs: [Tensor([1])]) { x in [x[0] * Tensor(x[0].scalar)] }
        }
        #expect(!isInRecordingMode)
    }

    @Test("anomaly detection and a nested trace each keep their own part of the word")
    func nested() {
        _ = withAnomalyDetection(printing: false) {
            #expect(isInRecordingMode)
            let program = try? TensorProgram<Double>(inputs: [Tensor([1])]) { x in
                #expect(isInRecordingMode)
                return [x[0].tanh()]
            }
            #expect(program != nil)
            #expect(isInRecordingMode, "anomaly detection is still on after the nested trace")
            withTracingPaused { #expect(isInRecordingMode, "pausing a trace leaves anomaly detection on") }
        }
        #expect(!isInRecordingMode)
    }

    @Test("another thread does not see this thread's trace")
    func otherThreads() throws {
        let flag = Flag()
        _ = try TensorProgram<Double>(inputs: [Tensor([1])]) { x in
            let done = DispatchSemaphore(value: 0)
            let thread = Thread {
                flag.value = isInRecordingMode
                done.signal()
            }
            thread.start()
            done.wait()
            return [x[0] + x[0]]
        }
        #expect(flag.value == false)
    }
}
