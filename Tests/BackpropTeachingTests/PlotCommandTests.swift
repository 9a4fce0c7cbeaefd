import Foundation
import Testing
import BackpropTestSupport

@Suite("backprop plot and backprop explain")
struct PlotCommandTests {
    private let directory = FileManager.default.temporaryDirectory.appendingPathComponent("backprop-plot-\(UUID().uuidString)")

    @Test("plot KIND --output FILE writes a well-formed SVG and says where")
    func plot() throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        for kind in ["landscape", "boundary-xor"] {
            let path = directory.appendingPathComponent("\(kind).svg").path
            let result = runBackprop(["plot", kind, "--output", path])
            #expect(result.status == 0 && result.out == "wrote \(path)\n")
            let text = try String(contentsOfFile: path, encoding: .utf8)
            #expect(parseXML(text).elements != nil)
        }
        let bad = runBackprop(["plot", "pie"])
        #expect(bad.status == 2 && bad.err.contains("unknown plot 'pie'"))
        let option = runBackprop(["plot", "loss", "--colour"])
        #expect(option.status == 2 && option.err.contains("unknown option '--colour'"))
    }

    @Test("explain ID --html FILE writes the page; ids without a graph and missing --html fail")
    func explain() throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("page.html").path
        let result = runBackprop(["explain", "sigmoid-222-lr06", "--html", path])
        #expect(result.status == 0 && result.out.hasPrefix("wrote \(path): 39 nodes, 78 steps"))
        #expect(try String(contentsOfFile: path, encoding: .utf8).contains("<script type=\"application/json\" id=\"steps\">"))
        #expect(runBackprop(["explain", "sigmoid-222"]).err.contains("explain needs --html FILE"))
        #expect(runBackprop(["explain", "nope", "--html", path]).err.contains("unknown walkthrough 'nope'"))
    }
}
