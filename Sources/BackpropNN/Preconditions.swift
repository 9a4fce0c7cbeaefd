/// Checks a precondition of BackpropNN's public API and stops with `message` (and the
/// caller's file and line) when it fails.
///
/// Swift's `precondition` prints its message only in debug builds: in `-O` builds a
/// failure is a bare trap ("Illegal instruction") that names nothing. Bad arguments are
/// programming errors, so they still trap here, but through `fatalError`, which prints
/// the message in every configuration, as the tensor engine's shape errors do.
@inline(__always)
func nnPrecondition(
    _ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String,
    file: StaticString = #fileID, line: UInt = #line
) {
    if !condition() { fatalError(message(), file: file, line: line) }
}

/// Stops with `message` (and the caller's file and line): a failed precondition found
/// inside inlinable code.
@usableFromInline
func nnFailure(_ message: String, file: StaticString = #fileID, line: UInt = #line) -> Never {
    fatalError(message, file: file, line: line)
}
