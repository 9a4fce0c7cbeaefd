import Foundation

/// An invalid or unreadable safetensors file; the message says what is wrong and where
/// (file, byte offset, tensor name). Names and values read from the file are shown
/// through ``terminalSafe(_:limit:)``: the message holds no control or bidirectional
/// formatting characters, so printing it cannot drive the terminal.
public struct SafeTensorsError: Error, CustomStringConvertible, Equatable {
    /// What is wrong, and where.
    public var message: String
    /// Creates an error; control and bidirectional characters in `message` are escaped.
    public init(_ message: String) { self.message = terminalSafe(message) }
    /// The message (escaped again, in case `message` was assigned directly).
    public var description: String { terminalSafe(message) }
}

/// The element types of the safetensors format and their sizes in bytes.
public enum SafeTensorsDType: String, CaseIterable, Sendable {
    case F64, F32, F16, BF16, I64, I32, I16, I8, U64, U32, U16, U8, BOOL
    case F8_E4M3, F8_E5M2

    /// Bytes per element.
    public var size: Int {
        switch self {
        case .F64, .I64, .U64: return 8
        case .F32, .I32, .U32: return 4
        case .F16, .BF16, .I16, .U16: return 2
        case .I8, .U8, .BOOL, .F8_E4M3, .F8_E5M2: return 1
        }
    }
}

/// A parsed and fully validated safetensors file: tensors by name, their bytes, and the
/// optional `__metadata__` strings.
///
/// The format (Hugging Face's, read by PyTorch, JAX, MLX and tinygrad):
///
/// ```
/// [8 bytes]  N, little-endian unsigned: the header length
/// [N bytes]  JSON: {"name": {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}, …,
///                   "__metadata__": {"key": "value"}}      (may be padded with spaces)
/// [rest]     the tensors' bytes, little-endian, row-major; offsets count from here
/// ```
///
/// Validation: the header length fits the file; the header is a UTF-8 JSON object; every
/// entry has a known dtype, a shape of non-negative integers and two offsets with
/// begin ≤ end inside the data; end − begin equals the element count times the dtype size;
/// the ranges do not overlap and cover the data exactly (no holes, nothing trailing).
public struct SafeTensorsFile: Sendable {
    /// One tensor's description.
    public struct Entry: Sendable, Equatable {
        /// The tensor's name.
        public var name: String
        /// Its element type.
        public var dtype: SafeTensorsDType
        /// Its shape (row-major).
        public var shape: [Int]
        /// Byte range within the data section.
        public var range: Range<Int>
    }

    /// The tensors, in data order.
    public var entries: [Entry]
    /// The `__metadata__` strings.
    public var metadata: [String: String]
    /// The data section.
    public var data: [UInt8]

    /// The largest header accepted (100 MiB, as the reference implementation).
    public static let maximumHeaderLength = 100 << 20

    /// Reads and validates `path`.
    public static func read(_ path: String) throws -> SafeTensorsFile {
        guard let contents = FileManager.default.contents(atPath: path) else {
            throw SafeTensorsError("\(path): cannot read the file (missing or not readable)")
        }
        return try parse([UInt8](contents), source: path)
    }

