import Foundation

/// A data error that names the file, line and column at fault. Cells, labels and
/// column names are shown through ``terminalSafe(_:limit:)`` (cells cut at 60
/// characters): the message holds no control or bidirectional formatting characters.
public struct DataError: Error, CustomStringConvertible, Equatable {
    /// What is wrong, and where.
    public var message: String
    /// Creates an error; control and bidirectional characters in `message` are escaped.
    public init(message: String) { self.message = terminalSafe(message) }
    /// The message (escaped again, in case `message` was assigned directly).
    public var description: String { terminalSafe(message) }
}

/// Reads numeric CSV files into a `Dataset`.
///
/// The first record is a header. Fields follow RFC 4180: a field in double quotes may
/// hold commas, line breaks and doubled quotes; lines end with LF or CRLF; errors name
/// the line where the record starts. Every column but the label column must be numeric
/// and finite. The label column is a class name (any text; classes are numbered in sorted
/// order: by value when every label is a number, else by Unicode scalars, so the order
/// never depends on the rows' order; two spellings of one number are an error) or, with
/// `regression: true`, a number. Empty lines are skipped. Errors name the file, the line
/// number and the column: a ragged row, a non-numeric or non-finite value, a missing
/// label column, an empty file, a quote never closed, a NUL character in a cell,
/// CR-only line ends.
public enum CSVLoader {
    /// Loads `path`.
    ///
    /// - Parameters:
    ///   - labelColumn: The header name of the label (or target) column.
    ///   - regression: Read the label column as a numeric target.
    public static func load(_ path: String, labelColumn: String, regression: Bool = false) throws -> Dataset {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw DataError(message: "\(path): cannot read the file (missing or not readable)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw DataError(message: "\(path): not UTF-8 text")
        }
        return try parse(text, source: path, labelColumn: labelColumn, regression: regression)
    }

    /// The non-blank records of `text` with the line each starts on (from 1), split at
    /// commas into cells (RFC 4180).
    ///
    /// An unquoted cell loses its leading and trailing blanks (tabs, spaces and the
    /// Unicode space separators of ``trimmedCell(_:)``). A cell in double quotes may hold
    /// commas, line breaks and doubled quotes (`""` is one `"`); its text is kept as
    /// written, and blanks around the quotes are ignored. Lines end with LF or CRLF. The
    /// text is read byte by byte as UTF-8 whatever it holds (the separators are ASCII, and
    /// UTF-8 never uses ASCII bytes inside another character), so ASCII and other text
    /// are split alike.
    ///
    /// Errors (naming the line and column): a quote never closed, text after a closing
    /// quote, a NUL character in a cell (Swift's `Double("1\0")` reads 1 and would drop
    /// the rest silently), and a carriage return not followed by a line feed (CR-only
    /// line ends would otherwise make the whole file one line).
    static func records(_ text: String, source: String = "CSV") throws -> [(number: Int, cells: [String])] {
        var text = text
        return try text.withUTF8 { bytes -> [(number: Int, cells: [String])] in
            let n = bytes.count
            let ascii = !bytes.contains(where: { $0 >= 0x80 })
            let quote: UInt8 = 0x22, comma: UInt8 = 0x2C, lf: UInt8 = 0x0A, cr: UInt8 = 0x0D
            func isBlank(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 }
            func fail(_ line: Int, _ column: Int, _ problem: String) -> DataError {
                DataError(message: "\(source):\(line): column \(column): \(problem)")
            }
            let nul = "the cell holds a NUL character (\\0), which is not text"
            var result: [(number: Int, cells: [String])] = []
            var i = 0, line = 1
            while true {
                let recordLine = line
                var cells: [String] = []
                var blank = true
                fields: while true {
                    let column = cells.count + 1
                    var a = i
                    while a < n && isBlank(bytes[a]) { a += 1 }
                    if a < n && bytes[a] == quote {
                        blank = false
                        let quoteLine = line
                        var content: [UInt8] = []
                        var k = a + 1
                        while true {
                            guard k < n else { throw fail(quoteLine, column, "the quote opened here is never closed") }
                            let b = bytes[k]
                            if b == quote {
                                if k + 1 < n && bytes[k + 1] == quote { content.append(quote); k += 2; continue }
                                k += 1
                                break
                            }
                            if b == 0 { throw fail(line, column, nul) }
                            if b == lf { line += 1 }
                            content.append(b)
                            k += 1
                        }
                        while k < n && isBlank(bytes[k]) { k += 1 }
                        if k < n && bytes[k] != comma && bytes[k] != lf && bytes[k] != cr {
                            throw fail(line, column, "text after the closing quote (inside quotes, write a quote as \"\")")
                        }
                        cells.append(String(decoding: content, as: UTF8.self))
                        i = k
                    } else {
                        var k = a
                        while k < n {
                            let b = bytes[k]
                            if b == comma || b == lf || b == cr { break }
                            if b == 0 { throw fail(line, column, nul) }
                            k += 1
                        }
                        var e = k
                        while e > a && isBlank(bytes[e - 1]) { e -= 1 }
                        var cell = String(decoding: UnsafeBufferPointer(rebasing: bytes[a..<e]), as: UTF8.self)
                        if !ascii { cell = String(trimmedCell(Substring(cell))) }
                        if !cell.isEmpty { blank = false }
                        cells.append(cell)
                        i = k
                    }
                    guard i < n else { break fields }
                    switch bytes[i] {
                    case comma:
                        blank = false
                        i += 1
                    case lf:
                        i += 1
                        line += 1
                        break fields
                    default: // CR, the only other byte a cell stops at
                        guard i + 1 < n && bytes[i + 1] == lf else {
                            throw fail(line, column, "a carriage return without a line feed (CR-only line ends?); "
                                       + "save the file with LF or CRLF line ends")
                        }
                        i += 2
                        line += 1
                        break fields
                    }
                }
                if !blank { result.append((recordLine, cells)) }
                if i >= n { break }
            }
            return result
        }
    }

