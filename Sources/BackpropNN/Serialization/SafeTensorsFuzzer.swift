import Backprop
import Foundation

/// Mutation fuzzing of the safetensors reader: truncations, flipped bytes, rewritten
/// header lengths, corrupted JSON, shifted and overlapping offsets, byte-order marks,
/// duplicated entries and `__metadata__`, changed dtypes (F16, BF16, integer types),
/// odd JSON (escapes, huge numbers, deep nesting, `null`). Every 32nd case is also written
/// to a file and read with ``SafeTensorsFile/read(_:)``, whose verdict (and values) must
/// be the same as ``SafeTensorsFile/parse(_:source:)``'s. Used by the tests (a few
/// hundred cases) and by `backprop-bench fuzz-safetensors` (10⁴ and more).
public enum SafeTensorsFuzzer {
    /// Counts of outcomes. A crash would end the process, so `crashes` counts cases that
    /// threw something other than `SafeTensorsError`.
    public struct Outcome: Sendable, CustomStringConvertible {
        /// Cases that parsed (and whose values read).
        public var valid = 0
        /// Cases rejected with a `SafeTensorsError`.
        public var errors = 0
        /// Cases that threw anything else.
        public var crashes = 0
        /// Cases read from a file whose verdict or values differ from the in-memory parse.
        public var mismatches = 0
        /// Cases read from a file.
        public var fromFiles = 0
        /// The counts in words.
        public var description: String {
            "\(valid) valid, \(errors) clear errors, \(crashes) crashes, \(mismatches) file/memory mismatches (of \(fromFiles) read from files)"
        }
    }

    /// Parses `cases` mutations of the `seeds` files (every 32nd also from a file in `directory`).
    public static func run(cases: Int, seeds: [[UInt8]], seed: UInt64,
                           directory: String = NSTemporaryDirectory()) -> Outcome {
        var rng = SeededGenerator(seed: seed)
        var outcome = Outcome()
        let path = (directory as NSString).appendingPathComponent("safetensors-fuzz-\(getpid())-\(seed).safetensors")
        defer { try? FileManager.default.removeItem(atPath: path) }
        for k in 0..<cases {
            let bytes = mutate(seeds[rng.nextInt(below: seeds.count)], &rng)
            let verdict = parseVerdict { try SafeTensorsFile.parse(bytes, source: "fuzz") }
            switch verdict {
            case .valid: outcome.valid += 1
            case .error: outcome.errors += 1
            case .crash: outcome.crashes += 1
            }
            if k % 32 == 0 {
                outcome.fromFiles += 1
                guard writeFuzzCase(bytes, to: path) else { outcome.crashes += 1; continue }
                let fromFile = parseVerdict { try SafeTensorsFile.read(path) }
                // Same verdict, same values, same message but for the name of the source.
                switch (verdict, fromFile) {
                case (.valid(let a), .valid(let b)) where a == b: break
                case (.error(let a), .error(let b)) where "fuzz" + b.dropFirst(path.count) == a: break
                default: outcome.mismatches += 1
                }
            }
        }
        return outcome
    }

    enum Verdict {
        case valid([[UInt64]]), error(String), crash  // values as bit patterns (NaN == NaN)
    }

    static func parseVerdict(_ open: () throws -> SafeTensorsFile) -> Verdict {
        do {
            let file = try open()
            var values: [[UInt64]] = []
            for e in file.entries where [.F64, .F32, .F16, .BF16].contains(e.dtype) { values.append(try file.doubles(e).map(\.bitPattern)) }
            for e in file.entries { _ = try file.bytes(e) }
            return .valid(values)
        } catch let e as SafeTensorsError {
            return .error(e.message)
        } catch {
            return .crash
        }
    }

    /// `file` with its header replaced by `header` (and the length rewritten).
    static func withHeader(_ file: [UInt8], _ header: [UInt8], oldLength: Int) -> [UInt8] {
        let n = UInt64(header.count)
        return (0..<8).map { UInt8(truncatingIfNeeded: n >> (8 * UInt64($0))) } + header + file[Swift.min(file.count, 8 + oldLength)...]
    }

    /// JSON fragments spliced into headers.
    static let fragments: [String] = [
        "\"__metadata__\":null,", "\"__metadata__\":{\"k\":\"v\"},", "\"__metadata__\":{\"k\":\"a\",\"k\":\"b\"},",
        "\"\\ud83d\\ude00\":{\"dtype\":\"F16\",\"shape\":[0],\"data_offsets\":[0,0]},", "\"\\ud800\":1,",
        "\"z\":{\"dtype\":\"F32\",\"shape\":[99999999999999999999],\"data_offsets\":[0,0]},",
        "\"z\":{\"dtype\":\"F32\",\"shape\":[3000000000],\"data_offsets\":[0,0]},",
        "\"z\":{\"dtype\":\"BF16\",\"shape\":[0],\"data_offsets\":[0,0],\"x\":" + String(repeating: "[", count: 130) + String(repeating: "]", count: 130) + "},",
        "\"z\":{\"dtype\":\"F16\",\"shape\":[1.0],\"data_offsets\":[0,0]},", "\"z\":{\"dtype\":\"F16\",\"dtype\":\"F16\"},",
        "\"z\":{\"dtype\":\"F16\",\"shape\":[-0],\"data_offsets\":[0,0]},", "\"z\":null,", "\"\\u0000\\n\\t\":{},",
    ]

