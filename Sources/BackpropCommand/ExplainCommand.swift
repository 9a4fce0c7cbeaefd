import BackpropTeaching
import Foundation

/// `backprop explain ID --html FILE`: one self-contained HTML page stepping through the
/// forward and backward pass of a walkthrough's loss graph.
enum ExplainCommand {
    static let usage = """
        usage: backprop explain ID --html FILE
          ID          a walkthrough with one loss graph, e.g. sigmoid-222-lr06 or sigmoid-222
                      (list: backprop walkthrough)
          --html FILE write the step-through page to FILE (one self-contained HTML file; open it
                      in a browser, step with Next/Previous or ←/→; FILE#step=N opens step N)
        """

    static func run(_ arguments: [String], console: Console) throws {
        var rest = arguments
        guard let i = rest.firstIndex(of: "--html") else { throw CommandFailure(message: "explain needs --html FILE") }
        guard i + 1 < rest.count else { throw CommandFailure(message: "--html needs a file name") }
        let path = rest[i + 1]
        rest.removeSubrange(i...(i + 1))
        if let unknown = rest.first(where: { $0.hasPrefix("-") }) {
            throw CommandFailure(message: "unknown option '\(echoed(unknown))'")
        }
        guard rest.count == 1, let id = rest.first else {
            throw CommandFailure(message: (rest.isEmpty ? "explain needs a walkthrough id" : "unexpected argument '\(echoed(rest[1]))'") + "")
        }
        guard let walkthrough = Walkthrough.named(id) else {
            throw CommandFailure(message: "unknown walkthrough '\(echoed(id))'; known: \(Walkthrough.catalog.map(\.id).joined(separator: ", "))")
        }
        guard let page = StepPage(walkthrough: walkthrough) else {
            let usable = Walkthrough.catalog.filter { StepPage(walkthrough: $0.make(.text)) != nil }.map(\.id)
            throw CommandFailure(message: "walkthrough '\(id)' has no single, consistent loss graph to step through "
                                       + "(its parameters change after the graph is recorded); use one of: \(usable.joined(separator: ", "))")
        }
        do {
            try page.html.write(toFile: path, atomically: true, encoding: .utf8)
        } catch {
            throw CommandFailure(message: "could not write \(echoed(path)): \(error.localizedDescription)")
        }
        console.print("wrote \(echoed(path)): \(page.steps.nodes.count) nodes, \(2 * page.steps.nodes.count) steps (forward, then backward)")
    }
}