    /// Parses CSV text (see ``load(_:labelColumn:regression:)``); `source` names it in errors.
    public static func parse(_ text: String, source: String = "CSV", labelColumn: String,
                             regression: Bool = false) throws -> Dataset {
        let lines = try records(text, source: source)
        guard let header = lines.first else { throw DataError(message: "\(source): the file is empty (no header line)") }
        let names = header.cells
        guard let labelIndex = names.firstIndex(of: labelColumn) else {
            throw DataError(message: "\(source):\(header.number): no column named '\(shown(labelColumn))' (columns: \(terminalSafe(names.joined(separator: ", "), limit: 200)))")
        }
        guard names.count >= 2 else {
            throw DataError(message: "\(source):\(header.number): need at least one feature column besides '\(shown(labelColumn))'")
        }
        let rows = lines.dropFirst()
        guard !rows.isEmpty else { throw DataError(message: "\(source): no data rows after the header") }
        var features: [Double] = []
        features.reserveCapacity(rows.count * (names.count - 1))
        var rawLabels: [String] = []
        for row in rows {
            let cells = row.cells
            guard cells.count == names.count else {
                throw DataError(message: "\(source):\(row.number): \(cells.count) fields, but the header has \(names.count)")
            }
            for (j, cell) in cells.enumerated() {
                if j == labelIndex {
                    if cell.isEmpty { throw DataError(message: "\(source):\(row.number): empty label in column '\(shown(labelColumn))'") }
                    rawLabels.append(String(cell))
                    continue
                }
                guard let v = Double(cell) else {
                    throw DataError(message: "\(source):\(row.number): column '\(shown(names[j]))' (\(j + 1)): '\(shown(cell))' is not a number")
                }
                guard v.isFinite else {
                    throw DataError(message: "\(source):\(row.number): column '\(shown(names[j]))' (\(j + 1)): '\(shown(cell))' is not finite")
                }
                features.append(v)
            }
        }
        let featureNames = names.enumerated().filter { $0.offset != labelIndex }.map(\.element)
        if regression {
            var targets: [Double] = []
            for (k, raw) in rawLabels.enumerated() {
                guard let v = Double(raw), v.isFinite else {
                    throw DataError(message: "\(source):\(rows[rows.startIndex + k].number): target '\(shown(raw))' in column '\(shown(labelColumn))' is not a finite number")
                }
                targets.append(v)
            }
            return Dataset(features: features, featureCount: featureNames.count, targets: targets, featureNames: featureNames)
        }
        let classNames = try orderedClassNames(rawLabels, source: source, column: labelColumn)
        let index = Dictionary(uniqueKeysWithValues: classNames.enumerated().map { ($1, $0) })
        return Dataset(features: features, featureCount: featureNames.count, labels: rawLabels.map { index[$0]! },
                       classNames: classNames, featureNames: featureNames)
    }
}

/// The rows of a CSV file read by column name for a trained model: see
/// ``CSVLoader/loadColumns(_:features:label:)``.
public struct CSVColumns: Sendable, Equatable {
    /// Row-major values of the requested feature columns, in the requested order.
    public var features: [Double]
    /// Number of rows.
    public var count: Int
    /// The line each row starts on (from 1), for messages.
    public var lines: [Int]
    /// The cells of the label column, if one was asked for and the file has it, else nil.
    public var labels: [String]?
    /// Header names that are neither a requested feature nor the label (not read).
    public var otherColumns: [String]
}

extension CSVLoader {
    /// Reads the columns `features` (by header name, in that order, wherever they are in
    /// the file) and, if the file has it, the column `label`, with the same rules and
    /// errors as ``load(_:labelColumn:regression:)``: a missing feature column is an error
    /// naming it and the columns the file has; a name the header holds twice is an error
    /// (which one the model reads would be a guess); other columns are not read and are
    /// listed in ``CSVColumns/otherColumns``.
    public static func loadColumns(_ path: String, features: [String], label: String?) throws -> CSVColumns {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw DataError(message: "\(path): cannot read the file (missing or not readable)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw DataError(message: "\(path): not UTF-8 text")
        }
        return try parseColumns(text, source: path, features: features, label: label)
    }