    /// Parses and validates the bytes of a file; `source` names it in errors.
    public static func parse(_ bytes: [UInt8], source: String = "safetensors") throws -> SafeTensorsFile {
        func fail(_ message: String) -> SafeTensorsError { SafeTensorsError("\(source): \(message)") }
        guard bytes.count >= 8 else {
            throw fail("file is \(bytes.count) bytes, shorter than the 8-byte header length")
        }
        var n: UInt64 = 0
        for i in 0..<8 { n |= UInt64(bytes[i]) << (8 * UInt64(i)) }
        guard n <= UInt64(maximumHeaderLength) else {
            throw fail("header length \(n) (bytes 0–7) exceeds the limit of \(maximumHeaderLength)")
        }
        let headerLength = Int(n)
        guard 8 + headerLength <= bytes.count else {
            throw fail("header length \(headerLength) (bytes 0–7) runs past the end of the file (\(bytes.count) bytes)")
        }
        guard headerLength >= 2 else { throw fail("header length \(headerLength) is too short for a JSON object") }
        let headerBytes = Array(bytes[8..<(8 + headerLength)])
        guard String(validating: headerBytes, as: UTF8.self) != nil else {
            throw fail("header (bytes 8–\(8 + headerLength - 1)) is not valid UTF-8")
        }
        let json: Any
        do {
            json = try JSONSerialization.jsonObject(with: Data(headerBytes), options: [])
        } catch {
            throw fail("header (bytes 8–\(8 + headerLength - 1)) is not valid JSON")
        }
        guard let object = json as? [String: Any] else { throw fail("header is JSON but not an object") }
        let dataStart = 8 + headerLength
        let dataSize = bytes.count - dataStart
        var metadata: [String: String] = [:]
        var entries: [Entry] = []
        for (name, value) in object {
            if name == "__metadata__" {
                guard let m = value as? [String: Any] else { throw fail("__metadata__ is not an object") }
                for (k, v) in m {
                    guard let s = v as? String else { throw fail("__metadata__ value for '\(k)' is not a string") }
                    metadata[k] = s
                }
                continue
            }
            guard let fields = value as? [String: Any] else { throw fail("tensor '\(name)': entry is not an object") }
            guard let dtypeName = fields["dtype"] as? String else { throw fail("tensor '\(name)': missing or non-string dtype") }
            guard let dtype = SafeTensorsDType(rawValue: dtypeName) else {
                throw fail("tensor '\(name)': unknown dtype '\(dtypeName)'")
            }
            guard let shapeValues = fields["shape"] as? [Any] else { throw fail("tensor '\(name)': missing or non-array shape") }
            var shape: [Int] = []
            var elements = 1
            for v in shapeValues {
                guard let d = exactInteger(v), d >= 0, d <= Int(Int32.max) else {
                    throw fail("tensor '\(name)': shape \(shapeValues) must hold non-negative integers")
                }
                shape.append(d)
                let (product, overflow) = elements.multipliedReportingOverflow(by: d)
                guard !overflow, product <= Int(UInt32.max) * 16 else { throw fail("tensor '\(name)': shape \(shape) is too large") }
                elements = product
            }
            guard let offsets = fields["data_offsets"] as? [Any], offsets.count == 2,
                  let begin = exactInteger(offsets[0]), let end = exactInteger(offsets[1]) else {
                throw fail("tensor '\(name)': data_offsets must be two integers")
            }
            guard begin >= 0, begin <= end else { throw fail("tensor '\(name)': data_offsets [\(begin), \(end)] are not ordered") }
            guard end <= dataSize else {
                throw fail("tensor '\(name)': data_offsets [\(begin), \(end)] run past the data section (\(dataSize) bytes, file offset \(dataStart))")
            }
            guard end - begin == elements * dtype.size else {
                throw fail("tensor '\(name)': data_offsets [\(begin), \(end)] hold \(end - begin) bytes, but \(dtypeName) \(shape) needs \(elements * dtype.size)")
            }
            entries.append(Entry(name: name, dtype: dtype, shape: shape, range: begin..<end))
        }
        entries.sort { ($0.range.lowerBound, $0.range.upperBound, $0.name) < ($1.range.lowerBound, $1.range.upperBound, $1.name) }
        var expected = 0
        for e in entries {
            if e.range.lowerBound < expected {
                let other = entries.last { $0.range.upperBound > e.range.lowerBound && $0.name != e.name && $0.range.lowerBound <= e.range.lowerBound }
                throw fail("tensor '\(e.name)': bytes [\(e.range.lowerBound), \(e.range.upperBound)) overlap tensor '\(other?.name ?? "?")'")
            }
            if e.range.lowerBound > expected {
                throw fail("data bytes [\(expected), \(e.range.lowerBound)) (file offset \(dataStart + expected)) belong to no tensor")
            }
            expected = e.range.upperBound
        }
        if expected != dataSize {
            throw fail("data bytes [\(expected), \(dataSize)) (file offset \(dataStart + expected)) belong to no tensor")
        }
        return SafeTensorsFile(entries: entries, metadata: metadata, data: Array(bytes[dataStart...]))
    }

