import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

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

/// A safetensors file whose header is parsed and fully validated: tensors by name, their
/// descriptions, and the optional `__metadata__` strings. The tensors' bytes are read only
/// when asked for (``doubles(_:)``, ``bytes(_:)``).
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
/// Validation: the header length fits the file; the header is a UTF-8 JSON object (no
/// byte-order mark) with no duplicate tensor name, `__metadata__` or metadata key; every
/// entry has a known dtype, a shape of integers in 0…2³¹−1 and two offsets with
/// begin ≤ end inside the data; end − begin equals the element count times the dtype size;
/// the ranges do not overlap and cover the data exactly (no holes, nothing trailing).
/// ``read(_:)`` reads only the 8-byte length and the header to do all this (a file whose
/// header is wrong is rejected without its data being read), then keeps the file open and
/// reads a tensor's bytes when they are asked for. Every error message begins with the
/// file's name.
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
    public private(set) var entries: [Entry]
    /// The `__metadata__` strings.
    public private(set) var metadata: [String: String]
    /// The size of the data section in bytes.
    public var dataByteCount: Int { storage.count }
    /// The file's name in error messages.
    public let source: String
    /// Where the tensors' bytes are: in memory (``parse(_:source:)``) or in the open file
    /// (``read(_:)``).
    let storage: SafeTensorsStorage
    /// Each name's position in the header, and each header position's place in `entries`
    /// (empty when the header lists the tensors in data order).
    let index: [String: Int], rank: [Int]

    /// The largest header accepted (100 MiB, as the reference implementation).
    public static let maximumHeaderLength = 100 << 20

    /// Opens and validates `path`, reading only its 8-byte length and its header; the
    /// tensors' bytes are read on demand from the open file.
    public static func read(_ path: String) throws -> SafeTensorsFile {
        func fail(_ message: String) -> SafeTensorsError { SafeTensorsError("\(path): \(message)") }
        let file = try SafeTensorsStorage.openFile(path, fail: fail)
        let fileSize = file.fileSize
        var lengthBytes = [UInt8](repeating: 0, count: 8)
        if fileSize >= 8 { try file.read(into: &lengthBytes, at: 0, fail: fail) }
        let headerLength = try checkLength(lengthBytes, fileSize: fileSize, fail: fail)
        var header = [UInt8](repeating: 0, count: headerLength)
        try file.read(into: &header, at: 8, fail: fail)
        file.dataStart = 8 + headerLength
        file.count = fileSize - 8 - headerLength
        return try make(header: header, storage: file, source: path, fail: fail)
    }

    /// Parses and validates the bytes of a file held in memory; `source` names it in errors.
    public static func parse(_ bytes: [UInt8], source: String = "safetensors") throws -> SafeTensorsFile {
        func fail(_ message: String) -> SafeTensorsError { SafeTensorsError("\(source): \(message)") }
        let headerLength = try checkLength(Array(bytes.prefix(8)), fileSize: bytes.count, fail: fail)
        let storage = SafeTensorsStorage(bytes: bytes, dataStart: 8 + headerLength)
        return try make(header: Array(bytes[8..<(8 + headerLength)]), storage: storage, source: source, fail: fail)
    }

    /// The header length from the first 8 bytes, checked against the file's size.
    static func checkLength(_ first: [UInt8], fileSize: Int, fail: (String) -> SafeTensorsError) throws -> Int {
        guard fileSize >= 8 else {
            throw fail("file is \(fileSize) bytes, shorter than the 8-byte header length")
        }
        var n: UInt64 = 0
        for i in 0..<8 { n |= UInt64(first[i]) << (8 * UInt64(i)) }
        guard n <= UInt64(maximumHeaderLength) else {
            throw fail("header length \(n) (bytes 0–7) exceeds the limit of \(maximumHeaderLength)")
        }
        let headerLength = Int(n)
        guard 8 + headerLength <= fileSize else {
            throw fail("header length \(headerLength) (bytes 0–7) runs past the end of the file (\(fileSize) bytes)")
        }
        guard headerLength >= 2 else { throw fail("header length \(headerLength) is too short for a JSON object") }
        return headerLength
    }

    /// Scans and validates the header against a data section of `storage.count` bytes.
    static func make(header: [UInt8], storage: SafeTensorsStorage, source: String,
                     fail: @escaping (String) -> SafeTensorsError) throws -> SafeTensorsFile {
        let dataStart = storage.dataStart, dataSize = storage.count
        guard String(validating: header, as: UTF8.self) != nil else {
            throw fail("header (bytes 8–\(8 + header.count - 1)) is not valid UTF-8")
        }
        let (raw, metadata, index) = try header.withUnsafeBufferPointer {
            try SafeTensorsHeaderScanner.scan($0, base: 8, fail: fail)
        }
        for e in raw {
            guard e.begin <= e.end else {
                throw fail("tensor '\(e.name)': data_offsets [\(e.begin), \(e.end)] are not ordered")
            }
            guard e.end <= dataSize else {
                throw fail("tensor '\(e.name)': data_offsets [\(e.begin), \(e.end)] run past the data section (\(dataSize) bytes, file offset \(dataStart))")
            }
            guard e.end - e.begin == e.byteCount else {
                throw fail("tensor '\(e.name)': data_offsets [\(e.begin), \(e.end)] hold \(e.end - e.begin) bytes, but \(e.dtype.rawValue) \(e.shape) needs \(e.byteCount)")
            }
        }
        // Data order; ties (empty tensors at one offset) by name. Writers usually list the
        // tensors in data order already: then nothing is sorted.
        func before(_ a: Int, _ b: Int) -> Bool {
            if raw[a].begin != raw[b].begin { return raw[a].begin < raw[b].begin }
            if raw[a].end != raw[b].end { return raw[a].end < raw[b].end }
            return raw[a].name < raw[b].name
        }
        let inOrder = raw.indices.dropFirst().allSatisfy { !before($0, $0 - 1) }
        let order = inOrder ? Array(raw.indices) : raw.indices.sorted(by: before)
        var entries: [Entry] = []
        entries.reserveCapacity(raw.count)
        var expected = 0
        for k in order {
            let e = raw[k]
            if e.begin < expected {
                let other = entries.last { $0.range.upperBound > e.begin && $0.range.lowerBound <= e.begin }
                throw fail("tensor '\(e.name)': bytes [\(e.begin), \(e.end)) overlap tensor '\(other?.name ?? "?")'")
            }
            if e.begin > expected {
                throw fail("data bytes [\(expected), \(e.begin)) (file offset \(dataStart + expected)) belong to no tensor")
            }
            expected = e.end
            entries.append(Entry(name: e.name, dtype: e.dtype, shape: e.shape, range: e.begin..<e.end))
        }
        if expected != dataSize {
            throw fail("data bytes [\(expected), \(dataSize)) (file offset \(dataStart + expected)) belong to no tensor")
        }
        var rank: [Int] = []
        if !inOrder {
            rank = [Int](repeating: 0, count: raw.count)
            for (position, k) in order.enumerated() { rank[k] = position }
        }
        return SafeTensorsFile(entries: entries, metadata: metadata, source: source, storage: storage, index: index, rank: rank)
    }

    /// The entry called `name`.
    public func entry(named name: String) -> Entry? { index[name].map { entries[rank.isEmpty ? $0 : rank[$0]] } }

    func fail(_ message: String) -> SafeTensorsError { SafeTensorsError("\(source): \(message)") }

    /// A tensor's bytes as stored (little-endian, row-major).
    public func bytes(_ entry: Entry) throws -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(entry.range.count)
        try storage.forEachChunk(of: entry, multipleOf: 1, fail: fail) { out.append(contentsOf: $0) }
        return out
    }

    /// A tensor's values as Doubles, exactly (F64, F32, F16 or BF16).
    ///
    /// ```
    /// F16:  sign · 1.f · 2^(e−15) (e = 1…30),  sign · 0.f · 2^−14 (e = 0)
    /// BF16: the upper 16 bits of an F32
    /// ```
    public func doubles(_ entry: Entry) throws -> [Double] {
        let size = entry.dtype.size
        guard [.F64, .F32, .F16, .BF16].contains(entry.dtype) else {
            throw fail("tensor '\(entry.name)': dtype \(entry.dtype.rawValue) cannot be loaded (F64, F32, F16 and BF16 can)")
        }
        let dtype = entry.dtype
        let count = entry.range.count / size
        var filled = 0
        let out = try [Double](unsafeUninitializedCapacity: count) { buffer, initialized in
            defer { initialized = filled }
            try storage.forEachChunk(of: entry, multipleOf: size, fail: fail) { raw in
                let n = raw.count / size
                let o = buffer.baseAddress! + filled
                switch dtype {
                case .F64:
                    for k in 0..<n { o[k] = Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 8 * k, as: UInt64.self))) }
                case .F32:
                    for k in 0..<n { o[k] = Double(Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * k, as: UInt32.self)))) }
                case .F16:
                    halfToFloat.withUnsafeBufferPointer { table in
                        for k in 0..<n { o[k] = Double(table[Int(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * k, as: UInt16.self)))]) }
                    }
                default:  // BF16
                    for k in 0..<n {
                        let bits = UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * k, as: UInt16.self))
                        o[k] = Double(Float(bitPattern: UInt32(bits) << 16))
                    }
                }
                filled += n
            }
        }
        return out
    }

    /// The bytes of a file holding `tensors` (name, dtype F64, F32, F16 or BF16, shape,
    /// values) and `metadata`; the header is padded with spaces to a multiple of 8 bytes.
    /// Values are rounded to the dtype to nearest, ties to even; a finite value that
    /// rounds beyond the dtype's range (F16: ±65504) is an error naming the tensor and
    /// the index. NaN and ±∞ are kept.
    public static func encode(_ tensors: [(name: String, dtype: SafeTensorsDType, shape: [Int], values: [Double])],
                              metadata: [String: String] = [:]) throws -> [UInt8] {
        var header: [String: Any] = [:]
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        // Header entries and sizes first, then the data written in place into one buffer
        // (little-endian bit patterns stored directly, not appended byte by byte).
        var offset = 0
        var offsets: [Int] = []
        for t in tensors {
            guard [.F64, .F32, .F16, .BF16].contains(t.dtype) else {
                throw SafeTensorsError("tensor '\(t.name)': only F64, F32, F16 and BF16 can be written")
            }
            guard t.values.count == t.shape.reduce(1, *) else {
                throw SafeTensorsError("tensor '\(t.name)': \(t.values.count) values for shape \(t.shape)")
            }
            guard header[t.name] == nil, t.name != "__metadata__" else {
                throw SafeTensorsError("tensor '\(t.name)': duplicate or reserved name")
            }
            let size = t.values.count * t.dtype.size
            header[t.name] = ["dtype": t.dtype.rawValue, "shape": t.shape, "data_offsets": [offset, offset + size]]
            offsets.append(offset)
            offset += size
        }
        var data = [UInt8](repeating: 0, count: offset)
        try data.withUnsafeMutableBytes { out in
            for (t, start) in zip(tensors, offsets) {
                func overflow(_ i: Int, _ limit: Double) -> SafeTensorsError {
                    SafeTensorsError("tensor '\(t.name)' holds \(t.values[i]) at index \(i), beyond the range of \(t.dtype.rawValue) (±\(limit))")
                }
                try t.values.withUnsafeBufferPointer { values in
                    switch t.dtype {
                    case .F64:
                        for (i, v) in values.enumerated() {
                            out.storeBytes(of: v.bitPattern.littleEndian, toByteOffset: start + 8 * i, as: UInt64.self)
                        }
                    case .F32:
                        for (i, v) in values.enumerated() {
                            let f = Float(v)
                            if f.isInfinite && v.isFinite { throw overflow(i, Double(Float.greatestFiniteMagnitude)) }
                            out.storeBytes(of: f.bitPattern.littleEndian, toByteOffset: start + 4 * i, as: UInt32.self)
                        }
                    default:
                        let format: BinaryFloatFormat = t.dtype == .F16 ? .float16 : .bfloat16
                        for (i, v) in values.enumerated() {
                            guard let bits = format.encode(v) else { throw overflow(i, format.greatestFiniteMagnitude) }
                            out.storeBytes(of: UInt16(truncatingIfNeeded: bits).littleEndian, toByteOffset: start + 2 * i,
                                           as: UInt16.self)
                        }
                    }
                }
            }
        }
        var json = [UInt8](try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys]))
        while (8 + json.count) % 8 != 0 { json.append(0x20) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(8 + json.count + data.count)
        let n = UInt64(json.count)
        for k in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: n >> (8 * UInt64(k)))) }
        bytes.append(contentsOf: json)
        bytes.append(contentsOf: data)
        return bytes
    }
}

