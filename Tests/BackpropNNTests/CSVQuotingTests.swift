@testable import BackpropNN
import Foundation
import Testing

/// The message of the `DataError` that parsing `text` throws, or nil if it parses.
private func parseError(_ text: String, label: String = "label") -> String? {
    do {
        _ = try CSVLoader.parse(text, source: "t.csv", labelColumn: label)
        return nil
    } catch let e as DataError { return e.message } catch { return "\(error)" }
}

@Suite("CSV: quoted fields (RFC 4180), NUL cells, line ends")
struct CSVQuotingTests {
    /// ASCII text, and the same text with a non-ASCII character (the general path of the
    /// old loader), must split alike.
    static let texts: [String] = {
        let ascii = "\"x, y\",z,label\r\n1,\" 2\",\"say \"\"hi\"\"\nthere\"\n  \"3\" , 4 ,plain\n\n5,6,\"\"\"q\"\"\"\n"
        return [ascii, ascii.replacingOccurrences(of: "plain", with: "pl\u{00E9}in")]
    }()

    @Test("quoted fields hold commas, doubled quotes and line breaks; records keep their first line", arguments: texts)
    func quoted(text: String) throws {
        let records = try CSVLoader.records(text)
        let plain = text.contains("\u{00E9}") ? "pl\u{00E9}in" : "plain"
        #expect(records.map(\.number) == [1, 2, 4, 6])
        #expect(records.map(\.cells) == [["x, y", "z", "label"], ["1", " 2", "say \"hi\"\nthere"], ["3", "4", plain], ["5", "6", "\"q\""]])
        // A numeric cell in quotes is read as a number; the class name keeps its line break.
        let d = try CSVLoader.parse(text.replacingOccurrences(of: "\" 2\"", with: "\"2\""), labelColumn: "label")
        #expect(d.featureNames == ["x, y", "z"])
        #expect(d.features == [1, 2, 3, 4, 5, 6])
        #expect(Set(d.classNames) == ["say \"hi\"\nthere", plain, "\"q\""])
    }

    @Test("errors after a record spanning lines name the right line", arguments: [
        ("a,label\n1,\"two\nlines\"\n2,x,extra\n", "t.csv:4: 3 fields, but the header has 2"),
        ("a,label\n\"1\n\",x\n", "t.csv:2: column 'a' (1): '1\\u{A}' is not a number"),
        ("a,label\n1,\"x\n2,y\n", "t.csv:2: column 2: the quote opened here is never closed"),
        ("a,label\n1,\"x\"y\n", "t.csv:2: column 2: text after the closing quote (inside quotes, write a quote as \"\")"),
        ("a,label\n1\u{0},x\n", "t.csv:2: column 1: the cell holds a NUL character (\\0), which is not text"),
        ("a,label\n2,\"x\u{0}\"\n", "t.csv:2: column 2: the cell holds a NUL character (\\0), which is not text"),
        ("a,label\n\u{00E9},x\n1\u{0}5,y\n", "t.csv:3: column 1: the cell holds a NUL character (\\0), which is not text"),
    ])
    func errors(text: String, expected: String) {
        #expect(parseError(text) == expected)
    }

    @Test("CR-only line ends give a short error; CRLF works, also inside quotes")
    func lineEnds() throws {
        let rows = (0..<20_000).map { "\($0 % 7),\($0 % 3)" }
        let crOnly = "a,label\r" + rows.joined(separator: "\r") + "\r"
        let message = try #require(parseError(crOnly))
        #expect(message == "t.csv:1: column 2: a carriage return without a line feed (CR-only line ends?); save the file with LF or CRLF line ends")
        let crlf = try CSVLoader.parse("a,label\r\n" + rows.joined(separator: "\r\n") + "\r\n\"1\",\"x\r\ny\"\r\n", labelColumn: "label")
        #expect(crlf.count == 20_001 && crlf.classNames == ["0", "1", "2", "x\r\ny"])
    }

    @Test("a cell quoted in an error is cut at 60 characters")
    func longCell() {
        let cell = String(repeating: "z", count: 1_000_000)
        #expect(parseError("a,label\n\(cell),x\n") == "t.csv:2: column 'a' (1): '\(String(repeating: "z", count: 60))…' is not a number")
    }

    @Test("the digits set loads as a plain split of its lines and commas reads it")
    func digitsUnchanged() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Sources/BackpropNN/Resources/digits.csv").path
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let lines = text.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false) }
        let features = lines.dropFirst().flatMap { $0.dropLast().map { Double($0)! } }
        let labels = lines.dropFirst().map { Int($0.last!)! }
        let d = try Datasets.digits()
        #expect(d.count == 1797 && d.featureCount == 64 && d.classNames == (0...9).map(String.init))
        #expect(d.featureNames == lines[0].dropLast().map(String.init))
        #expect(d.features == features)
        #expect(d.labels == labels)
    }
}