    /// The entry called `name`.
    public func entry(named name: String) -> Entry? { entries.first { $0.name == name } }

    /// A tensor's values as Doubles (F64 or F32 only).
    public func doubles(_ entry: Entry) throws -> [Double] {
        let bytes = data[entry.range]
        switch entry.dtype {
        case .F64:
            return stride(from: bytes.startIndex, to: bytes.endIndex, by: 8).map { i in
                var bits: UInt64 = 0
                for k in 0..<8 { bits |= UInt64(bytes[i + k]) << (8 * UInt64(k)) }
                return Double(bitPattern: bits)
            }
        case .F32:
            return stride(from: bytes.startIndex, to: bytes.endIndex, by: 4).map { i in
                var bits: UInt32 = 0
                for k in 0..<4 { bits |= UInt32(bytes[i + k]) << (8 * UInt32(k)) }
                return Double(Float(bitPattern: bits))
            }
        default:
            throw SafeTensorsError("tensor '\(entry.name)': dtype \(entry.dtype.rawValue) cannot be loaded (F32 and F64 can)")
        }
    }

    /// The bytes of a file holding `tensors` (name, dtype F32 or F64, shape, values) and
    /// `metadata`; the header is padded with spaces to a multiple of 8 bytes.
    public static func encode(_ tensors: [(name: String, dtype: SafeTensorsDType, shape: [Int], values: [Double])],
                              metadata: [String: String] = [:]) throws -> [UInt8] {
        var header: [String: Any] = [:]
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var offset = 0
        var data: [UInt8] = []
        for t in tensors {
            guard t.dtype == .F32 || t.dtype == .F64 else {
                throw SafeTensorsError("tensor '\(t.name)': only F32 and F64 can be written")
            }
            guard t.values.count == t.shape.reduce(1, *) else {
                throw SafeTensorsError("tensor '\(t.name)': \(t.values.count) values for shape \(t.shape)")
            }
            guard header[t.name] == nil, t.name != "__metadata__" else {
                throw SafeTensorsError("tensor '\(t.name)': duplicate or reserved name")
            }
            let size = t.values.count * t.dtype.size
            header[t.name] = ["dtype": t.dtype.rawValue, "shape": t.shape, "data_offsets": [offset, offset + size]]
            offset += size
            data.reserveCapacity(offset)
            for v in t.values {
                if t.dtype == .F64 {
                    let bits = v.bitPattern
                    for k in 0..<8 { data.append(UInt8(truncatingIfNeeded: bits >> (8 * UInt64(k)))) }
                } else {
                    let bits = Float(v).bitPattern
                    for k in 0..<4 { data.append(UInt8(truncatingIfNeeded: bits >> (8 * UInt32(k)))) }
                }
            }
        }
        var json = [UInt8](try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys]))
        while (8 + json.count) % 8 != 0 { json.append(0x20) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(8 + json.count + data.count)
        let n = UInt64(json.count)
        for k in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: n >> (8 * UInt64(k)))) }
        return bytes + json + data
    }
}

/// An integer JSON number (not a Bool, not written with a fraction or exponent), or nil.
private func exactInteger(_ value: Any) -> Int? {
    guard let number = value as? NSNumber else { return nil }
    // Booleans are char-typed numbers; fractions and exponents parse as doubles.
    let type = String(cString: number.objCType)
    if type == "Q" || type == "L" {
        let u = number.uint64Value
        return u <= UInt64(Int.max) ? Int(u) : nil
    }
    guard ["q", "i", "I", "l", "s", "S"].contains(type) else { return nil }
    return number.intValue
}
