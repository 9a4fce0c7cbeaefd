import CBackpropKernels
import Foundation

/// The first op whose forward output or backward gradient held NaN or ±∞, found by
/// ``withAnomalyDetection(printing:_:)``.
public struct TensorAnomaly: Sendable, CustomStringConvertible, Equatable {
    /// Where the bad values appeared.
    public enum Phase: String, Sendable {
        /// In the op's result.
        case forward
        /// In the gradient the op's rule passed to one of its inputs.
        case backward
    }
    /// Forward or backward.
    public var phase: Phase
    /// The op's kind (`log`, `matmul`, `divide`, …).
    public var op: TensorOpKind
    /// The shapes of the op's inputs.
    public var inputShapes: [[Int]]
    /// `File.swift:line` where the op was called, when known (named methods such as
    /// `log()`, `adding(_:)`, `matmul(_:)` record it; the operators `+ − * /` cannot).
    public var location: String?
    /// How many NaN and infinite values, out of how many.
    public var nanCount: Int, infinityCount: Int, count: Int
    /// For backward anomalies: which input's gradient.
    public var inputIndex: Int?

    /// One line: phase, op, shapes, counts, location.
    public var description: String {
        let what = phase == .forward ? "result" : "gradient for input \(inputIndex ?? 0)"
        let place = location.map { " at \($0)" } ?? " (called through an operator; use the named method, e.g. adding(_:), for a location)"
        return "anomaly in \(phase.rawValue) pass: \(op) of \(inputShapes.map { "\($0)" }.joined(separator: ", ")): "
            + "\(what) has \(nanCount) NaN and \(infinityCount) infinite of \(count) values\(place)"
    }
}

/// Runs `body` with anomaly detection on for this thread: every tensor op checks its
/// result, and every backward rule checks the gradients it produces, for NaN and ±∞.
/// Returns the body's result and the first anomaly (nil when none), and prints that
/// anomaly to standard error when `printing` is true.
///
/// ```swift
/// let (loss, anomaly) = withAnomalyDetection { model(x).log().sum() }
/// if let anomaly { print(anomaly) }   // "anomaly in forward pass: log of [4, 3]: … at Model.swift:12"
/// ```
///
/// Off by default, and free when off: an op then reads one thread-local pointer. While
/// on, each op scans its output (one pass over memory). Synchronous bodies only.
public func withAnomalyDetection<R>(printing: Bool = true, _ body: () throws -> R) rethrows -> (result: R, anomaly: TensorAnomaly?) {
    let recorder = AnomalyRecorder()
    let previous = bp_set_anomaly_recorder(Unmanaged.passUnretained(recorder).toOpaque())
    defer { _ = bp_set_anomaly_recorder(previous) }
    let result = try withExtendedLifetime(recorder) { try body() }
    if printing, let first = recorder.first {
        FileHandle.standardError.write(Data("Backprop: \(first)\n".utf8))
    }
    return (result, recorder.first)
}

/// Collects the first anomaly of a `withAnomalyDetection` scope.
final class AnomalyRecorder {
    var first: TensorAnomaly?
    /// True while backward rules run: their inner ops are not the user's ops, and a bad
    /// gradient is reported for the rule's op instead.
    var inBackward = false

    /// The recorder of this thread, if detection is on.
    @inline(__always)
    static var current: AnomalyRecorder? {
        guard let raw = bp_anomaly_recorder() else { return nil }
        return Unmanaged<AnomalyRecorder>.fromOpaque(raw).takeUnretainedValue()
    }

    /// Counts NaN and infinite values; nil when all are finite.
    static func census<Values: Collection>(_ values: Values) -> (nan: Int, infinity: Int)? where Values.Element: TensorScalar {
        var nan = 0, infinity = 0
        for v in values where !v.isFinite { if v.isNaN { nan += 1 } else { infinity += 1 } }
        return nan + infinity == 0 ? nil : (nan, infinity)
    }

    /// Records a forward anomaly if `values` are not all finite (and none was recorded yet).
    func checkForward<Scalar: TensorScalar>(_ values: TensorStorage<Scalar>, op: TensorOpKind, inputs: [[Int]], location: String?) {
        guard first == nil, !inBackward, let (nan, inf) = AnomalyRecorder.census(values) else { return }
        first = TensorAnomaly(phase: .forward, op: op, inputShapes: inputs, location: location,
                              nanCount: nan, infinityCount: inf, count: values.count, inputIndex: nil)
    }

    /// Records a backward anomaly for input `index` of `node`.
    func checkBackward<Scalar: TensorScalar>(_ gradient: Tensor<Scalar>, node: TensorNode<Scalar>, index: Int) {
        guard first == nil, let op = node.op, let (nan, inf) = AnomalyRecorder.census(gradient.storage) else { return }
        first = TensorAnomaly(phase: .backward, op: op.kind, inputShapes: node.inputs.map(\.shape), location: node.location,
                              nanCount: nan, infinityCount: inf, count: gradient.count, inputIndex: index)
    }
}

/// `File.swift:line` for a call site inside user code; nil for the library's own files
/// (operators, which cannot take a location).
func callSite(_ file: StaticString, _ line: UInt) -> String? {
    let f = "\(file)"
    if f.hasPrefix("Backprop/") { return nil }
    return "\(f):\(line)"
}
