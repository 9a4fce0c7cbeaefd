import Foundation
import Testing

/// The `backprop` executable as built next to the tests (skipped when it is not there).
private let executable = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent(".build/debug/backprop")

/// Runs the command and returns its exit status, standard output and standard error.
private func run(_ arguments: [String]) throws -> (status: Int32, out: String, err: String) {
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    let errors = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self), String(decoding: errors, as: UTF8.self))
}

@Suite("backprop plot and backprop explain", .enabled(if: FileManager.default.isExecutableFile(atPath: executable.path)))
struct PlotCommandTests {
    private let directory = FileManager.default.temporaryDirectory.appendingPathComponent("backprop-plot-\(UUID().uuidString)")

    @Test("plot KIND --output FILE writes a well-formed SVG and says where")
    func plot() throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        for kind in ["landscape", "boundary-xor"] {
            let path = directory.appendingPathComponent("\(kind).svg").path
            let result = try run(["plot", kind, "--output", path])
            #expect(result.status == 0 && result.out == "wrote \(path)\n")
            let text = try String(contentsOfFile: path, encoding: .utf8)
            #expect(parseXML(text).elements != nil)
        }
        let bad = try run(["plot", "pie"])
        #expect(bad.status == 2 && bad.err.contains("unknown plot 'pie'"))
        let option = try run(["plot", "loss", "--colour"])
        #expect(option.status == 2 && option.err.contains("unknown option '--colour'"))
    }

    @Test("explain ID --html FILE writes the page; ids without a graph and missing --html fail")
    func explain() throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("page.html").path
        let result = try run(["explain", "sigmoid-222-lr06", "--html", path])
        #expect(result.status == 0 && result.out.hasPrefix("wrote \(path): 39 nodes, 78 steps"))
        #expect(try String(contentsOfFile: path, encoding: .utf8).contains("<script type=\"application/json\" id=\"steps\">"))
        #expect(try run(["explain", "sigmoid-222"]).err.contains("explain needs --html FILE"))
        #expect(try run(["explain", "nope", "--html", path]).err.contains("unknown walkthrough 'nope'"))
    }
}
