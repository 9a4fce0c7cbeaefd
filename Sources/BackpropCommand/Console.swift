import Foundation

/// Where the command writes: standard output and standard error of the process, or, in
/// tests, two closures that collect the text.
struct Console {
    /// Receives text for standard output (each call one complete piece, newline included).
    let standardOutput: (String) -> Void
    /// Receives text for standard error.
    let standardError: (String) -> Void

    /// Writes `line` and a newline to standard output, like `Swift.print`.
    func print(_ line: String) { standardOutput(line + "\n") }

    /// Writes `text` to standard error as it is.
    func error(_ text: String) { standardError(text) }
}

/// A usage error: the command prints `backprop: MESSAGE`, then the usage, on standard
/// error, and exits with status 2.
struct CommandFailure: Error {
    let message: String
}

/// A failure of a run that was used correctly (a diverged training): exit status 1 and
/// `backprop: MESSAGE` on standard error, without the usage; an interrupted training
/// exits with status 130 (see `Interrupts`).
struct RunFailure: Error {
    let message: String
    var status: Int32 = 1
}
