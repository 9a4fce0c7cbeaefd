import Backprop
import BackpropTeaching
import Foundation

// The `backprop` command. With no arguments it walks through the 2-2-2 sigmoid
// network of COMP417 Lecture 8: forward pass, error, every chain-rule factor, a
// numerical gradient check, one update, and an audit of the document's numbers.

let usage = """
    usage: backprop [--format text|markdown|latex]
           backprop walkthrough                      list the walkthroughs
           backprop walkthrough ID [--format text|markdown|latex] [--json] [--dot [--svg FILE]]
           backprop train xor|moons|spirals|digits|csv … (backprop train for options)
           backprop inspect FILE.safetensors
           backprop plot loss|landscape|boundary-xor|boundary-moons [--output FILE.svg]
           backprop explain ID --html FILE          a step-through page of a walkthrough's graph
           backprop help

    With no arguments: the 2-2-2 sigmoid network of lecture 8 (shared/seeds/003_…),
    step by step: forward pass, error, every chain-rule product, a numerical
    gradient check, one gradient-descent update, and an audit of every number
    the document prints (MATCH / ROUNDING / WRONG).

    walkthrough ID     one worked example of the lecture notes, recomputed by the engine
      --format F       text (default), markdown or latex
      --json           one JSON object: id, source, parameters, forward, loss,
                       gradients, updated, audit
      --dot            the loss graph in Graphviz DOT (values, gradients, ops, labels)
      --svg FILE       with --dot: also render FILE with Graphviz `dot`, if installed
    """

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("backprop: \(message)\n\n\(usage)\n".utf8))
    exit(2)
}

/// Removes `--name VALUE` from `arguments` and returns VALUE.
func option(_ name: String, in arguments: inout [String]) -> String? {
    guard let i = arguments.firstIndex(of: name) else { return nil }
    guard i + 1 < arguments.count, !arguments[i + 1].hasPrefix("--") else { fail("\(name) needs a value") }
    let value = arguments[i + 1]
    arguments.removeSubrange(i...(i + 1))
    return value
}

/// Removes the flag `name` from `arguments` and says whether it was there.
func flag(_ name: String, in arguments: inout [String]) -> Bool {
    guard let i = arguments.firstIndex(of: name) else { return false }
    arguments.remove(at: i)
    return true
}

/// Renders DOT to SVG with Graphviz, when `dot` is on the PATH.
func renderSVG(_ source: String, to path: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["dot", "-Tsvg", "-o", path]
    let input = Pipe()
    process.standardInput = input
    process.standardError = FileHandle.nullDevice
    do {
        try process.run()
        input.fileHandleForWriting.write(Data(source.utf8))
        try input.fileHandleForWriting.close()
        process.waitUntilExit()
    } catch {
        FileHandle.standardError.write(Data("backprop: Graphviz `dot` could not be run; SVG not written\n".utf8))
        return
    }
    if process.terminationStatus != 0 {
        FileHandle.standardError.write(Data("backprop: Graphviz `dot` is not installed or failed; SVG not written (the DOT text is on stdout)\n".utf8))
    }
}

var arguments = Array(CommandLine.arguments.dropFirst())
// Subcommands that parse their own options (--lr, --save, --output, …) get the rest of
// the arguments before the walkthrough options below are looked for.
switch arguments.first {
case "train", "inspect", "plot", "explain":
    let rest = Array(arguments.dropFirst())
    do {
        switch arguments[0] {
        case "train": try TrainCommand.run(rest)
        case "inspect": try InspectCommand.run(rest)
        case "plot": try PlotCommand.run(rest)
        default: try ExplainCommand.run(rest)
        }
    } catch let e as TrainCommand.Failure {
        fail(e.message)
    }
    exit(0)
default:
    break
}
var format = ExplanationFormat.text
if let f = option("--format", in: &arguments) {
    guard let parsed = ExplanationFormat(rawValue: f) else { fail("unknown format '\(f)': use text, markdown or latex") }
    format = parsed
}
let wantsJSON = flag("--json", in: &arguments)
var wantsDOT = flag("--dot", in: &arguments)
let svgPath = option("--svg", in: &arguments)
if svgPath != nil { wantsDOT = true }   // --svg implies --dot
if let unknown = arguments.first(where: { $0.hasPrefix("-") && !["-h", "--help"].contains($0) }) {
    fail("unknown option '\(unknown)'")
}

switch arguments.first {
case nil:
    guard !wantsJSON && !wantsDOT else { fail("--json and --dot need a walkthrough: backprop walkthrough ID --json") }
    print(Walkthrough.sigmoid222LR06(format: format).rendered(format))
case "help", "--help", "-h":
    print(usage)
case "walkthrough":
    guard arguments.count <= 2 else { fail("unexpected argument '\(arguments[2])'") }
    guard arguments.count == 2 else {
        let width = Walkthrough.catalog.map(\.id.count).max() ?? 0
        print("Walkthroughs (backprop walkthrough ID):")
        for entry in Walkthrough.catalog {
            print("  " + entry.id + String(repeating: " ", count: width - entry.id.count) + "  " + entry.summary)
        }
        exit(0)
    }
    let id = arguments[1]
    guard let walkthrough = Walkthrough.named(id, format: format) else {
        fail("unknown walkthrough '\(id)'; known: \(Walkthrough.catalog.map(\.id).joined(separator: ", "))")
    }
    if wantsJSON {
        print(walkthrough.json.encoded())
    } else if wantsDOT {
        guard let graph = walkthrough.graph else { fail("walkthrough '\(id)' has no single loss graph to export") }
        let source = dot(graph, title: id)
        print(source)
        if let path = svgPath { renderSVG(source, to: path) }
    } else {
        print(walkthrough.rendered(format))
    }
default:
    fail("unknown command '\(arguments[0])'")
}
