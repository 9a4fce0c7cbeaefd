import Foundation
import Testing
import BackpropTestSupport

@Suite("The backprop command")
struct CommandTests {
    @Test("no arguments: the lecture-8 walkthrough; `walkthrough`: the list")
    func defaults() throws {
        let plain = runBackprop([])
        #expect(plain.status == 0 && plain.out.hasPrefix("Backpropagation, step by step: the 2-2-2 sigmoid network of COMP417 Lecture 8"))
        let list = runBackprop(["walkthrough"])
        #expect(list.status == 0)
        for id in ["regression-2d", "sigmoid-222", "sigmoid-222-matrix", "sigmoid-222-lr06", "xor-threshold",
                   "xor-train", "tanh-linear", "delta-rule-sgd"] {
            #expect(list.out.contains("  \(id) "), "list lacks \(id)")
        }
    }

    @Test("--json prints one parseable object")
    func json() throws {
        let result = runBackprop(["walkthrough", "sigmoid-222", "--json"])
        #expect(result.status == 0)
        let object = try JSONSerialization.jsonObject(with: Data(result.out.utf8)) as? [String: Any]
        #expect(object?["id"] as? String == "sigmoid-222")
        #expect((object?["audit"] as? [Any])?.count == 31)
    }

    @Test("unknown ids, formats and options fail with exit status 2 and say why")
    func errors() throws {
        let id = runBackprop(["walkthrough", "nope"])
        #expect(id.status == 2 && id.err.contains("unknown walkthrough 'nope'"))
        let format = runBackprop(["walkthrough", "sigmoid-222", "--format", "pdf"])
        #expect(format.status == 2 && format.err.contains("unknown format 'pdf'"))
        let option = runBackprop(["walkthrough", "sigmoid-222", "--bogus"])
        #expect(option.status == 2 && option.err.contains("unknown option '--bogus'"))
        let command = runBackprop(["frobnicate"])
        #expect(command.status == 2 && command.err.contains("unknown command 'frobnicate'"))
    }

    @Test("--dot prints a Graphviz digraph")
    func dot() throws {
        let result = runBackprop(["walkthrough", "tanh-linear", "--dot"])
        #expect(result.status == 0 && result.out.hasPrefix("digraph \"tanh-linear\" {"))
    }
}
