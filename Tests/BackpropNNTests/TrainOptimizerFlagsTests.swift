import Foundation
import Testing
import BackpropTestSupport

/// `backprop train`'s optimiser flags: `--optimizer`, `--weight-decay`, `--schedule`,
/// `--clip`, and `--save` / `--resume` with the optimiser state.
@Suite("The backprop command: optimizer flags")
struct TrainOptimizerFlagsTests {
    @Test("argument errors exit 2 with a message", arguments: [
        (["train", "xor", "--optimizer", "rmsprop"], "backprop: --optimizer 'rmsprop': use adam, adamw or sgd"),
        (["train", "xor", "--weight-decay", "-1"], "backprop: --weight-decay '-1': expected a finite number ≥ 0"),
        (["train", "xor", "--schedule", "step:0:0.5"], "backprop: --schedule 'step:0:0.5': use step:E:F"),
        (["train", "xor", "--schedule", "cosine:3"], "backprop: --schedule 'cosine:3': use step:E:F"),
        (["train", "xor", "--clip", "0"], "backprop: --clip '0': expected a finite positive number"),
        (["train", "xor", "--clip"], "backprop: --clip needs a value"),
        (["train", "xor", "--resume", "/nonexistent/m.safetensors"], "backprop: /nonexistent/m.safetensors"),
        (["train", "xor", "--resume", "a", "--load", "b"], "backprop: --load and --resume both give the starting parameters: use one"),
    ])
    func argumentErrors(_ arguments: [String], _ message: String) {
        let r = runBackprop(arguments)
        #expect(r.status == 2, "\(arguments): status \(r.status)")
        #expect(r.err.contains(message), "\(arguments): \(r.err)")
        #expect(!r.out.contains("final loss"), "nothing was trained")
    }

    static func finalLoss(_ out: String) -> String? {
        out.split(separator: "\n").first { $0.hasPrefix("final loss") }.map { String($0.split(separator: " ")[2]) }
    }

    @Test("5 epochs, --save, then --resume for 5 more: the loss of 10 epochs in one run", arguments: ["sgd", "adam", "adamw"])
    func resume(optimizer: String) {
        let flags = ["--optimizer", optimizer, "--lr", "0.2", "--weight-decay", "0.01", "--schedule", "step:3:0.5",
                     "--clip", "1", "--seed", "4", "--engine", "eager"]
        let whole = runBackprop(["train", "xor", "--epochs", "10"] + flags)
        let path = temporaryPath("resume.safetensors")
        let first = runBackprop(["train", "xor", "--epochs", "5", "--save", path] + flags)
        #expect(first.status == 0 && first.out.contains("state to \(path)"), "\(first.err)")
        let second = runBackprop(["train", "xor", "--epochs", "5", "--resume", path] + flags)
        #expect(second.status == 0 && second.out.contains("resumed from \(path) after 5 steps"), "\(second.err)")
        #expect(Self.finalLoss(whole.out) != nil && Self.finalLoss(second.out) == Self.finalLoss(whole.out),
                "\(whole.out)\n\(second.out)")
        // A different optimiser cannot resume from it.
        let other = runBackprop(["train", "xor", "--epochs", "1", "--resume", path, "--optimizer", optimizer == "sgd" ? "adam" : "sgd"])
        #expect(other.status == 2 && other.err.contains("the optimizer state is from"), "\(other.err)")
    }
}
