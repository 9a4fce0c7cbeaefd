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

/// A usage error: the command prints `backprop: MESSAGE` and ``see `backprop SUBCOMMAND --help` ``
/// on standard error, and exits with status 2.
struct CommandFailure: Error {
    /// One line: what is wrong.
    let message: String
    /// The subcommand whose `--help` the error points to (nil: the top-level usage); set
    /// by the dispatcher.
    var subcommand: String? = nil
}

/// A failure of a run that was used correctly (a diverged training): exit status 1 and
/// `backprop: MESSAGE` on standard error, without the usage; an interrupted training
/// exits with status 130 (see `Interrupts`).
struct RunFailure: Error {
    let message: String
    var status: Int32 = 1
}
