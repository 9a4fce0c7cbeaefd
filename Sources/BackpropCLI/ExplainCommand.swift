import BackpropTeaching
import Foundation

/// `backprop explain ID --html FILE`: one self-contained HTML page stepping through the
/// forward and backward pass of a walkthrough's loss graph.
enum ExplainCommand {
    static let usage = """
        usage: backprop explain ID --html FILE
          ID   a walkthrough with one loss graph (e.g. sigmoid-222-lr06, sigmoid-222; see `backprop walkthrough`)
        """

    static func run(_ arguments: [String]) throws {
        throw TrainCommand.Failure(message: "explain: not yet\n\n\(usage)")
    }
}