    /// Parses CSV text (see ``loadColumns(_:features:label:)``); `source` names it in errors.
    public static func parseColumns(_ text: String, source: String = "CSV", features wanted: [String],
                                    label: String?) throws -> CSVColumns {
        let lines = try records(text, source: source)
        guard let header = lines.first else { throw DataError(message: "\(source): the file is empty (no header line)") }
        let names = header.cells
        var seen: [String: Int] = [:]
        for (j, name) in names.enumerated() {
            if let first = seen[name], wanted.contains(name) || name == label {
                throw DataError(message: "\(source):\(header.number): the header names columns \(first + 1) and \(j + 1) both '\(shown(name))'")
            }
            seen[name] = seen[name] ?? j
        }
        var columns: [Int] = []
        for name in wanted {
            guard let j = seen[name] else {
                throw DataError(message: "\(source):\(header.number): no column '\(shown(name))', which the model reads "
                                + "(columns: \(terminalSafe(names.joined(separator: ", "), limit: 200)))")
            }
            columns.append(j)
        }
        let labelIndex = label.flatMap { seen[$0] }
        let used = Set(columns + (labelIndex.map { [$0] } ?? []))
        let rows = lines.dropFirst()
        var values: [Double] = []
        values.reserveCapacity(rows.count * columns.count)
        var labels: [String] = []
        for row in rows {
            let cells = row.cells
            guard cells.count == names.count else {
                throw DataError(message: "\(source):\(row.number): \(cells.count) fields, but the header has \(names.count)")
            }
            for j in columns {
                let cell = cells[j]
                guard let v = Double(cell) else {
                    throw DataError(message: "\(source):\(row.number): column '\(shown(names[j]))' (\(j + 1)): '\(shown(cell))' is not a number")
                }
                guard v.isFinite else {
                    throw DataError(message: "\(source):\(row.number): column '\(shown(names[j]))' (\(j + 1)): '\(shown(cell))' is not finite")
                }
                values.append(v)
            }
            if let l = labelIndex {
                if cells[l].isEmpty { throw DataError(message: "\(source):\(row.number): empty label in column '\(shown(names[l]))'") }
                labels.append(cells[l])
            }
        }
        return CSVColumns(features: values, count: rows.count, lines: rows.map(\.number),
                          labels: labelIndex == nil ? nil : labels,
                          otherColumns: names.enumerated().filter { !used.contains($0.offset) }.map(\.element))
    }
}

/// The distinct labels in a fixed order that does not depend on the order of the rows
/// or on the process: by numeric value when every label is a number, otherwise by their
/// Unicode scalars. Two different spellings of one number ("1", "01", "+1", "1.0") are
/// a clash, reported by name, since they would otherwise be two classes or one by chance.
///
/// ```
/// ["10", "9", "2"] → ["2", "9", "10"];   ["b", "é", "a"] → ["a", "b", "é"]
/// ```
func orderedClassNames(_ labels: [String], source: String, column: String) throws -> [String] {
    let distinct = Array(Set(labels))
    let numbers = distinct.map { Double($0) }
    guard numbers.allSatisfy({ $0 != nil && $0!.isFinite }) else {
        return distinct.sorted { $0.unicodeScalars.lexicographicallyPrecedes($1.unicodeScalars) }
    }
    let pairs = zip(distinct, numbers.map { $0! }).sorted {
        $0.1 != $1.1 ? $0.1 < $1.1 : $0.0.unicodeScalars.lexicographicallyPrecedes($1.0.unicodeScalars)
    }
    for (a, b) in zip(pairs, pairs.dropFirst()) where a.1 == b.1 {
        throw DataError(message: "\(source): column '\(shown(column))': labels '\(shown(a.0))' and '\(shown(b.0))' are the same number \(a.1) written two ways; write each class one way")
    }
    return pairs.map(\.0)
}

/// A cell, label or column name as quoted in an error message: escaped for the
/// terminal and cut at 60 characters.
func shown(_ text: some StringProtocol) -> String { terminalSafe(text, limit: 60) }

/// `cell` without leading and trailing blanks: tabs and Unicode space separators (the
/// characters of Foundation's `CharacterSet.whitespaces`), read scalar by scalar
/// (Foundation's trimming bridges every cell through `NSString`, which took most of the
/// time of loading the digits set).
func trimmedCell(_ cell: Substring) -> Substring {
    func isBlank(_ u: Unicode.Scalar) -> Bool {
        u == " " || u == "\t" || (u.value > 127 && u.properties.generalCategory == .spaceSeparator)
    }
    let scalars = cell.unicodeScalars
    var lo = scalars.startIndex, hi = scalars.endIndex
    while lo < hi, isBlank(scalars[lo]) { lo = scalars.index(after: lo) }
    while hi > lo, isBlank(scalars[scalars.index(before: hi)]) { hi = scalars.index(before: hi) }
    return Substring(scalars[lo..<hi])
}
