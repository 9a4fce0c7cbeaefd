import Backprop
import Foundation
import Testing
import BackpropTestSupport
@testable import BackpropNN

/// The reader's verdicts on edge cases of the header, checked against what Python's
/// `safetensors` (the Rust crate, 0.8) says about the same bytes, and the messages.
@Suite("safetensors: header verdicts")
struct SafeTensorsVerdictTests {
    static let a = "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}"
    static let four: [UInt8] = [0, 0, 0, 0]

    static func file(_ header: String, _ data: [UInt8] = four) -> [UInt8] { SafeTensorsTests.file(header: header, data: data) }
    static func file(bytes header: [UInt8], _ data: [UInt8] = four) -> [UInt8] {
        (0..<8).map { UInt8(truncatingIfNeeded: UInt64(header.count) >> (8 * UInt64($0))) } + header + data
    }

    @Test("accepted as the crate accepts them", arguments: [
        ("{\"__metadata__\":null,\(a)}", "metadata null"),
        ("  {\(a)}\n\t ", "whitespace around the object"),
        ("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4],\"extra\":[1,{\"q\":[true,false,null,-1.5e3,\"s\"]}]}}", "unknown field skipped"),
        ("{\"\\u0061\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", "escaped name"),
        ("{\"__metadata__\":{},\(a)}", "empty metadata"),
    ])
    func accepted(_ header: String, _ what: String) throws {
        let file = try SafeTensorsFile.parse(Self.file(header), source: "f")
        #expect(file.entries.map(\.name) == ["a"], "\(what)")
        #expect(file.metadata.isEmpty)
    }

    @Test("names with escapes and surrogate pairs decode to the right text")
    func escapes() throws {
        let header = "{\"\\ud83d\\ude00 \\\"q\\\" \\\\ \\/ \\n\\u00e9\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}"
        let file = try SafeTensorsFile.parse(Self.file(header), source: "f")
        #expect(file.entries[0].name == "😀 \"q\" \\ / \né")
        #expect(file.entry(named: "😀 \"q\" \\ / \né") != nil)
    }

    @Test("rejected, with a message naming the file", arguments: [
        (file(bytes: [0xEF, 0xBB, 0xBF] + Array("{\(a)}".utf8)), "f: header (bytes 8–64) begins with a UTF-8 byte-order mark (EF BB BF), which JSON does not allow here"),
        (file("{\"__metadata__\":{\"x\":\"1\"},\"__metadata__\":{\"y\":\"2\"},\(a)}"), "f: duplicate __metadata__ (second at byte 34)"),
        (file("{\(a),\(a)}", four + four), "f: duplicate tensor name 'a' (second at byte 62)"),
        (file("{\"__metadata__\":{\"k\":\"1\",\"k\":\"2\"},\(a)}"), "f: duplicate __metadata__ key 'k' (second at byte 33)"),
        (file("{\"a\":{\"dtype\":\"F32\",\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}"), "f: tensor 'a': duplicate field 'dtype' (second at byte 28)"),
        (file("{\"a\":{\"dtype\":\"F32\",\"shape\":[3000000000],\"data_offsets\":[0,4]}}"), "f: tensor 'a': shape: dimension 3000000000 is too large (the limit is 2147483647)"),
        (file("{\"a\":{\"dtype\":\"F32\",\"shape\":[99999999999999999999999],\"data_offsets\":[0,4]}}"), "f: tensor 'a': shape: dimension 99999999999999999999999 is too large (the limit is 2147483647)"),
        (file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1.0],\"data_offsets\":[0,4]}}"), "f: tensor 'a': shape: dimension 1.0 is not an integer"),
        (file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1e0],\"data_offsets\":[0,4]}}"), "f: tensor 'a': shape: dimension 1e0 is not an integer"),
        (file("{\"a\":{\"dtype\":\"F32\",\"shape\":[-0,1],\"data_offsets\":[0,0]}}", []), "f: tensor 'a': shape: dimension -0 is negative"),
        (file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,99999999999999999999]}}"), "f: tensor 'a': data_offsets: offset 99999999999999999999 is too large"),
        (file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4,4]}}"), "f: tensor 'a': data_offsets must be two integers (found 3)"),
        (file("{\"a\":{\"dtype\":\"F32\",\"shape\":[65536,65536,65536],\"data_offsets\":[0,4]}}"), "f: tensor 'a': shape [65536, 65536, 65536] is too large (more than 68719476720 elements)"),
        (file("{\"\\ud800\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}"), "f: header (bytes 8–66) is not valid JSON: lone surrogate in a \\u escape at byte 16"),
        (file("{\"a\tb\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}"), "f: header (bytes 8–63) is not valid JSON: control character 9 in a string at byte 11"),
        (file("{\(a)}\0\0"), "f: header (bytes 8–63) is not valid JSON: text after the closing '}' at byte 62"),
        (file("{\(a),}"), "f: header (bytes 8–62) is not valid JSON: expected a string at byte 62"),
        (file("{\"a\":null}", []), "f: tensor 'a': entry (byte 13) is not an object"),
        (file("{\"__metadata__\":[1],\(a)}"), "f: __metadata__ (byte 24) is not an object"),
        (file("{\"__metadata__\":{\"k\":null},\(a)}"), "f: __metadata__ value for 'k' is not a string"),
        (file("{\"a\":{\"shape\":[1],\"data_offsets\":[0,4]}}"), "f: tensor 'a': missing or non-string dtype"),
        (file("{\"a\":{\"dtype\":\"f32\",\"shape\":[1],\"data_offsets\":[0,4]}}"), "f: tensor 'a': unknown dtype 'f32'"),
        (file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4],\"z\":" + String(repeating: "[", count: 200) + String(repeating: "]", count: 200) + "}}"),
         "f: header (bytes 8–466) is not valid JSON: values nested deeper than 128 at byte 193"),
        (file("{\"a\":{\"dtype\":\"F32\",\"shape\":[01],\"data_offsets\":[0,4]}}"), "f: header (bytes 8–62) is not valid JSON: leading zero in a number at byte 38"),
    ])
    func rejected(_ bytes: [UInt8], _ message: String) throws {
        #expect(throws: SafeTensorsError(message)) { try SafeTensorsFile.parse(bytes, source: "f") }
        // The same bytes from a file: the same verdict, naming the path.
        let path = temporaryPath("v.safetensors")
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        #expect(throws: SafeTensorsError(path + message.dropFirst(1))) { try SafeTensorsFile.read(path) }
    }

    @Test("every validation message from read(path) begins with the path", arguments: 0..<15)
    func messagesNameTheFile(_ k: Int) throws {
        let seeds = [try Array(Data(contentsOf: URL(fileURLWithPath: fixture("mlp-3-4-2-f32.safetensors"))))]
        // Mutations the fuzzer makes, read back from a file.
        var rng = SeededGenerator(seed: UInt64(k))
        let path = temporaryPath("m.safetensors")
        for _ in 0..<40 {
            let bytes = SafeTensorsFuzzer.mutate(seeds[0], &rng)
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            do { _ = try SafeTensorsFile.read(path) } catch let e as SafeTensorsError {
                #expect(e.message.hasPrefix(path + ": "), "\(e.message)")
            }
        }
        #expect(throws: SafeTensorsError("/nonexistent/m.safetensors: cannot read the file: No such file or directory")) {
            try SafeTensorsFile.read("/nonexistent/m.safetensors")
        }
        #expect(throws: SafeTensorsError("/tmp: is a directory, not a file")) { try SafeTensorsFile.read("/tmp") }
    }
}
