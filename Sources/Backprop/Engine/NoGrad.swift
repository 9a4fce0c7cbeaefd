import CBackpropKernels

/// Evaluates `body` without recording operations in any graph (scalar or tensor).
///
/// Inside the scope every op still computes its forward value, but the result is a
/// constant: it has no inputs, and backward passes stop at it. Scopes nest. The flag
/// is per thread, so the body must be synchronous (it cannot `await`).
///
/// ```swift
/// let y = withoutGradients { model(x) }   // no graph, no memory for backward
/// ```
@inlinable
public func withoutGradients<R>(_ body: () throws -> R) rethrows -> R {
    bp_no_grad_enter()
    defer { bp_no_grad_leave() }
    return try body()
}

/// Whether ops on the calling thread record graph nodes (false inside `withoutGradients`).
@inlinable
public var isRecordingGradients: Bool { bp_no_grad_depth() == 0 }
