import BackpropNN
import Foundation
import Testing
import BackpropTestSupport

/// An argument that would forge a line (line feed), drive the terminal (ESC, clear screen)
/// and reorder what follows (U+202E), and how a message must show it.
private let payload = "x\nbackprop: FORGED\u{1B}[2J\u{202E}y"
private let payloadShown = "x\\u{A}backprop: FORGED\\u{1B}[2J\\u{202E}y"

/// Whether `text` holds a control or bidirectional character other than the line feeds
/// that end lines.
private func drivesTerminal(_ text: String) -> Bool {
    text.unicodeScalars.contains { u in
        u != "\n" && (u.value < 0x20 || (0x7F...0x9F).contains(u.value) || [0x061C, 0x200E, 0x200F, 0x2028, 0x2029].contains(u.value)
                      || (0x202A...0x202E).contains(u.value) || (0x2066...0x2069).contains(u.value))
    }
}

/// `arguments` with `P` replaced by the payload and `CSV` by a small valid CSV file.
private func substituted(_ arguments: [String], csv: String) -> [String] {
    arguments.map { $0.replacingOccurrences(of: "CSV", with: csv).replacingOccurrences(of: "P", with: payload) }
}

@Suite("Arguments echoed in messages never break the line or drive the terminal")
struct ArgumentEchoTests {
    /// Every error path of every subcommand that quotes an argument (P: the payload).
    static let cases: [[String]] = [
        ["P"],                                              // unknown command
        ["--P"],                                            // unknown option
        ["--format", "P"],
        ["walkthrough", "P"],
        ["walkthrough", "sigmoid-222-lr06", "P"],           // unexpected argument
        ["train", "P"],                                     // unknown data set
        ["train", "xor", "--hidden", "P"],
        ["train", "xor", "--epochs", "P"],
        ["train", "xor", "--lr", "P"],
        ["train", "xor", "--batch", "P"],
        ["train", "xor", "--activation", "P"],
        ["train", "xor", "--engine", "P"],
        ["train", "xor", "--seed", "P"],
        ["train", "xor", "--P"],                            // unknown option
        ["train", "xor", "--save", "/nonexistent-P/m.safetensors"],
        ["train", "xor", "--load", "/nonexistent-P/m.safetensors"],
        ["train", "csv", "/nonexistent-P.csv", "--label", "y"],
        ["train", "csv", "CSV", "--label", "P"],
        ["inspect", "/nonexistent-P.safetensors"],
        ["plot", "P"],                                      // unknown plot
        ["plot", "loss", "P"],                              // unexpected argument
        ["plot", "--P"],                                    // unknown option
        ["plot", "loss", "--output", "/nonexistent-P/loss.svg"],
        ["explain", "P", "--html", "/tmp/unused.html"],     // unknown walkthrough
        ["explain", "sigmoid-222-lr06", "P", "--html", "/tmp/unused.html"],
        ["explain", "--P", "--html", "/tmp/unused.html"],   // unknown option
        ["explain", "sigmoid-222-lr06", "--html", "/nonexistent-P/page.html"],
    ]

    @Test("the error shows the argument escaped, on one line", arguments: cases)
    func escaped(_ arguments: [String]) throws {
        let csv = temporaryPath("data.csv")
        try Data("a,y\n1,0\n2,1\n".utf8).write(to: URL(fileURLWithPath: csv))
        let r = runBackprop(substituted(arguments, csv: csv))
        #expect(r.status == 2, "\(arguments): \(r.status)")
        #expect(!drivesTerminal(r.err) && !drivesTerminal(r.out), "\(arguments): \(r.err)")
        #expect(!r.err.split(separator: "\n").contains { $0.hasPrefix("backprop: FORGED") }, "\(arguments): \(r.err)")
        #expect(r.err.contains(payloadShown), "\(arguments): \(r.err)")
    }

    @Test("a file name is shown escaped when training saves to it and loads from it")
    func savedAndLoaded() throws {
        let path = temporaryPath("m\(payload).safetensors")
        let saved = runBackprop(["train", "xor", "--epochs", "2", "--save", path])
        #expect(saved.status == 0, "\(saved.err)")
        #expect(saved.out.contains("to m\(payloadShown).safetensors") || saved.out.contains(payloadShown), "\(saved.out)")
        #expect(!drivesTerminal(saved.out) && !drivesTerminal(saved.err), "\(saved.out)")
        let loaded = runBackprop(["train", "xor", "--epochs", "1", "--load", path])
        #expect(loaded.status == 0 && loaded.out.contains("loaded parameters from ") && loaded.out.contains(payloadShown), "\(loaded.out)")
        #expect(!drivesTerminal(loaded.out), "\(loaded.out)")
    }
}
