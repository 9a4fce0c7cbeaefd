import Foundation

/// Renders DOT to SVG with Graphviz, when `dot` is on the PATH; says on standard error
/// when it could not.
func renderSVG(_ source: String, to path: String, console: Console) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["dot", "-Tsvg", "-o", path]
    let input = Pipe()
    process.standardInput = input
    process.standardError = FileHandle.nullDevice
    do {
        try process.run()
        input.fileHandleForWriting.write(Data(source.utf8))
        try input.fileHandleForWriting.close()
        process.waitUntilExit()
    } catch {
        console.error("backprop: Graphviz `dot` could not be run; SVG not written\n")
        return
    }
    if process.terminationStatus != 0 {
        console.error("backprop: Graphviz `dot` is not installed or failed; SVG not written (the DOT text is on stdout)\n")
    }
}
