import BackpropNN
import Foundation

/// `backprop inspect FILE`: the tensors of a safetensors file, or precisely why it is invalid.
enum InspectCommand {
    static let usage = """
        usage: backprop inspect FILE.safetensors
          lists the tensors of FILE (name, dtype, shape, size) and its metadata, or says
          exactly why the file is not valid safetensors
        """

    static func run(_ arguments: [String], console: Console) throws {
        guard arguments.count == 1, let path = arguments.first else {
            throw CommandFailure(message: arguments.isEmpty ? "inspect needs a FILE" : "inspect takes one FILE")
        }
        let file: SafeTensorsFile
        do { file = try SafeTensorsFile.read(path) } catch let e as SafeTensorsError {
            throw CommandFailure(message: "invalid safetensors file: \(e.message)")
        }
        // Names and metadata come from the file: escaped, so they cannot drive the terminal.
        let rows = file.entries.map { [terminalSafe($0.name), $0.dtype.rawValue, "\($0.shape)", "\($0.range.count) bytes"] }
        let header = ["name", "dtype", "shape", "size"]
        var widths = header.map(\.count)
        for r in rows { for (i, c) in r.enumerated() { widths[i] = max(widths[i], c.count) } }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { $1.padding(toLength: widths[$0], withPad: " ", startingAt: 0) }.joined(separator: "  ")
        }
        console.print("\(terminalSafe(path)): \(file.entries.count) tensors, \(file.dataByteCount) data bytes")
        console.print(line(header))
        for r in rows { console.print(line(r)) }
        // Long values (a model's feature means, say) are wrapped to the terminal's width.
        for (k, v) in file.metadata.sorted(by: { $0.key < $1.key }) { console.print(wrapped("metadata \(terminalSafe(k)) = \(terminalSafe(v))")) }
    }
}
