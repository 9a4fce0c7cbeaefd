/// The hand-written JSON scanner for a safetensors header: one pass over the bytes, no
/// intermediate JSON tree, no recursion, time and memory linear in the header's size.
///
/// Grammar accepted (RFC 8259 JSON, specialised to the format):
///
/// ```
/// header   = ws "{" [member ("," member)*] "}" ws          ws = space, tab, LF, CR
/// member   = string ":" (tensor | metadata)
/// metadata = "null" | "{" [string ":" string ("," string ":" string)*] "}"   (key "__metadata__")
/// tensor   = "{" field ("," field)* "}"   fields: "dtype": string, "shape": [uint*],
///            "data_offsets": [uint, uint]; other fields are skipped (any JSON value)
/// ```
///
/// Rejected, each with a message naming the byte offset in the file: a UTF-8 byte-order
/// mark, a duplicate tensor name, `__metadata__` key or field, control characters in
/// strings, lone surrogate escapes, numbers with a fraction or exponent where an integer
/// is needed, values nested deeper than 128, anything after the closing brace but
/// whitespace.
struct SafeTensorsHeaderScanner {
    /// One tensor as written in the header, before the offsets are checked against the data.
    struct RawEntry {
        var name: String
        var dtype: SafeTensorsDType
        var shape: [Int]
        var begin: Int
        var end: Int
        /// Element count times dtype size.
        var byteCount: Int
    }

    /// An unsigned integer token as the format needs it.
    enum Integer {
        case value(Int)
        case negative(String)
        case tooLarge(String)
        case notInteger(String)
    }

    let bytes: UnsafeBufferPointer<UInt8>
    /// File offset of `bytes[0]` (8), for messages.
    let base: Int
    let fail: (String) -> SafeTensorsError
    var i = 0

    static let maximumDepth = 128

    /// Scans the header; returns the entries in header order and the metadata.
    static func scan(_ bytes: UnsafeBufferPointer<UInt8>, base: Int,
                     fail: @escaping (String) -> SafeTensorsError) throws -> (entries: [RawEntry], metadata: [String: String], index: [String: Int]) {
        var scanner = SafeTensorsHeaderScanner(bytes: bytes, base: base, fail: fail)
        return try scanner.header()
    }

    // MARK: Lexical

    var atEnd: Bool { i >= bytes.count }

    func syntax(_ problem: String) -> SafeTensorsError {
        let last = base + bytes.count - 1
        if atEnd { return fail("header (bytes \(base)–\(last)) is not valid JSON: \(problem) at the end of the header") }
        return fail("header (bytes \(base)–\(last)) is not valid JSON: \(problem) at byte \(base + i)")
    }

    mutating func skipWhitespace() {
        while i < bytes.count {
            let b = bytes[i]
            guard b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D else { return }
            i += 1
        }
    }

    /// Skips whitespace, then consumes `byte` or fails.
    mutating func expect(_ byte: UInt8, _ what: String) throws {
        skipWhitespace()
        guard !atEnd, bytes[i] == byte else { throw syntax("expected \(what)") }
        i += 1
    }

    /// Skips whitespace; consumes `byte` if it is next.
    mutating func consume(_ byte: UInt8) -> Bool {
        skipWhitespace()
        if i < bytes.count && bytes[i] == byte { i += 1; return true }
        return false
    }

    /// Consumes a literal word (null, true, false).
    mutating func literal(_ word: StaticString) throws {
        let n = word.utf8CodeUnitCount
        guard i + n <= bytes.count else { throw syntax("unexpected end") }
        for k in 0..<n where bytes[i + k] != word.utf8Start[k] { throw syntax("unexpected character") }
        i += n
    }

