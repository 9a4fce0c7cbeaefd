import Backprop
import BackpropTeaching
import Foundation

// The `backprop` command. With no arguments it walks through the 2-2-2 sigmoid
// network of COMP417 Lecture 8: forward pass, error, every chain-rule factor, a
// numerical gradient check, one update, and an audit of the document's numbers.

let usage = """
    usage: backprop [--format text|markdown|latex]
           backprop help

    With no arguments: the 2-2-2 sigmoid network of lecture 8 (shared/seeds/003_…),
    step by step: forward pass, error, every chain-rule product, a numerical
    gradient check, one gradient-descent update, and an audit of every number
    the document prints (MATCH / ROUNDING / WRONG).
    """

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("backprop: \(message)\n\n\(usage)\n".utf8))
    exit(2)
}

var arguments = Array(CommandLine.arguments.dropFirst())
var format = ExplanationFormat.text
if let i = arguments.firstIndex(of: "--format") {
    guard i + 1 < arguments.count else { fail("--format needs a value: text, markdown or latex") }
    guard let f = ExplanationFormat(rawValue: arguments[i + 1]) else {
        fail("unknown format '\(arguments[i + 1])': use text, markdown or latex")
    }
    format = f
    arguments.removeSubrange(i...(i + 1))
}
switch arguments.first {
case nil:
    print(Walkthrough.sigmoid222LR06(format: format).rendered(format))
case "train":
    do { try TrainCommand.run(Array(arguments.dropFirst())) } catch let e as TrainCommand.Failure { fail(e.message) }
case "inspect":
    do { try InspectCommand.run(Array(arguments.dropFirst())) } catch let e as TrainCommand.Failure { fail(e.message) }
case "help", "--help", "-h":
    print(usage)
default:
    fail("unknown command '\(arguments[0])'")
}
