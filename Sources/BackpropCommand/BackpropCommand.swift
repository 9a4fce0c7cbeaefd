import BackpropNN
import Backprop
import BackpropTeaching
import Foundation

/// The `backprop` command, as a library: `Sources/BackpropCLI/main.swift` only calls
/// ``run(arguments:standardOutput:standardError:)`` and exits with its status, and the
/// tests call it in-process with the output collected.
///
/// With no arguments it walks through the 2-2-2 sigmoid network of COMP417 Lecture 8:
/// forward pass, error, every chain-rule factor, a numerical gradient check, one update,
/// and an audit of the document's numbers.
public enum BackpropCommand {
    /// The command's version, printed by `backprop --version`.
    public static let version = "0.1.0"

    /// The top-level usage, printed by `backprop --help` (or `-h`, or `backprop help`).
    public static let usage = """
        usage: backprop [--format text|markdown|latex]   the lecture-8 walkthrough (below)
               backprop walkthrough [ID] [options]        list the walkthroughs, or run one
               backprop train xor|moons|spirals|digits|csv [options]
               backprop predict MODEL.safetensors DATA.csv [--probabilities]
               backprop evaluate MODEL.safetensors DATA.csv [--label COLUMN]
               backprop inspect FILE.safetensors
               backprop plot loss|landscape|boundary-xor|boundary-moons [--output FILE.svg]
               backprop explain ID --html FILE
               backprop help [SUBCOMMAND]   or   backprop SUBCOMMAND --help
               backprop --version

        With no arguments: the 2-2-2 sigmoid network of COMP417 Lecture 8 ("Learning the
        Network: Backpropagation Part 3", the worked example), step by step: forward pass,
        error, every chain-rule product, a numerical gradient check, one gradient-descent
        update, and an audit of every number the lecture prints (MATCH / ROUNDING / WRONG).
          --format F       text (default), markdown or latex
        """

    /// The usage of `backprop walkthrough`.
    static let walkthroughUsage = """
        usage: backprop walkthrough                 list the walkthroughs
               backprop walkthrough ID [--format text|markdown|latex] [--json] [--dot [--svg FILE]]
          ID               one worked example of the lecture notes, recomputed by the engine
          --format F       text (default), markdown or latex
          --json           one JSON object: id, source, parameters, forward, loss,
                           gradients, updated, audit
          --dot            the loss graph in Graphviz DOT (values, gradients, ops, labels)
          --svg FILE       with --dot: also render FILE with Graphviz `dot`, if installed
        """

    /// The usage of `subcommand` (`backprop SUBCOMMAND --help`), or nil for an unknown one.
    static func usage(of subcommand: String?) -> String? {
        switch subcommand {
        case nil, "help": return usage
        case "walkthrough": return walkthroughUsage
        case "train": return TrainCommand.usage
        case "predict": return PredictCommand.usage
        case "evaluate": return EvaluateCommand.usage
        case "inspect": return InspectCommand.usage
        case "plot": return PlotCommand.usage
        case "explain": return ExplainCommand.usage
        default: return nil
        }
    }

    /// Runs the command with `arguments` (without the program name) and returns its exit
    /// status: 0 on success, 2 on a usage or input error, after one line `backprop: MESSAGE`
    /// and ``see `backprop SUBCOMMAND --help` `` on standard error (nothing is half-run), 1
    /// when a run fails (a training that diverged: nothing is saved), after
    /// `backprop: MESSAGE`; 130 when Ctrl-C stopped a training (see Docs/Robustness.md).
    /// `--help` or `-h` prints the usage of the subcommand it follows on standard output
    /// and exits 0.
    ///
    /// - Parameters:
    ///   - standardOutput: receives the output, one complete piece per call (default: the
    ///     process's standard output).
    ///   - standardError: receives errors and notes (default: the process's standard error).
    public static func run(
        arguments: [String],
        standardOutput: @escaping (String) -> Void = { FileHandle.standardOutput.write(Data($0.utf8)) },
        standardError: @escaping (String) -> Void = { FileHandle.standardError.write(Data($0.utf8)) }
    ) -> Int32 {
        let console = Console(standardOutput: standardOutput, standardError: standardError)
        do {
            try run(arguments, console: console)
            return 0
        } catch let failure as CommandFailure {
            let help = failure.subcommand.map { "backprop \($0) --help" } ?? "backprop --help"
            console.error("backprop: \(linesSafe(failure.message))\nsee `\(help)`\n")
            return 2
        } catch let failure as RunFailure {
            console.error("backprop: \(linesSafe(failure.message))\n")
            return failure.status
        } catch {
            console.error("backprop: \(linesSafe("\(error)"))\n")
            return 1
        }
    }

    /// `message` with each line escaped for the terminal (``terminalSafe(_:limit:)``):
    /// messages may quote arguments or file contents, which must not drive the terminal.
    static func linesSafe(_ message: String) -> String {
        message.split(separator: "\n", omittingEmptySubsequences: false).map { terminalSafe($0) }.joined(separator: "\n")
    }