    /// A JSON string (the bytes were checked to be UTF-8 before scanning).
    mutating func string() throws -> String {
        skipWhitespace()
        guard !atEnd, bytes[i] == 0x22 else { throw syntax("expected a string") }
        i += 1
        let start = i
        // Fast path: no escapes.
        while i < bytes.count {
            let b = bytes[i]
            if b == 0x22 {
                let s = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<i]), as: UTF8.self)
                i += 1
                return s
            }
            if b == 0x5C { break }
            if b < 0x20 { throw syntax("control character \(b) in a string") }
            i += 1
        }
        var out = [UInt8](UnsafeBufferPointer(rebasing: bytes[start..<i]))
        while true {
            guard i < bytes.count else { throw syntax("unterminated string") }
            let b = bytes[i]
            if b == 0x22 { i += 1; return String(decoding: out, as: UTF8.self) }
            if b < 0x20 { throw syntax("control character \(b) in a string") }
            if b != 0x5C { out.append(b); i += 1; continue }
            i += 1
            guard i < bytes.count else { throw syntax("unterminated escape") }
            let e = bytes[i]
            i += 1
            switch e {
            case 0x22, 0x5C, 0x2F: out.append(e)
            case 0x62: out.append(0x08)
            case 0x66: out.append(0x0C)
            case 0x6E: out.append(0x0A)
            case 0x72: out.append(0x0D)
            case 0x74: out.append(0x09)
            case 0x75:
                var scalar = try hex4()
                if (0xD800..<0xDC00).contains(scalar) {
                    guard i + 1 < bytes.count, bytes[i] == 0x5C, bytes[i + 1] == 0x75 else {
                        throw syntax("lone surrogate in a \\u escape")
                    }
                    i += 2
                    let low = try hex4()
                    guard (0xDC00..<0xE000).contains(low) else { throw syntax("lone surrogate in a \\u escape") }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                } else if (0xDC00..<0xE000).contains(scalar) {
                    throw syntax("lone surrogate in a \\u escape")
                }
                out.append(contentsOf: Array(String(Character(Unicode.Scalar(scalar)!)).utf8))
            default:
                i -= 1
                throw syntax("invalid escape")
            }
        }
    }

    mutating func hex4() throws -> UInt32 {
        guard i + 4 <= bytes.count else { throw syntax("unterminated \\u escape") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let b = bytes[i]
            let d: UInt8
            switch b {
            case 0x30...0x39: d = b - 0x30
            case 0x41...0x46: d = b - 0x41 + 10
            case 0x61...0x66: d = b - 0x61 + 10
            default: throw syntax("invalid \\u escape")
            }
            v = v << 4 | UInt32(d)
            i += 1
        }
        return v
    }

    /// A JSON number; classified for use as a size or offset.
    mutating func integer() throws -> Integer {
        skipWhitespace()
        let start = i
        var negative = false
        if i < bytes.count && bytes[i] == 0x2D { negative = true; i += 1 }
        guard i < bytes.count, (0x30...0x39).contains(bytes[i]) else { throw syntax("expected a number") }
        var value = 0
        var overflow = false
        if bytes[i] == 0x30 {
            i += 1
            if i < bytes.count && (0x30...0x39).contains(bytes[i]) { throw syntax("leading zero in a number") }
        } else {
            while i < bytes.count && (0x30...0x39).contains(bytes[i]) {
                let (m, o1) = value.multipliedReportingOverflow(by: 10)
                let (s, o2) = m.addingReportingOverflow(Int(bytes[i] - 0x30))
                overflow = overflow || o1 || o2
                value = s
                i += 1
            }
        }
        var fractional = false
        if i < bytes.count && bytes[i] == 0x2E {
            fractional = true
            i += 1
            guard i < bytes.count, (0x30...0x39).contains(bytes[i]) else { throw syntax("expected a digit after '.'") }
            while i < bytes.count && (0x30...0x39).contains(bytes[i]) { i += 1 }
        }
        if i < bytes.count && (bytes[i] == 0x65 || bytes[i] == 0x45) {
            fractional = true
            i += 1
            if i < bytes.count && (bytes[i] == 0x2B || bytes[i] == 0x2D) { i += 1 }
            guard i < bytes.count, (0x30...0x39).contains(bytes[i]) else { throw syntax("expected a digit in an exponent") }
            while i < bytes.count && (0x30...0x39).contains(bytes[i]) { i += 1 }
        }
        if !fractional && !negative && !overflow { return .value(value) }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<i]), as: UTF8.self)
        if fractional { return .notInteger(text) }
        if negative { return .negative(text) }
        if overflow { return .tooLarge(text) }
        return .value(value)
    }

    /// Skips any JSON value, without recursion (an explicit stack of at most 128 container
    /// kinds); nesting deeper than 128 is an error, as in the reference implementation.
    mutating func skipValue() throws {
        var stack: [Bool] = []  // true: object, false: array
        var expectingValue = true
        while true {
            if expectingValue {
                skipWhitespace()
                guard !atEnd else { throw syntax("unexpected end") }
                let b = bytes[i]
                if b == 0x7B || b == 0x5B {
                    guard stack.count < Self.maximumDepth else { throw syntax("values nested deeper than \(Self.maximumDepth)") }
                    i += 1
                    if consume(b == 0x7B ? 0x7D : 0x5D) {
                        expectingValue = false
                    } else {
                        stack.append(b == 0x7B)
                        if b == 0x7B { _ = try string(); try expect(0x3A, "':'") }
                        continue
                    }
                } else {
                    switch b {
                    case 0x22: _ = try string()
                    case 0x74: try literal("true")
                    case 0x66: try literal("false")
                    case 0x6E: try literal("null")
                    default: _ = try integer()
                    }
                    expectingValue = false
                }
            }
            guard let isObject = stack.last else { return }
            // After a value inside a container: ',' or the container's close.
            skipWhitespace()
            guard !atEnd else { throw syntax("unexpected end") }
            switch bytes[i] {
            case 0x2C:
                i += 1
                if isObject { _ = try string(); try expect(0x3A, "':'") }
                expectingValue = true
            case 0x7D where isObject, 0x5D where !isObject:
                i += 1
                stack.removeLast()
            default:
                throw syntax(isObject ? "expected ',' or '}'" : "expected ',' or ']'")
            }
        }
    }

    // MARK: Structure

    /// The entries in header order, the metadata, and each name's position in the entries.
    mutating func header() throws -> (entries: [RawEntry], metadata: [String: String], index: [String: Int]) {
        if bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF {
            throw fail("header (bytes \(base)–\(base + bytes.count - 1)) begins with a UTF-8 byte-order mark (EF BB BF), which JSON does not allow here")
        }
        skipWhitespace()
        guard !atEnd, bytes[i] == 0x7B else {
            if !atEnd, [0x5B, 0x22, 0x2D, 0x74, 0x66, 0x6E].contains(bytes[i]) || (0x30...0x39).contains(bytes[i]) {
                throw fail("header is not a JSON object (it begins with '\(UnicodeScalar(bytes[i]))' at byte \(base + i))")
            }
            throw syntax("expected '{'")
        }
        i += 1
        var entries: [RawEntry] = []
        var seen: [String: Int] = [:]
        // An entry takes at least 52 bytes ("a":{"dtype":"F32","shape":[],"data_offsets":[0,0]},).
        seen.reserveCapacity(bytes.count / 52 + 1)
        var metadata: [String: String]?
        var sawMetadata = false
        if !consume(0x7D) {
            repeat {
                let keyOffset = base + i
                let name = try string()
                try expect(0x3A, "':'")
                if name == "__metadata__" {
                    guard !sawMetadata else { throw fail("duplicate __metadata__ (second at byte \(keyOffset))") }
                    sawMetadata = true
                    metadata = try metadataObject()
                    continue
                }
                guard seen.updateValue(entries.count, forKey: name) == nil else {
                    throw fail("duplicate tensor name '\(name)' (second at byte \(keyOffset))")
                }
                entries.append(try tensor(name))
            } while consume(0x2C)
            try expect(0x7D, "',' or '}'")
        }
        skipWhitespace()
        guard atEnd else { throw syntax("text after the closing '}'") }
        return (entries, metadata ?? [:], seen)
    }

    mutating func metadataObject() throws -> [String: String]? {
        skipWhitespace()
        guard !atEnd else { throw syntax("expected a value") }
        if bytes[i] == 0x6E { try literal("null"); return nil }
        guard i < bytes.count && bytes[i] == 0x7B else { throw fail("__metadata__ (byte \(base + i)) is not an object") }
        i += 1
        var result: [String: String] = [:]
        if consume(0x7D) { return result }
        repeat {
            let keyOffset = base + i
            let key = try string()
            try expect(0x3A, "':'")
            skipWhitespace()
            guard i < bytes.count && bytes[i] == 0x22 else { throw fail("__metadata__ value for '\(key)' is not a string") }
            let value = try string()
            guard result.updateValue(value, forKey: key) == nil else {
                throw fail("duplicate __metadata__ key '\(key)' (second at byte \(keyOffset))")
            }
        } while consume(0x2C)
        try expect(0x7D, "',' or '}'")
        return result
    }

    mutating func tensor(_ name: String) throws -> RawEntry {
        skipWhitespace()
        guard !atEnd else { throw syntax("expected a value") }
        guard bytes[i] == 0x7B else { throw fail("tensor '\(name)': entry (byte \(base + i)) is not an object") }
        i += 1
        var dtypeName: String?
        var shape: [Int]?
        var offsets: [Int]?
        var shapeProblem: String?
        if !consume(0x7D) {
            repeat {
                let keyOffset = base + i
                let field = try string()
                try expect(0x3A, "':'")
                func once<T>(_ value: T?) throws {
                    if value != nil { throw fail("tensor '\(name)': duplicate field '\(field)' (second at byte \(keyOffset))") }
                }
                switch field {
                case "dtype":
                    try once(dtypeName)
                    skipWhitespace()
                    guard i < bytes.count && bytes[i] == 0x22 else { throw fail("tensor '\(name)': missing or non-string dtype") }
                    dtypeName = try string()
                case "shape":
                    try once(shape)
                    var dims: [Int] = []
                    try integers(name, field) { token in
                        switch token {
                        case .value(let d):
                            if d > Int(Int32.max), shapeProblem == nil {
                                shapeProblem = "dimension \(d) is too large (the limit is \(Int32.max))"
                            }
                            dims.append(d)
                        case .tooLarge(let text):
                            if shapeProblem == nil { shapeProblem = "dimension \(text) is too large (the limit is \(Int32.max))" }
                            dims.append(Int.max)
                        case .negative(let text):
                            if shapeProblem == nil { shapeProblem = "dimension \(text) is negative" }
                            dims.append(-1)
                        case .notInteger(let text):
                            if shapeProblem == nil { shapeProblem = "dimension \(text) is not an integer" }
                            dims.append(-1)
                        }
                    }
                    shape = dims
                case "data_offsets":
                    try once(offsets)
                    var values: [Int] = []
                    var problem: String?
                    try integers(name, field) { token in
                        switch token {
                        case .value(let v): values.append(v)
                        case .tooLarge(let t): problem = problem ?? "offset \(t) is too large"; values.append(-1)
                        case .negative(let t): problem = problem ?? "offset \(t) is negative"; values.append(-1)
                        case .notInteger(let t): problem = problem ?? "offset \(t) is not an integer"; values.append(-1)
                        }
                    }
                    if let problem { throw fail("tensor '\(name)': data_offsets: \(problem)") }
                    guard values.count == 2 else {
                        throw fail("tensor '\(name)': data_offsets must be two integers (found \(values.count))")
                    }
                    offsets = values
                default:
                    try skipValue()
                }
            } while consume(0x2C)
            try expect(0x7D, "',' or '}'")
        }
        guard let dtypeName else { throw fail("tensor '\(name)': missing or non-string dtype") }
        guard let dtype = SafeTensorsDType(rawValue: dtypeName) else {
            throw fail("tensor '\(name)': unknown dtype '\(dtypeName)'")
        }
        guard let shape else { throw fail("tensor '\(name)': missing or non-array shape") }
        if let shapeProblem { throw fail("tensor '\(name)': shape: \(shapeProblem)") }
        var elements = 1
        for d in shape {
            let (product, overflow) = elements.multipliedReportingOverflow(by: d)
            guard !overflow, product <= Int(UInt32.max) * 16 else {
                throw fail("tensor '\(name)': shape \(shape) is too large (more than \(Int(UInt32.max) * 16) elements)")
            }
            elements = product
        }
        guard let offsets else { throw fail("tensor '\(name)': data_offsets must be two integers") }
        return RawEntry(name: name, dtype: dtype, shape: shape, begin: offsets[0], end: offsets[1],
                        byteCount: elements * dtype.size)
    }

    /// An array of numbers; each token is passed to `body`.
    mutating func integers(_ name: String, _ field: String, _ body: (Integer) throws -> Void) throws {
        skipWhitespace()
        guard i < bytes.count && bytes[i] == 0x5B else {
            throw fail(field == "shape" ? "tensor '\(name)': missing or non-array shape" : "tensor '\(name)': data_offsets must be two integers")
        }
        i += 1
        if consume(0x5D) { return }
        repeat {
            skipWhitespace()
            guard i < bytes.count, bytes[i] == 0x2D || (0x30...0x39).contains(bytes[i]) else {
                throw fail(field == "shape" ? "tensor '\(name)': shape must hold non-negative integers (byte \(base + i))"
                                            : "tensor '\(name)': data_offsets must be two integers")
            }
            try body(try integer())
        } while consume(0x2C)
        try expect(0x5D, "',' or ']'")
    }
}
