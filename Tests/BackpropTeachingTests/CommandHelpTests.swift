import Foundation
import Testing
import BackpropTeaching
import BackpropNN
import BackpropTestSupport

/// The lines of `text` wider than 100 characters.
private func wide(_ text: String) -> [Substring] {
    text.split(separator: "\n", omittingEmptySubsequences: false).filter { $0.count > 100 }
}

/// `--help` on every subcommand, `--version`, and text output that fits 100 columns.
@Suite("The backprop command: help, version, width")
struct CommandHelpTests {
    static let subcommands = ["walkthrough", "train", "predict", "evaluate", "inspect", "plot", "explain", "help"]

    @Test("SUBCOMMAND --help and -h print that usage on standard output and exit 0", arguments: subcommands)
    func help(_ subcommand: String) {
        for flag in ["--help", "-h"] {
            let r = runBackprop([subcommand, flag])
            #expect(r.status == 0 && r.err.isEmpty, "\(subcommand) \(flag): \(r.err)")
            let expected = subcommand == "help" ? "usage: backprop [--format" : "usage: backprop \(subcommand)"
            #expect(r.out.hasPrefix(expected), "\(subcommand) \(flag): \(r.out.prefix(120))")
            #expect(wide(r.out).isEmpty, "\(subcommand) \(flag): \(wide(r.out))")
        }
        // After other arguments too, and as `backprop help SUBCOMMAND`: nothing is run.
        if subcommand != "help" {
            let late = runBackprop([subcommand, "x", "--help"])
            #expect(late.status == 0 && !late.out.contains("final loss"))
        }
        #expect(runBackprop(["help", subcommand]).out == runBackprop([subcommand, "--help"]).out)
    }

    @Test("the top-level usage names every subcommand; --version prints one line")
    func topLevel() {
        let r = runBackprop(["--help"])
        #expect(r.status == 0)
        for subcommand in Self.subcommands { #expect(r.out.contains("backprop \(subcommand)"), "\(subcommand)") }
        let v = runBackprop(["--version"])
        #expect(v.status == 0 && v.out.hasPrefix("backprop ") && v.out.split(separator: "\n").count == 1, "\(v.out)")
    }

    @Test("every line of the default text output of every walkthrough is at most 100 columns")
    func walkthroughWidth() {
        var runs = [[String](), ["walkthrough"]]
        runs += Walkthrough.catalog.map { ["walkthrough", $0.id] }
        for arguments in runs {
            let r = runBackprop(arguments)
            #expect(r.status == 0, "\(arguments): \(r.err)")
            #expect(wide(r.out).isEmpty, "\(arguments): \(wide(r.out).first ?? "")")
        }
    }

    @Test("an audit table too wide for 100 columns keeps every row and verdict as a record", arguments: ["sigmoid-222-lr06", "regression-2d"])
    func auditRecords(_ id: String) throws {
        let walkthrough = try #require(Walkthrough.named(id))
        let lines = runBackprop(["walkthrough", id]).out.split(separator: "\n").map(String.init)
        /// The indented lines after line i (a record's cells, wrapped), joined by spaces.
        func cells(after i: Int) -> String {
            lines[(i + 1)...].prefix { $0.hasPrefix("    ") }.map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
        }
        for entry in walkthrough.audit {
            // The record: the quantity on its own line, then its cells, the verdict among them.
            let found = lines.indices.contains { lines[$0] == entry.quantity && cells(after: $0).contains("verdict: \(entry.verdict.rawValue)") }
            #expect(found, "\(id): \(entry.quantity) \(entry.verdict)")
        }
    }

    @Test("walkthroughs cite their lecture by title, never a path a reader of the repository lacks")
    func citations() {
        for entry in Walkthrough.catalog {
            let walkthrough = entry.make(.text)
            #expect(walkthrough.source.hasPrefix("\""), "\(entry.id): \(walkthrough.source)")
            for arguments in [["walkthrough", entry.id], ["walkthrough", entry.id, "--json"], ["walkthrough", entry.id, "--format", "markdown"]] {
                let out = runBackprop(arguments).out
                #expect(!out.contains("seeds/") && !out.contains(".txt"), "\(arguments)")
            }
        }
        #expect(!runBackprop(["--help"]).out.contains("seeds/"))
    }

    @Test("train, inspect, plot and explain print lines of at most 100 columns")
    func otherWidth() {
        let model = temporaryPath("width.safetensors")
        // A model of 64 features: its metadata (means, deviations, names) is long.
        let wide64 = temporaryPath("width64.safetensors")
        let description = ModelDescription(
            sizes: [64, 3], activation: .relu, featureNames: (0..<64).map { "pixel\($0)" },
            task: .classification(classNames: ["a", "b", "c"]),
            standardizer: Standardizer(means: (0..<64).map { 1 / Double($0 + 3) }, deviations: Array(repeating: 0.1, count: 64)))
        #expect(throws: Never.self) { try MLP<Float>([64, 3], activation: .relu).save(to: wide64, metadata: description.metadata) }
        let runs = [["train", "xor", "--epochs", "20", "--save", model], ["train", "spirals", "--epochs", "2"],
                    ["inspect", model], ["inspect", wide64], ["plot", "loss", "--output", temporaryPath("width.svg")],
                    ["explain", "sigmoid-222", "--html", temporaryPath("width.html")]]
        for arguments in runs {
            let r = runBackprop(arguments)
            #expect(r.status == 0, "\(arguments): \(r.err)")
            #expect(wide(r.out).isEmpty, "\(arguments): \(wide(r.out).first ?? "")")
        }
    }
}
