import Foundation
import Testing

/// The generated examples (see the DocExamples plugin) cover the Markdown: every ```swift
/// fence of README.md and Docs/*.md is in the catalog, at its line, with its marker.
@Suite("Documentation examples: the catalog")
struct ExampleCatalogTests {
    /// The package directory, from this file's path (Tests/DocExampleTests/…).
    static let package = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// (file, line, mode) of every ```swift fence, read independently of the extractor.
    static func fences() throws -> [String] {
        let docs = package.appendingPathComponent("Docs")
        let files = ["README.md"] + (try FileManager.default.contentsOfDirectory(atPath: docs.path))
            .filter { $0.hasSuffix(".md") }.sorted().map { "Docs/\($0)" }
        var found: [String] = []
        for file in files {
            let text = try String(contentsOf: package.appendingPathComponent(file), encoding: .utf8)
            for (n, line) in text.components(separatedBy: "\n").enumerated() where line.hasPrefix("```swift") {
                let marker = line.dropFirst("```swift".count).trimmingCharacters(in: .whitespaces)
                found.append("\(file):\(n + 1) \(marker.isEmpty ? "run" : marker)")
            }
        }
        return found
    }

    @Test("every ```swift block is extracted, and most of them run")
    func everyBlockIsExtracted() throws {
        let catalog = documentationExampleCatalog.map { "\($0.file):\($0.line) \($0.mode)" }
        #expect(catalog == (try Self.fences()))
        #expect(catalog.count >= 20, "\(catalog.count) examples")
        let running = documentationExampleCatalog.filter { $0.mode == "run" }.count
        #expect(2 * running > catalog.count, "\(running) of \(catalog.count) examples run")
    }
}
