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
/// The first line is a header. Every column but the label column must be numeric and
/// finite. The label column is a class name (any text; classes are numbered in sorted
/// order: by value when every label is a number, else by Unicode scalars, so the order
/// never depends on the rows' order; two spellings of one number are an error) or, with
/// `regression: true`, a number. Empty lines are skipped. Errors name the file, the line
/// number and the column: a ragged row, a non-numeric or non-finite value, a missing
/// label column, an empty file.
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

    /// The non-blank lines of `text`, numbered from 1, split at commas into cells without
    /// leading and trailing blanks. ASCII text (the usual case) is split byte by byte;
    /// other text character by character, with the same result.
    static func records(_ text: String) -> [(number: Int, cells: [String])] {
        var text = text
        let ascii = text.withUTF8 { bytes -> [(number: Int, cells: [String])]? in
            guard !bytes.contains(where: { $0 >= 0x80 }) else { return nil }
            func isBlank(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 }
            var result: [(number: Int, cells: [String])] = []
            var lineStart = 0, number = 1
            while true {
                var end = lineStart
                while end < bytes.count && bytes[end] != 0x0A { end += 1 }
                var lineEnd = end
                if lineEnd > lineStart && bytes[lineEnd - 1] == 0x0D { lineEnd -= 1 }
                if bytes[lineStart..<lineEnd].contains(where: { !isBlank($0) }) {
                    var cells: [String] = []
                    var cellStart = lineStart, k = lineStart
                    while true {
                        if k == lineEnd || bytes[k] == 0x2C {
                            var a = cellStart, b = k
                            while a < b && isBlank(bytes[a]) { a += 1 }
                            while b > a && isBlank(bytes[b - 1]) { b -= 1 }
                            cells.append(String(decoding: UnsafeBufferPointer(rebasing: bytes[a..<b]), as: UTF8.self))
                            if k == lineEnd { break }
                            cellStart = k + 1
                        }
                        k += 1
                    }
                    result.append((number, cells))
                }
                if end >= bytes.count { break }
                lineStart = end + 1
                number += 1
            }
            return result
        }
        if let ascii { return ascii }
        // "\r\n" is one `Character` in Swift, so it is a separator of its own.
        return text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }).enumerated()
            .map { (number: $0.offset + 1, text: $0.element.hasSuffix("\r") ? $0.element.dropLast() : $0.element) }
            .filter { !trimmedCell($0.text).isEmpty }
            .map { line in
                (line.number, line.text.split(separator: ",", omittingEmptySubsequences: false).map { String(trimmedCell($0)) })
            }
    }

    /// Parses CSV text (see ``load(_:labelColumn:regression:)``); `source` names it in errors.
    public static func parse(_ text: String, source: String = "CSV", labelColumn: String,
                             regression: Bool = false) throws -> Dataset {
        let lines = records(text)
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
