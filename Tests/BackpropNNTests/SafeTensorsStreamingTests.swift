import Backprop
import Foundation
import Testing
import BackpropTestSupport
@testable import BackpropNN

/// Peak resident memory of this process in MiB (VmHWM).
func peakResidentMegabytes() -> Double {
    let text = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
    for line in text.split(separator: "\n") where line.hasPrefix("VmHWM:") {
        if let kb = line.split(separator: " ").compactMap({ Double($0) }).first { return kb / 1024 }
    }
    return .infinity
}

/// A safetensors file whose data section is `dataSize` bytes of a sparse hole (no disk
/// space, no pages until read), described by `header`.
func sparseSafeTensors(header: String, dataSize: Int) throws -> String {
    let path = temporaryPath("sparse.safetensors")
    let bytes = SafeTensorsTests.file(header: header, data: [])
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    guard truncate(path, off_t(bytes.count + dataSize)) == 0 else { throw SafeTensorsError("truncate failed") }
    return path
}

/// Reading validates the header from the first 8 + N bytes and reads tensors only when
/// asked: a file with a huge data section costs no memory until its tensors are read.
@Suite("safetensors: header first, data on demand")
struct SafeTensorsStreamingTests {
    static let gigabytes = 4

    @Test("a file with bad offsets and 4 GB of data is rejected without reading the data")
    func badOffsetsRejectedFirst() async {
        // In a child process, so the peak memory is this case's alone.
        await #expect(processExitsWith: .success) {
            let size = SafeTensorsStreamingTests.gigabytes << 30
            // The tensor claims 4 bytes, the data section has 4 GB: bytes [4, size) belong to no tensor.
            let path = try! sparseSafeTensors(header: "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", dataSize: size)
            let before = peakResidentMegabytes()
            do {
                _ = try SafeTensorsFile.read(path)
                exit(3)
            } catch let e as SafeTensorsError {
                guard e.message == "\(path): data bytes [4, \(size)) (file offset 66) belong to no tensor" else {
                    FileHandle.standardError.write(Data(e.message.utf8))
                    exit(4)
                }
            } catch { exit(5) }
            let grew = peakResidentMegabytes() - before
            unlink(path)  // exit skips the defer
            exit(grew < 64 ? 0 : 6)
        }
    }

    @Test("a valid 4 GB file opens in little memory, and one small tensor reads without the rest")
    func largeFileOpensLazily() async {
        await #expect(processExitsWith: .success) {
            let size = SafeTensorsStreamingTests.gigabytes << 30
            let header = "{\"big\":{\"dtype\":\"U8\",\"shape\":[2,\((size - 8) / 2)],\"data_offsets\":[8,\(size)]},"
                + "\"small\":{\"dtype\":\"F64\",\"shape\":[1],\"data_offsets\":[0,8]}}"
            let path = try! sparseSafeTensors(header: header, dataSize: size)
            let before = peakResidentMegabytes()
            do {
                let file = try SafeTensorsFile.read(path)
                guard file.dataByteCount == size, let small = file.entry(named: "small"), try file.doubles(small) == [0] else { exit(3) }
            } catch {
                FileHandle.standardError.write(Data("\(error)".utf8))
                exit(4)
            }
            let grew = peakResidentMegabytes() - before
            unlink(path)  // exit skips the defer
            exit(grew < 64 ? 0 : 6)
        }
    }

    @Test("a file truncated after it was opened is an error naming the file and tensor, not a crash")
    func truncatedWhileOpen() throws {
        let path = temporaryPath("t.safetensors")
        let bytes = try SafeTensorsFile.encode([(name: "w", dtype: .F32, shape: [1000], values: (0..<1000).map(Double.init))])
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let file = try SafeTensorsFile.read(path)
        #expect(truncate(path, off_t(bytes.count - 100)) == 0)
        let start = bytes.count - 4000  // file offset of the data section
        #expect(throws: SafeTensorsError("\(path): the file ended at byte \(bytes.count - 100), before its \(bytes.count) bytes when it was opened (was it truncated while in use?) (tensor 'w')")) {
            try file.doubles(file.entries[0])
        }
        #expect(start > 8)
    }

    @Test("reading from a file and from memory give the same values, in chunks across 1 MiB boundaries",
          arguments: [SafeTensorsDType.F64, .F32, .F16, .BF16])
    func fileAndMemoryAgree(_ dtype: SafeTensorsDType) throws {
        var rng = SeededGenerator(seed: 5)
        let count = 300_001  // over 1 MiB in every dtype but F16/BF16 (600 KB): both paths
        let values = (0..<count).map { _ in (rng.nextUnitInterval() - 0.5) * 1000 }
        let bytes = try SafeTensorsFile.encode([(name: "a", dtype: .F32, shape: [3], values: [1, 2, 3]),
                                                (name: "v", dtype: dtype, shape: [count], values: values)])
        let path = temporaryPath("c.safetensors")
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let fromFile = try SafeTensorsFile.read(path), fromMemory = try SafeTensorsFile.parse(bytes)
        #expect(fromFile.entries == fromMemory.entries)
        let v = fromFile.entry(named: "v")!
        let got = try fromFile.doubles(v)
        #expect(got == (try fromMemory.doubles(v)))
        #expect(try fromFile.bytes(v) == Array(bytes[(bytes.count - v.range.count)...]))
        if dtype == .F64 { #expect(got == values) }
        if dtype == .F32 { #expect(got == values.map { Double(Float($0)) }) }
    }
}
