import Foundation
import Testing
import BackpropNN
import BackpropTestSupport

private func writeTemporary(_ name: String, _ text: String) throws -> String {
    let path = temporaryPath(name)
    try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    return path
}

/// Every argument error of the command exits with status 2 and a message on standard
/// error that names the problem (and nothing on standard output: no half-run).
@Suite("Bad input: the backprop command")
struct CLIBadInputTests {
    @Test("argument errors exit 2 with a message", arguments: [
        (["frobnicate"], "backprop: unknown command 'frobnicate'"),
        (["--bogus"], "backprop: unknown option '--bogus'"),
        (["--format"], "backprop: --format needs a value"),
        (["--format", "pdf"], "backprop: unknown format 'pdf': use text, markdown or latex"),
        (["walkthrough", "nope"], "backprop: unknown walkthrough 'nope'; known: "),
        (["walkthrough", "sigmoid-222", "extra"], "backprop: unexpected argument 'extra'"),
        (["--json"], "backprop: --json and --dot need a walkthrough"),
        (["train"], "backprop: train needs a data set"),
        (["train", "mnist"], "backprop: unknown data set 'mnist': use xor, moons, spirals, digits or csv"),
        (["train", "xor", "--lr", "nan"], "backprop: --lr 'nan': the learning rate must be a finite positive number"),
        (["train", "xor", "--lr", "inf"], "backprop: --lr 'inf': the learning rate must be a finite positive number"),
        (["train", "xor", "--lr", "-0.1"], "backprop: --lr '-0.1': the learning rate must be a finite positive number"),
        (["train", "xor", "--lr"], "backprop: --lr needs a value"),
        (["train", "xor", "--epochs", "0"], "backprop: --epochs '0': expected a positive integer"),
        (["train", "xor", "--batch", "x"], "backprop: --batch 'x': expected a positive integer"),
        (["train", "xor", "--hidden", "4,0"], "backprop: --hidden '4,0': expected positive widths like 16,16"),
        (["train", "xor", "--activation", "swish"], "backprop: --activation 'swish': use relu, tanh, sigmoid or leaky-relu"),
        (["train", "xor", "--seed", "-1"], "backprop: --seed '-1': expected a non-negative integer"),
        (["train", "xor", "--frobnicate"], "backprop: unknown option '--frobnicate'"),
        (["train", "xor", "--engine", "jit"], "backprop: --engine 'jit': use compiled or eager"),
        (["train", "xor", "--engine"], "backprop: --engine needs a value"),
        (["train", "xor", "--force"], "backprop: --force only applies to --save FILE"),
        (["train", "xor", "--save"], "backprop: --save needs a value"),
        (["train", "csv"], "backprop: train csv needs a PATH"),
        (["train", "csv", "/nonexistent/x.csv"], "backprop: train csv needs --label COLUMN"),
        (["train", "csv", "/nonexistent/x.csv", "--label", "y"], "backprop: /nonexistent/x.csv: cannot read the file (missing or not readable)"),
        (["train", "xor", "--load", "/nonexistent/m.safetensors"], "backprop: /nonexistent/m.safetensors"),
        (["inspect"], "backprop: inspect needs a FILE"),
        (["inspect", "/nonexistent/m.safetensors"], "backprop: invalid safetensors file: /nonexistent/m.safetensors"),
    ])
    func argumentErrors(_ arguments: [String], _ message: String) throws {
        let r = runBackprop(arguments)
        #expect(r.status == 2, "\(arguments): status \(r.status)")
        #expect(r.err.contains(message), "\(arguments): \(r.err)")
        #expect(!r.out.contains("final loss"), "nothing was trained")
    }

