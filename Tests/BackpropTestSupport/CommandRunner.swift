import BackpropCommand
import Foundation

/// Collects what the command writes to one stream.
private final class TextBuffer: @unchecked Sendable {
    private let lock = NSLock()
    private var storage = ""
    func append(_ text: String) { lock.lock(); storage += text; lock.unlock() }
    var text: String { lock.lock(); defer { lock.unlock() }; return storage }
}

/// Runs the `backprop` command in-process (the same code `swift run backprop` runs) and
/// returns its exit status and everything it wrote to standard output and standard error.
///
/// ```
/// runBackprop(["walkthrough", "nope"])  // (2, "", "backprop: unknown walkthrough 'nope'; …")
/// ```
public func runBackprop(_ arguments: [String]) -> (status: Int32, out: String, err: String) {
    let out = TextBuffer(), err = TextBuffer()
    let status = BackpropCommand.run(arguments: arguments, standardOutput: out.append, standardError: err.append)
    return (status, out.text, err.text)
}
