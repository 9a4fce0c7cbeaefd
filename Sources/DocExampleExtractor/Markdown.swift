import Foundation

/// One ```swift block of a Markdown file, with its optional setup and check lines.
struct Example {
    enum Mode: String { case run, compileOnly = "compile-only", noCompile = "no-compile" }

    /// The Markdown file, as given on the command line.
    var path: String
    /// 1-based line of the opening fence.
    var fenceLine: Int
    var mode: Mode
    /// Lines (with their 1-based line numbers) of the setup comment, the block, the check comment.
    var setup: [(Int, String)] = []
    var body: [(Int, String)] = []
    var check: [(Int, String)] = []
}

/// The examples of one Markdown file, and `file:line: error: …` lines for malformed ones
/// (an unknown fence word, an unclosed block or comment).
func parseExamples(markdown: String, path: String) -> (examples: [Example], problems: [String]) {
    let lines = markdown.components(separatedBy: "\n").map { $0.hasSuffix("\r") ? String($0.dropLast()) : $0 }
    var examples: [Example] = [], problems: [String] = []
    var pendingSetup: [(Int, String)]? = nil
    var i = 0
    /// Reads the lines of an HTML comment opened on line `start` up to `-->`.
    func comment(from start: Int) -> (lines: [(Int, String)], end: Int)? {
        var body: [(Int, String)] = []
        var j = start + 1
        while j < lines.count {
            if lines[j].trimmingCharacters(in: .whitespaces) == "-->" { return (body, j) }
            body.append((j + 1, lines[j]))
            j += 1
        }
        return nil
    }
    while i < lines.count {
        let trimmed = lines[i].trimmingCharacters(in: .whitespaces)
        if trimmed == "<!-- example setup:" {
            guard let c = comment(from: i) else { problems.append("\(path):\(i + 1): error: unclosed '<!-- example setup:' comment"); break }
            pendingSetup = c.lines
            i = c.end + 1
            continue
        }
        if trimmed.hasPrefix("```swift") && lines[i].hasPrefix("```") {
            let words = trimmed.dropFirst(3).split(separator: " ").map(String.init)
            var mode = Example.Mode.run
            if words.count > 1 {
                guard words.count == 2, let m = Example.Mode(rawValue: words[1]), m != .run else {
                    problems.append("\(path):\(i + 1): error: unknown example marker '\(words.dropFirst().joined(separator: " "))'; "
                                    + "use ```swift, ```swift compile-only or ```swift no-compile")
                    i += 1
                    continue
                }
                mode = m
            }
            var example = Example(path: path, fenceLine: i + 1, mode: mode)
            example.setup = pendingSetup ?? []
            pendingSetup = nil
            var j = i + 1
            while j < lines.count && !lines[j].hasPrefix("```") {
                example.body.append((j + 1, lines[j]))
                j += 1
            }
            guard j < lines.count else { problems.append("\(path):\(i + 1): error: unclosed ```swift block"); break }
            i = j + 1
            // A check comment right after the block (blank lines allowed).
            var k = i
            while k < lines.count && lines[k].trimmingCharacters(in: .whitespaces).isEmpty { k += 1 }
            if k < lines.count && lines[k].trimmingCharacters(in: .whitespaces) == "<!-- example check:" {
                guard let c = comment(from: k) else { problems.append("\(path):\(k + 1): error: unclosed '<!-- example check:' comment"); break }
                example.check = c.lines
                i = c.end + 1
            }
            if mode == .noCompile && !(example.setup.isEmpty && example.check.isEmpty) {
                problems.append("\(path):\(example.fenceLine): error: a no-compile example cannot have setup or check lines")
            }
            examples.append(example)
            continue
        }
        if pendingSetup != nil && !trimmed.isEmpty {
            problems.append("\(path):\(i + 1): error: '<!-- example setup:' must come right before a ```swift block")
            pendingSetup = nil
        }
        i += 1
    }
    if pendingSetup != nil { problems.append("\(path): error: '<!-- example setup:' at the end, with no ```swift block after it") }
    return (examples, problems)
}
