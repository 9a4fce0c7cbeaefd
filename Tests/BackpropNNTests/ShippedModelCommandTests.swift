import Backprop
import BackpropNN
import BackpropTestSupport
import Foundation
import Testing

/// `backprop train cnn-digits` and `backprop train names`, end to end through the command.
@Suite("The command: train cnn-digits and train names")
struct ShippedModelCommandTests {
    /// The first number after `prefix` in `text`.
    static func number(after prefix: String, in text: String) -> Double? {
        guard let range = text.range(of: prefix) else { return nil }
        return Double(text[range.upperBound...].prefix { "0123456789.".contains($0) })
    }

    @Test("train names: the development loss per character beats the bigram baseline after one epoch; save and resume")
    func names() throws {
        let path = temporaryPath("names.safetensors")
        let run = runBackprop(["train", "names", "--epochs", "1", "--samples", "4", "--save", path])
        #expect(run.status == 0, "\(run.err)")
        let loss = try #require(Self.number(after: "development loss ", in: run.out))
        let bigram = try #require(Self.number(after: "bigram baseline ", in: run.out))
        #expect(loss < bigram && bigram < 2.6, "\(run.out)")
        let samples = try #require(run.out.split(separator: "\n").first { $0.hasPrefix("samples: ") })
        #expect(samples.split(separator: " ").count == 5)
        #expect(run.out.contains("saved 11897 parameters and the Adam state"))
        let resumed = runBackprop(["train", "names", "--epochs", "1", "--samples", "0", "--resume", path])
        #expect(resumed.status == 0, "\(resumed.err)")
        #expect(resumed.out.contains("resumed from \(path) after 452 steps"), "\(resumed.out)")   // ⌈28915 / 64⌉
        let again = try #require(Self.number(after: "development loss ", in: resumed.out))
        #expect(again < loss, "a second epoch lowers the loss: \(again) vs \(loss)")
    }

    @Test("train cnn-digits: above 90 % test accuracy after two epochs")
    func cnnDigits() throws {
        let run = runBackprop(["train", "cnn-digits", "--epochs", "2", "--samples", "1"])
        #expect(run.status == 2 && run.err.contains("--samples applies to train names only"))
        let trained = runBackprop(["train", "cnn-digits", "--epochs", "2"])
        #expect(trained.status == 0, "\(trained.err)")
        let accuracy = try #require(Self.number(after: "test accuracy ", in: trained.out))
        #expect(accuracy > 90, "\(trained.out)")
        #expect(trained.out.contains("DigitsCNN<Float>, 6090 parameters"))
    }

    @Test("flags of the MLP data sets are refused by name", arguments: [
        (["--hidden", "8"], "--hidden does not apply to train names"),
        (["--activation", "tanh"], "--activation does not apply to train names"),
        (["--label", "x"], "--label does not apply to train names"),
        (["extra"], "unexpected argument 'extra'"),
    ])
    func refusedFlags(_ flags: [String], _ message: String) {
        let run = runBackprop(["train", "names"] + flags)
        #expect(run.status == 2 && run.err.contains(message), "\(run.err)")
    }
}
