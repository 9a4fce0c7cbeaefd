import Foundation

/// The widest line the command prints in its text output.
let terminalWidth = 100

/// `text` with every line longer than `width` characters broken into lines of at most
/// `width`: at the last space that fits (else after the last comma, else, in a word longer
/// than the line, at `width`),
/// continued with the line's own indentation plus four spaces. Shorter lines are kept as
/// they are.
///
/// ```
/// "  a·b·c … (130 characters)"  →  "  a·b·c …(≤ 100)"
///                                  "      … the rest"
/// ```
func wrapped(_ text: String, width: Int = terminalWidth) -> String {
    tablesAsRecords(text, width: width).split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
        guard line.count > width else { return String(line) }
        let indent = String(repeating: " ", count: min(line.prefix { $0 == " " }.count + 4, width / 2))
        var pieces: [String] = []
        var rest = Substring(line)
        var prefix = ""
        while prefix.count + rest.count > width {
            let room = width - prefix.count
            let window = rest.prefix(room + 1)
            // Break at the last space within the room (not in the leading indentation).
            let leading = rest.prefix { $0 == " " }.count
            var cut = window.lastIndex(of: " ").flatMap { rest.distance(from: rest.startIndex, to: $0) > leading ? $0 : nil }
            if let c = cut, rest.distance(from: rest.startIndex, to: c) > room { cut = nil }
            // In a run without spaces (a list of numbers), after the last comma that fits.
            if cut == nil, let comma = window.dropLast().lastIndex(of: ",") { cut = rest.index(after: comma) }
            let end = cut ?? rest.index(rest.startIndex, offsetBy: room)
            var head = rest[..<end]
            while head.last == " " { head = head.dropLast() }
            pieces.append(prefix + head)
            rest = rest[end...].drop { $0 == " " }
            prefix = indent
        }
        if !rest.isEmpty { pieces.append(prefix + rest) }
        return pieces.joined(separator: "\n")
    }.joined(separator: "\n")
}

/// `text` with every table wider than `width` written as records instead: a table is a
/// header line, a rule of `─` runs (one per column) and the rows up to the next blank
/// line; each row becomes its first cell, then an indented line of `header: cell` pairs
/// (empty cells left out) that ``wrapped(_:width:)`` then breaks as needed.
///
/// ```
/// quantity  printed  computed  verdict        sum_h1
/// ────────  ───────  ────────  ───────   →        printed: 0.41 · computed: 0.41 · verdict: MATCH
/// sum_h1    0.41     0.41      MATCH
/// ```
func tablesAsRecords(_ text: String, width: Int = terminalWidth) -> String {
    var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    var i = 1
    while i < lines.count {
        let rule = Array(lines[i])
        guard rule.first == "─", rule.allSatisfy({ $0 == "─" || $0 == " " }) else { i += 1; continue }
        var end = i + 1
        while end < lines.count && !lines[end].trimmingCharacters(in: .whitespaces).isEmpty { end += 1 }
        guard lines[(i - 1)..<end].contains(where: { $0.count > width }) else { i = end; continue }
        // Column k starts where the k-th run of ─ starts.
        var starts: [Int] = []
        for (k, c) in rule.enumerated() where c == "─" && (k == 0 || rule[k - 1] == " ") { starts.append(k) }
        func cells(_ line: String) -> [String] {
            let chars = Array(line)
            return starts.indices.map { k in
                let a = min(starts[k], chars.count)
                let b = k + 1 < starts.count ? min(starts[k + 1], chars.count) : chars.count
                return String(chars[a..<b]).trimmingCharacters(in: .whitespaces)
            }
        }
        let header = cells(lines[i - 1])
        var records: [String] = []
        for row in lines[(i + 1)..<end] {
            let c = cells(row)
            records.append(c[0])
            let pairs = (1..<c.count).filter { !c[$0].isEmpty }.map { "\(header[$0]): \(c[$0])" }
            if !pairs.isEmpty { records.append("    " + pairs.joined(separator: " · ")) }
        }
        lines.replaceSubrange((i - 1)..<end, with: records)
        i = i - 1 + records.count + 1
    }
    return lines.joined(separator: "\n")
}