    /// Dispatches to the subcommands; throws ``CommandFailure`` on a usage error.
    static func run(_ arguments: [String], console: Console) throws {
        if arguments == ["--version"] {
            console.print("backprop \(version)")
            return
        }
        // `backprop SUBCOMMAND … --help` and `backprop help SUBCOMMAND`: that usage, nothing run.
        let first = arguments.first
        if arguments.contains("--help") || arguments.contains("-h") || first == "help" {
            let subcommand = first == "help" || first?.hasPrefix("-") == true ? arguments.dropFirst().first { !$0.hasPrefix("-") } : first
            guard let text = usage(of: subcommand) else {
                throw CommandFailure(message: "unknown command '\(subcommand ?? "")'")
            }
            console.print(text)
            return
        }
        // Subcommands that parse their own options (--lr, --save, --output, …) get the rest
        // of the arguments before the walkthrough options below are looked for.
        let rest = Array(arguments.dropFirst())
        do {
            switch first {
            case "train": return try TrainCommand.run(rest, console: console)
            case "predict": return try PredictCommand.run(rest, console: console)
            case "evaluate": return try EvaluateCommand.run(rest, console: console)
            case "inspect": return try InspectCommand.run(rest, console: console)
            case "plot": return try PlotCommand.run(rest, console: console)
            case "explain": return try ExplainCommand.run(rest, console: console)
            case "walkthrough": return try runWalkthroughs(arguments, console: console)
            default: break
            }
        } catch var failure as CommandFailure {
            failure.subcommand = failure.subcommand ?? first
            throw failure
        }
        try runWalkthroughs(arguments, console: console)
    }

    /// `backprop [--format F]` and `backprop walkthrough …`.
    static func runWalkthroughs(_ arguments: [String], console: Console) throws {
        var arguments = arguments
        var format = ExplanationFormat.text
        if let f = try option("--format", in: &arguments) {
            guard let parsed = ExplanationFormat(rawValue: f) else {
                throw CommandFailure(message: "unknown format '\(echoed(f))': use text, markdown or latex")
            }
            format = parsed
        }
        let wantsJSON = flag("--json", in: &arguments)
        var wantsDOT = flag("--dot", in: &arguments)
        let svgPath = try option("--svg", in: &arguments)
        if svgPath != nil { wantsDOT = true }   // --svg implies --dot
        if let unknown = arguments.first(where: { $0.hasPrefix("-") }) {
            throw CommandFailure(message: "unknown option '\(echoed(unknown))'")
        }

        switch arguments.first {
        case nil:
            guard !wantsJSON && !wantsDOT else {
                throw CommandFailure(message: "--json and --dot need a walkthrough: backprop walkthrough ID --json")
            }
            console.print(fitted(Walkthrough.sigmoid222LR06(format: format).rendered(format), format))
        case "walkthrough":
            guard arguments.count <= 2 else { throw CommandFailure(message: "unexpected argument '\(echoed(arguments[2]))'") }
            guard arguments.count == 2 else {
                let width = Walkthrough.catalog.map(\.id.count).max() ?? 0
                console.print("Walkthroughs (backprop walkthrough ID):")
                for entry in Walkthrough.catalog {
                    console.print(wrapped("  " + entry.id + String(repeating: " ", count: width - entry.id.count) + "  " + entry.summary))
                }
                return
            }
            let id = arguments[1]
            guard let walkthrough = Walkthrough.named(id, format: format) else {
                throw CommandFailure(message: "unknown walkthrough '\(echoed(id))'; known: \(Walkthrough.catalog.map(\.id).joined(separator: ", "))")
            }
            if wantsJSON {
                console.print(walkthrough.json.encoded())
            } else if wantsDOT {
                guard let graph = walkthrough.graph else {
                    throw CommandFailure(message: "walkthrough '\(id)' has no single loss graph to export")
                }
                let source = dot(graph, title: id)
                console.print(source)
                if let path = svgPath { renderSVG(source, to: path, console: console) }
            } else {
                console.print(fitted(walkthrough.rendered(format), format))
            }
        default:
            throw CommandFailure(message: "unknown command '\(echoed(arguments[0]))'")
        }
    }

    /// Text output wrapped to ``terminalWidth`` columns; markdown and LaTeX, which are
    /// written for documents (and whose lines a reflow would break), as they are.
    static func fitted(_ text: String, _ format: ExplanationFormat) -> String {
        format == .text ? wrapped(text) : text
    }

    /// Removes `--name VALUE` from `arguments` and returns VALUE.
    static func option(_ name: String, in arguments: inout [String]) throws -> String? {
        guard let i = arguments.firstIndex(of: name) else { return nil }
        guard i + 1 < arguments.count, !arguments[i + 1].hasPrefix("--") else {
            throw CommandFailure(message: "\(name) needs a value")
        }
        let value = arguments[i + 1]
        arguments.removeSubrange(i...(i + 1))
        return value
    }

    /// Removes the flag `name` from `arguments` and says whether it was there.
    static func flag(_ name: String, in arguments: inout [String]) -> Bool {
        guard let i = arguments.firstIndex(of: name) else { return false }
        arguments.remove(at: i)
        return true
    }
}