/// Every F16 bit pattern's value (256 KiB, built on first use).
private let halfToFloat: [Float] = (0...UInt64(UInt16.max)).map { Float(BinaryFloatFormat.float16.decode($0)) }

/// Where a safetensors file's data section is: bytes in memory, or an open file read with
/// `pread` (safe to use from several threads; closed when the last copy goes away).
final class SafeTensorsStorage: @unchecked Sendable {
    /// The open file, or -1 for bytes in memory.
    let fd: Int32
    let memory: [UInt8]
    /// The file's size when it was opened.
    let fileSize: Int
    /// Offset of the data section in the file, and its size (set once, before sharing).
    var dataStart = 0, count = 0

    init(bytes: [UInt8], dataStart: Int) {
        fd = -1
        memory = bytes
        fileSize = bytes.count
        self.dataStart = dataStart
        count = bytes.count - dataStart
    }

    private init(fd: Int32, fileSize: Int) {
        self.fd = fd
        memory = []
        self.fileSize = fileSize
    }

    deinit { if fd >= 0 { close(fd) } }

    /// Opens `path` for reading; a directory or a file that cannot be opened is an error.
    static func openFile(_ path: String, fail: (String) -> SafeTensorsError) throws -> SafeTensorsStorage {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw fail("cannot read the file: \(String(cString: strerror(errno)))") }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            let message = String(cString: strerror(errno))
            close(fd)
            throw fail("cannot read the file: \(message)")
        }
        guard info.st_mode & S_IFMT == S_IFREG else {
            close(fd)
            throw fail(info.st_mode & S_IFMT == S_IFDIR ? "is a directory, not a file" : "is not a regular file")
        }
        return SafeTensorsStorage(fd: fd, fileSize: Int(info.st_size))
    }

    /// Fills `buffer` from absolute file offset `offset`.
    func read(into buffer: inout [UInt8], at offset: Int, fail: (String) -> SafeTensorsError) throws {
        try buffer.withUnsafeMutableBytes { try read(into: $0, at: offset, fail: fail) }
    }

    private func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int, fail: (String) -> SafeTensorsError) throws {
        var done = 0
        while done < buffer.count {
            let r = pread(fd, buffer.baseAddress! + done, buffer.count - done, off_t(offset + done))
            if r < 0 {
                if errno == EINTR { continue }
                throw fail("reading failed at file offset \(offset + done): \(String(cString: strerror(errno)))")
            }
            if r == 0 {
                throw fail("the file ended at byte \(offset + done), before its \(fileSize) bytes when it was opened (was it truncated while in use?)")
            }
            done += r
        }
    }

    /// Calls `body` with the tensor's bytes in order, in chunks of at most 1 MiB (a whole
    /// number of elements each) read from the file, or in one piece from memory.
    func forEachChunk(of entry: SafeTensorsFile.Entry, multipleOf size: Int, fail: (String) -> SafeTensorsError,
                      _ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        let range = entry.range
        if fd < 0 {
            try memory.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[(dataStart + range.lowerBound)..<(dataStart + range.upperBound)])) }
            return
        }
        let chunk = (1 << 20) / size * size
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: Swift.min(chunk, Swift.max(range.count, 1)), alignment: 16)
        defer { buffer.deallocate() }
        var position = range.lowerBound
        while position < range.upperBound {
            let n = Swift.min(chunk, range.upperBound - position)
            let part = UnsafeMutableRawBufferPointer(rebasing: buffer[0..<n])
            do { try read(into: part, at: dataStart + position, fail: fail) } catch let e as SafeTensorsError {
                throw SafeTensorsError("\(e.message) (tensor '\(entry.name)')")
            }
            try body(UnsafeRawBufferPointer(part))
            position += n
        }
    }
}