    @Test("bad CSV files: a ragged row and a NaN are named by file, line and column")
    func badCSV() throws {
        let ragged = try writeTemporary("ragged.csv", "a,b,y\n1,2,0\n3,4\n")
        let r1 = runBackprop(["train", "csv", ragged, "--label", "y"])
        #expect(r1.status == 2 && r1.err.contains("backprop: \(ragged):3: 2 fields, but the header has 3"), "\(r1.err)")
        let nan = try writeTemporary("nan.csv", "a,b,y\n1,2,0\n3,nan,1\n")
        let r2 = runBackprop(["train", "csv", nan, "--label", "y"])
        #expect(r2.status == 2 && r2.err.contains("backprop: \(nan):3: column 'b' (2): 'nan' is not finite"), "\(r2.err)")
    }

    @Test("a model file for another network is refused: by the saved sizes, else by name and shape")
    func mismatchedModel() throws {
        let path = temporaryPath("xor.safetensors")
        let saved = runBackprop(["train", "xor", "--epochs", "2", "--save", path])
        #expect(saved.status == 0, "\(saved.err)")
        let r = runBackprop(["train", "xor", "--hidden", "3", "--epochs", "1", "--load", path])
        #expect(r.status == 2)
        #expect(r.err.contains("backprop: --hidden 3 disagrees with \(path), saved with --hidden 4"), "\(r.err)")
        // Parameters without a description: the strict load names the tensor and both shapes.
        let bare = temporaryPath("bare.safetensors")
        try MLP<Float>([2, 4, 2], activation: .tanh).save(to: bare)
        let r2 = runBackprop(["train", "xor", "--hidden", "3", "--epochs", "1", "--load", bare])
        #expect(r2.status == 2)
        #expect(r2.err.contains("backprop: \(bare): tensor '0.W' has shape [4, 2], the model's parameter has shape [3, 2]"), "\(r2.err)")
    }

    @Test("an argument error is one line and a pointer to the subcommand's --help, without the usage")
    func oneLine() {
        for (arguments, help) in [(["train", "xor", "--lr"], "train"), (["plot", "pie"], "plot"), (["--bogus"], ""),
                                  (["walkthrough", "nope"], "walkthrough"), (["inspect"], "inspect")] {
            let r = runBackprop(arguments)
            let lines = r.err.split(separator: "\n")
            #expect(r.status == 2 && lines.count == 2, "\(arguments): \(r.err)")
            #expect(lines.last == "see `backprop \(help.isEmpty ? "" : help + " ")--help`", "\(arguments): \(r.err)")
            #expect(!r.err.contains("usage:"))
        }
    }
}

/// `backprop train --engine`: both engines train, the summary line names the engine, and
/// the usage lists the flag.
@Suite("The backprop command: train --engine")
struct CLITrainEngineTests {
    /// The "final loss …" line of a run.
    private func summary(_ out: String) -> Substring? {
        out.split(separator: "\n").first { $0.hasPrefix("final loss ") }
    }

    @Test("compiled (the default) and eager give the same final loss and name the engine")
    func engines() throws {
        let byDefault = runBackprop(["train", "xor", "--epochs", "40"])
        let compiled = runBackprop(["train", "xor", "--epochs", "40", "--engine", "compiled"])
        let eager = runBackprop(["train", "xor", "--epochs", "40", "--engine", "eager"])
        for r in [byDefault, compiled, eager] { #expect(r.status == 0, "\(r.err)") }
        let lines = [byDefault, compiled, eager].map { summary($0.out) }
        #expect(lines[0]?.contains(", compiled engine, ") == true, "\(lines[0] ?? "no summary")")
        #expect(lines[1]?.contains(", compiled engine, ") == true, "\(lines[1] ?? "no summary")")
        #expect(lines[2]?.contains(", eager engine, ") == true, "\(lines[2] ?? "no summary")")
        // "final loss 0.123456 after …": the runs agree to rounding (Float).
        let losses = lines.compactMap { $0?.split(separator: " ").dropFirst(2).first.flatMap { Double($0) } }
        #expect(losses.count == 3 && losses.allSatisfy { Swift.abs($0 - losses[0]) <= 1e-5 }, "\(lines)")
    }

    @Test("the usage lists --engine")
    func usage() throws {
        let r = runBackprop(["train", "--help"])
        #expect(r.status == 0 && r.out.contains("--engine compiled|eager"), "\(r.out)")
    }
}