    static func mutate(_ original: [UInt8], _ rng: inout SeededGenerator) -> [UInt8] {
        var b = original
        let headerLength = (0..<8).reduce(0) { $0 | Int(b[$1]) << (8 * $1) }
        let header = Array(b[8..<Swift.min(b.count, 8 + headerLength)])
        switch rng.nextInt(below: 12) {
        case 0:  // truncate
            b = Array(b.prefix(rng.nextInt(below: b.count)))
        case 1:  // flip random bytes anywhere
            for _ in 0...rng.nextInt(below: 4) { b[rng.nextInt(below: b.count)] ^= UInt8(1 + rng.nextInt(below: 255)) }
        case 2:  // rewrite the header length
            let choices: [UInt64] = [0, 1, UInt64(headerLength - 1), UInt64(headerLength + 1), UInt64(b.count), UInt64.max,
                                     UInt64(rng.next() % 1_000_000)]
            let n = choices[rng.nextInt(below: choices.count)]
            for k in 0..<8 { b[k] = UInt8(truncatingIfNeeded: n >> (8 * UInt64(k))) }
        case 3:  // flip a byte inside the JSON
            if headerLength > 0 { b[8 + rng.nextInt(below: headerLength)] ^= UInt8(1 + rng.nextInt(below: 255)) }
        case 4:  // replace a digit in the JSON (offsets and shapes)
            let digits = (8..<(8 + headerLength)).filter { b[$0] >= 0x30 && b[$0] <= 0x39 }
            if let i = digits.randomElement(using: &rng) { b[i] = 0x30 + UInt8(rng.nextInt(below: 10)) }
        case 5:  // append or remove data bytes
            if rng.nextInt(below: 2) == 0 { b += [UInt8](repeating: 7, count: 1 + rng.nextInt(below: 9)) } else if b.count > 8 + headerLength { b.removeLast() }
        case 6:  // structural JSON damage: delete a brace, quote, colon or comma
            let marks = (8..<(8 + headerLength)).filter { [0x7b, 0x7d, 0x22, 0x3a, 0x2c, 0x5b, 0x5d].contains(b[$0]) }
            if let i = marks.randomElement(using: &rng) { b[i] = 0x20 }
        case 8:  // a byte-order mark before the JSON
            b = withHeader(b, [0xEF, 0xBB, 0xBF] + header, oldLength: headerLength)
        case 9:  // a JSON fragment after the opening brace (duplicates, metadata, escapes, numbers, nesting)
            guard header.first == 0x7B else { break }
            let fragment = Array(fragments[rng.nextInt(below: fragments.count)].utf8)
            b = withHeader(b, [0x7B] + fragment + header.dropFirst(), oldLength: headerLength)
        case 10:  // duplicate the first tensor entry (a repeated name)
            guard let text = String(bytes: header, encoding: .utf8), let open = text.firstIndex(of: "{"),
                  let dtype = text.range(of: ":{\"dtype\""), dtype.lowerBound > text.startIndex,
                  let nameStart = text[..<text.index(before: dtype.lowerBound)].lastIndex(of: "\""),
                  let close = text.range(of: "]}", range: dtype.upperBound..<text.endIndex) else { break }
            let entry = text[nameStart..<close.upperBound]
            b = withHeader(b, Array(("{" + entry + "," + text[text.index(after: open)...]).utf8), oldLength: headerLength)
        case 11:  // change a dtype (F64/F32 to F16, BF16, an integer type, or an unknown one)
            guard let text = String(bytes: header, encoding: .utf8) else { break }
            let to = ["F16", "BF16", "U8", "I64", "F8_E5M2", "F128"][rng.nextInt(below: 6)]
            let from = text.contains("\"F64\"") ? "\"F64\"" : "\"F32\""
            guard let r = text.range(of: from) else { break }
            b = withHeader(b, Array(text.replacingCharacters(in: r, with: "\"\(to)\"").utf8), oldLength: headerLength)
        default:  // swap two data_offsets digits runs by rewriting a number to overlap
            if let text = String(bytes: b[8..<(8 + headerLength)], encoding: .utf8),
               let r = text.range(of: "\"data_offsets\":[") {
                let start = 8 + text.utf8.distance(from: text.startIndex, to: r.upperBound)
                if start < 8 + headerLength { b[start] = 0x30 }  // begin becomes 0…: overlaps the first tensor
            }
        }
        return b
    }
}

/// Writes a fuzz case to `path` as a new file (the old one unlinked first): replacing a file
/// by truncation or by rename makes ext4 flush it to disk on close, which made the
/// fuzzers' file cases take most of their time. Returns false when it cannot be written.
func writeFuzzCase(_ bytes: [UInt8], to path: String) -> Bool {
    unlink(path)
    let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
    guard fd >= 0 else { return false }
    defer { close(fd) }
    var written = 0
    return bytes.withUnsafeBytes { raw in
        while written < raw.count {
            let r = write(fd, raw.baseAddress! + written, raw.count - written)
            if r < 0 { if errno == EINTR { continue }; return false }
            written += r
        }
        return true
    }
}
