import BackpropNN
import Foundation
import Testing
import BackpropTestSupport

/// Text that would drive a terminal: an OSC sequence setting the window title, a carriage
/// return that overwrites the line, and a right-to-left override that reorders it.
private let hostile = "w\u{1B}]0;pwned\u{07}\rOK\u{202E}gpj"
private let hostileShown = "w\\u{1B}]0;pwned\\u{7}\\u{D}OK\\u{202E}gpj"

/// Whether `text` holds a control or bidirectional character other than the line feeds
/// that end lines.
private func drivesTerminal(_ text: String) -> Bool {
    text.unicodeScalars.contains { u in
        u != "\n" && (u.value < 0x20 || (0x7F...0x9F).contains(u.value) || [0x061C, 0x200E, 0x200F, 0x2028, 0x2029].contains(u.value)
                      || (0x202A...0x202E).contains(u.value) || (0x2066...0x2069).contains(u.value))
    }
}

/// The bytes of a safetensors file with the given raw JSON header and data.
private func safetensors(header: String, data: [UInt8]) -> [UInt8] {
    var json = [UInt8](header.utf8)
    while json.count % 8 != 0 { json.append(0x20) }
    let n = UInt64(json.count)
    return (0..<8).map { UInt8(truncatingIfNeeded: n >> (8 * UInt64($0))) } + json + data
}

/// JSON string literal for `text`.
private func jsonString(_ text: String) -> String {
    String(decoding: try! JSONSerialization.data(withJSONObject: [text], options: []), as: UTF8.self).dropFirst().dropLast().description
}

@Suite("Terminal escapes: user data never drives the terminal")
struct TerminalEscapeTests {
    @Test("terminalSafe escapes controls, DEL, C1 and bidi characters, and nothing else", arguments: [
        (hostile, hostileShown),
        ("a\nb\tc", "a\\u{A}b\\u{9}c"),
        ("\u{7F}\u{9B}\u{061C}\u{200E}\u{200F}\u{2066}\u{2069}\u{2028}", "\\u{7F}\\u{9B}\\u{61C}\\u{200E}\\u{200F}\\u{2066}\\u{2069}\\u{2028}"),
        ("weight.0 é 😀 \\u{1B}", "weight.0 é 😀 \\u{1B}"),
        ("\r\n", "\\u{D}\\u{A}"),
    ])
    func escapes(input: String, expected: String) {
        #expect(terminalSafe(input) == expected)
        #expect(terminalSafe(terminalSafe(input)) == expected)
    }

    @Test("terminalSafe with a limit cuts the text and marks the cut")
    func limit() {
        #expect(terminalSafe(String(repeating: "x", count: 100), limit: 60) == String(repeating: "x", count: 60) + "…")
        #expect(terminalSafe("short", limit: 60) == "short")
    }

    @Test("safetensors errors escape tensor names and metadata keys")
    func safeTensorsErrors() {
        let badDType = safetensors(header: "{\(jsonString(hostile)):{\"dtype\":\"X\",\"shape\":[],\"data_offsets\":[0,0]}}", data: [])
        let badMeta = safetensors(header: "{\"__metadata__\":{\(jsonString(hostile)):1}}", data: [])
        for bytes in [badDType, badMeta] {
            do {
                _ = try SafeTensorsFile.parse(bytes, source: "m.safetensors")
                Issue.record("accepted an invalid file")
            } catch let e as SafeTensorsError {
                #expect(e.message.contains(hostileShown), "\(e.message)")
                #expect(!drivesTerminal(e.message) && !drivesTerminal(e.description))
            } catch { Issue.record("\(error)") }
        }
    }

    @Test("inspect escapes tensor names and metadata")
    func inspect() throws {
        let header = "{\"__metadata__\":{\(jsonString(hostile)):\(jsonString(hostile))},"
            + "\(jsonString(hostile)):{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}"
        let path = temporaryPath("hostile.safetensors")
        try Data(safetensors(header: header, data: [0, 0, 0, 0])).write(to: URL(fileURLWithPath: path))
        let result = runBackprop(["inspect", path])
        #expect(result.status == 0, "\(result.err)")
        #expect(!drivesTerminal(result.out), "\(result.out)")
        #expect(result.out.contains(hostileShown + "  F32"))
        #expect(result.out.contains("metadata \(hostileShown) = \(hostileShown)"))
    }

    @Test("CSV errors escape cells, labels and column names", arguments: [
        ("a,label\n1,x\n\"\(hostile)\",y\n", "label", false, "data.csv:3: column 'a' (1): '\(hostileShown)' is not a number"),
        ("\"\(hostile)\",label\n1,x\n", "nope", false, "data.csv:1: no column named 'nope' (columns: \(hostileShown), label)"),
        ("a,label\n1,x\n", hostile, false, "data.csv:1: no column named '\(hostileShown)' (columns: a, label)"),
        ("a,y\n1,2\n2,\"\(hostile)\"\n", "y", true, "data.csv:3: target '\(hostileShown)' in column 'y' is not a finite number"),
    ])
    func csvErrors(text: String, label: String, regression: Bool, expected: String) {
        do {
            _ = try CSVLoader.parse(text, source: "data.csv", labelColumn: label, regression: regression)
            Issue.record("accepted invalid CSV")
        } catch let e as DataError {
            #expect(e.message == expected)
            #expect(!drivesTerminal(e.message))
        } catch { Issue.record("\(error)") }
    }

    @Test("train csv prints escaped errors")
    func trainCSV() throws {
        let path = temporaryPath("hostile.csv")
        try Data("a,label\n1,x\n\"\(hostile)\",y\n".utf8).write(to: URL(fileURLWithPath: path))
        for arguments in [["train", "csv", path, "--label", "label"], ["train", "csv", path, "--label", hostile]] {
            let result = runBackprop(arguments)
            #expect(result.status == 2)
            #expect(result.err.contains(hostileShown), "\(result.err)")
            #expect(!drivesTerminal(result.err), "\(result.err)")
        }
    }
}
