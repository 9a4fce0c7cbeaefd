/// `text` made safe to print to a terminal: every control character (C0 including
/// tab and line feed, DEL, C1), every bidirectional formatting character and the
/// Unicode line and paragraph separators is shown as a visible escape, so that text
/// read from a file (a tensor name, a CSV cell) cannot set the terminal title, move the
/// cursor, forge lines or reorder what follows it. With `limit`, at most that many
/// characters of `text` are shown, followed by "…".
///
/// ```
/// escaped(u) = "\u{" + hex(u) + "}"   for u ∈ U+0000…U+001F, U+007F…U+009F,
///                                        U+061C, U+200E, U+200F, U+202A…U+202E,
///                                        U+2066…U+2069, U+2028, U+2029
/// escaped(u) = u                       otherwise
/// terminalSafe("a\u{1B}]0;x\u{07}") == "a\\u{1B}]0;x\\u{7}"
/// ```
public func terminalSafe(_ text: some StringProtocol, limit: Int? = nil) -> String {
    var result = ""
    var shown = 0
    for scalar in text.unicodeScalars {
        if let limit, shown >= limit {
            result += "…"
            break
        }
        if needsTerminalEscape(scalar) {
            result += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
        } else {
            result.unicodeScalars.append(scalar)
        }
        shown += 1
    }
    return result
}

/// Whether `scalar` is a control, bidirectional formatting or line-separating character
/// that ``terminalSafe(_:limit:)`` shows as an escape.
func needsTerminalEscape(_ scalar: Unicode.Scalar) -> Bool {
    switch scalar.value {
    case 0x00...0x1F, 0x7F...0x9F: return true
    case 0x061C, 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069, 0x2028, 0x2029: return true
    default: return false
    }
}
