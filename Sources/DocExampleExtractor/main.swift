import Foundation

// DocExampleExtractor OUTPUT.swift PACKAGE-DIRECTORY MARKDOWN…
//
// Writes one Swift Testing file holding every ```swift block of the Markdown files, each in
// its own function, so that `swift test` compiles (and, unless marked, runs) the examples
// exactly as the documentation shows them. Run by the DocExamples build-tool plugin; the
// conventions are described in Docs/README.md ("Examples in the docs are compiled").
//
//   ```swift                 compiled and run as a test
//   ```swift compile-only    compiled, not run (slow, or writes files in the current directory)
//   ```swift no-compile      neither (a sketch or an excerpt that cannot stand alone)
//
//   <!-- example setup:      (just before the fence) Swift lines run before the example,
//   let x = …                   for names the excerpt uses but does not define
//   -->
//   <!-- example check:      (just after the fence) Swift lines run after it, usually
//   #expect(…)                  #expect of what the prose or the comments claim
//   -->

let arguments = CommandLine.arguments.dropFirst()
guard arguments.count >= 3, let output = arguments.first else {
    FileHandle.standardError.write(Data("usage: DocExampleExtractor OUTPUT.swift PACKAGE-DIRECTORY MARKDOWN...\n".utf8))
    exit(2)
}
let root = arguments.dropFirst().first!
let markdownFiles = Array(arguments.dropFirst(2))

do {
    var examples: [Example] = []
    var problems: [String] = []
    for path in markdownFiles {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let parsed = parseExamples(markdown: text, path: path)
        examples += parsed.examples
        problems += parsed.problems
    }
    guard problems.isEmpty else {
        // Reported like compiler errors (file:line: error: …), so the build stops here.
        for p in problems { FileHandle.standardError.write(Data((p + "\n").utf8)) }
        exit(1)
    }
    let source = generateTests(examples, packageDirectory: root)
    // Written only when changed, so an unchanged file does not recompile the test target.
    if (try? String(contentsOfFile: output, encoding: .utf8)) != source {
        try source.write(toFile: output, atomically: true, encoding: .utf8)
    }
} catch {
    FileHandle.standardError.write(Data("DocExampleExtractor: \(error)\n".utf8))
    exit(1)
}
