import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How a training run reports progress (on standard error, so standard output stays clean).
public enum ProgressStyle: Sendable {
    /// A live bar when standard error is a terminal, plain lines otherwise.
    case automatic
    /// A live bar redrawn in place.
    case bar
    /// Plain periodic lines (about ten per run).
    case lines
    /// Nothing.
    case silent

    /// `.bar` or `.lines`, depending on whether standard error is a terminal.
    var resolved: ProgressStyle {
        guard case .automatic = self else { return self }
        return isatty(STDERR_FILENO) != 0 ? .bar : .lines
    }
}

/// Draws progress for a run of `total` epochs.
struct ProgressReporter {
    let style: ProgressStyle
    let total: Int
    let start = Date()
    var lastDraw = Date.distantPast

    init(style: ProgressStyle, total: Int) {
        self.style = style.resolved
        self.total = total
    }

    /// `loss` with `digits` decimals; NaN and infinities as `nan`, `inf`, `-inf` (C's
    /// `%f` prints a NaN with its sign bit as `-nan`, which reads like a number).
    static func formatted(_ loss: Double, digits: Int) -> String {
        if loss.isNaN { return "nan" }
        if loss.isInfinite { return loss > 0 ? "inf" : "-inf" }
        return String(format: "%.\(digits)f", loss)
    }

    mutating func update(epoch: Int, loss: Double, examples: Int, label: String) {
        let elapsed = Date().timeIntervalSince(start)
        let rate = elapsed > 0 ? Double(examples) / elapsed : 0
        switch style {
        case .bar:
            guard Date().timeIntervalSince(lastDraw) > 0.05 || epoch == total else { return }
            lastDraw = Date()
            let width = 30, filled = total > 0 ? width * epoch / total : width
            let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
            write("\r\(label)\(bar) epoch \(epoch)/\(total)  loss \(Self.formatted(loss, digits: 5))  \(Int(rate)) examples/s ")
        case .lines:
            let every = Swift.max(1, total / 10)
            guard epoch == 1 || epoch % every == 0 || epoch == total else { return }
            write("\(label)epoch \(epoch)/\(total)  loss \(Self.formatted(loss, digits: 6))  \(Int(rate)) examples/s\n")
        case .silent, .automatic:
            return
        }
    }

    /// Writes a one-line notice on standard error in every style, `.silent` included (a
    /// change of behaviour is not progress): a live bar is ended first.
    mutating func note(_ message: String) {
        write((style == .bar && lastDraw != .distantPast ? "\n" : "") + message + "\n")
        lastDraw = .distantPast
    }

    func finish() {
        if style == .bar { write("\n") }
    }

    private func write(_ s: String) { FileHandle.standardError.write(Data(s.utf8)) }
}

extension ProgressStyle: Equatable {}
