import BackpropNN

/// How the command shows a user's argument (a file name, an option's value, an unknown
/// word) inside a message: escaped for the terminal by ``terminalSafe(_:limit:)`` and cut
/// at 200 characters. A line feed, ESC or U+202E in an argument then shows as `\u{A}`,
/// `\u{1B}`, `\u{202E}` and cannot end the line, drive the terminal or reorder the text.
///
/// ```
/// echoed("a\nb") == "a\\u{A}b"
/// ```
func echoed(_ argument: some StringProtocol) -> String {
    terminalSafe(argument, limit: 200)
}
