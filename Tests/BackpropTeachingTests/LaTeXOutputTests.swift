@testable import BackpropTeaching
import BackpropTestSupport
import Foundation
import Testing

/// The LaTeX format: a complete document in ASCII that plain pdflatex compiles.
@Suite("LaTeX output compiles with pdflatex")
struct LaTeXOutputTests {
    static let ids = Walkthrough.catalog.map(\.id)

    /// The path of an executable named `name` on PATH, or nil.
    static func executable(_ name: String) -> String? {
        (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":")
            .map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    @Test("every walkthrough's LaTeX is a complete ASCII document; every symbol its text uses has a LaTeX form",
          arguments: ids)
    func asciiDocument(_ id: String) throws {
        let tex = try #require(Walkthrough.named(id, format: .latex)).rendered(.latex)
        #expect(tex.contains("\\documentclass") && tex.contains("\\begin{document}") && tex.hasSuffix("\\end{document}\n"))
        let nonASCII = Set(tex.filter { !$0.isASCII })
        #expect(nonASCII.isEmpty, "\(id): \(nonASCII.sorted())")
        // The text format's symbols are the prose's: each must be in the table (else it became "?").
        let text = try #require(Walkthrough.named(id)).rendered()
        let missing = Set(text.filter { !$0.isASCII && latexCharacters[$0] == nil && $0 != "═" })
        #expect(missing.isEmpty, "\(id): no LaTeX for \(missing.sorted())")
        // Forced line breaks stay line breaks, not escaped backslashes.
        #expect(!tex.contains("\\textbackslash{}\\textbackslash{}"), "\(id)")
    }

    @Test("pdflatex compiles every walkthrough without an error (skipped where pdflatex is not installed)",
          .enabled(if: executable("pdflatex") != nil), arguments: ids)
    func compiles(_ id: String) throws {
        let tex = try #require(Walkthrough.named(id, format: .latex)).rendered(.latex)
        let directory = (temporaryPath("latex-\(id)/x") as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try tex.write(toFile: directory + "/w.tex", atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.executable("pdflatex")!)
        process.arguments = ["-interaction=nonstopmode", "-halt-on-error", "w.tex"]
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        let log = (try? String(contentsOfFile: directory + "/w.log", encoding: .utf8)) ?? ""
        let errors = log.split(separator: "\n").filter { $0.hasPrefix("!") }.prefix(3)
        #expect(process.terminationStatus == 0, "\(id): \(errors.joined(separator: " | "))")
        #expect(FileManager.default.fileExists(atPath: directory + "/w.pdf"))
    }
}
