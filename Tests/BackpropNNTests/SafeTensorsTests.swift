import Backprop
import Foundation
import Testing
import BackpropTestSupport
@testable import BackpropNN

/// Paths of the fixtures written by Python's `safetensors` (Scripts/make-safetensors-fixtures.py).
func fixture(_ name: String) -> String {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/\(name)").path
}

@Suite("safetensors")
struct SafeTensorsTests {
    /// The closed forms the fixture script used.
    func expected(_ name: String) -> [Double] {
        var values: [Double] = []
        switch name {
        case "0.W":
            for i in 0..<4 { for j in 0..<3 { values.append(Double(i + 1) + Double(j + 1) / 10) } }
        case "0.b":
            for i in 0..<4 { values.append(-Double(i + 1) / 4) }
        case "2.W":
            for i in 0..<2 { for j in 0..<4 { values.append(Double(i) - Double(j) / 8) } }
        default:
            for i in 0..<2 { values.append(1 / Double(i + 2)) }
        }
        return values
    }

    @Test("files written by Python's safetensors load into Float and Double models",
          arguments: ["mlp-3-4-2-f32.safetensors", "mlp-3-4-2-f64.safetensors"])
    func loadPythonFixtures(_ file: String) throws {
        let isF32 = file.contains("f32")
        let f = MLP<Float>([3, 4, 2], activation: .relu, seed: 1)
        try f.load(from: fixture(file))
        let d = MLP<Double>([3, 4, 2], activation: .relu, seed: 1)
        try d.load(from: fixture(file))
        for name in ["0.W", "0.b", "2.W", "2.b"] {
            let want = expected(name)
            let gotF = f.parameter(named: name)!.value.scalars, gotD = d.parameter(named: name)!.value.scalars
            #expect(gotF == want.map { Float($0) }, "\(file) \(name) into Float")
            let wantD = isF32 ? want.map { Double(Float($0)) } : want
            #expect(gotD == wantD, "\(file) \(name) into Double")
        }
        if isF32 { #expect(try SafeTensorsFile.read(fixture(file)).metadata == ["written_by": "python safetensors"]) }
    }

    @Test("save then load gives the same parameters; the header is 8-byte aligned")
    func roundTrip() throws {
        let path = temporaryPath("model.safetensors")
        let a = MLP<Double>([5, 7, 3], activation: .tanh, seed: 3)
        try a.save(to: path, metadata: ["note": "round trip"])
        let b = MLP<Double>([5, 7, 3], activation: .tanh, seed: 99)
        try b.load(from: path)
        for ((na, pa), (nb, pb)) in zip(a.namedParameters, b.namedParameters) {
            #expect(na == nb && pa.value.scalars == pb.value.scalars)
        }
        let bytes = [UInt8](FileManager.default.contents(atPath: path)!)
        let n = (0..<8).reduce(0) { $0 | Int(bytes[$1]) << (8 * $1) }
        #expect((8 + n) % 8 == 0)
        #expect(try SafeTensorsFile.read(path).metadata["note"] == "round trip")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: URL(fileURLWithPath: path).deletingLastPathComponent().path)
        #expect(leftovers == ["model.safetensors"], "no temporary file is left behind")
    }

    @Test("load is strict: missing, extra and mis-shaped tensors and unsupported dtypes are named")
    func strictLoad() throws {
        let small = MLP<Float>([3, 4, 2], activation: .relu)
        #expect(throws: SafeTensorsError("\(fixture("f16.safetensors")): no tensor '0.W' (the file has x)")) {
            try small.load(from: fixture("f16.safetensors"))
        }
        let wide = MLP<Float>([3, 5, 2], activation: .relu)
        #expect(throws: SafeTensorsError("\(fixture("mlp-3-4-2-f32.safetensors")): tensor '0.W' has shape [4, 3], the model's parameter has shape [5, 3]")) {
            try wide.load(from: fixture("mlp-3-4-2-f32.safetensors"))
        }
        let deep = MLP<Float>([3, 4], activation: .relu)
        #expect(throws: SafeTensorsError("\(fixture("mlp-3-4-2-f32.safetensors")): tensor '2.W' matches no parameter of the model (0.W, 0.b)")) {
            try deep.load(from: fixture("mlp-3-4-2-f32.safetensors"))
        }
        let file = try SafeTensorsFile.read(fixture("f16.safetensors"))
        #expect(file.entries.map(\.dtype) == [.F16] && file.entries[0].shape == [2, 3])
        #expect(try file.doubles(file.entries[0]) == [0, 1, 2, 3, 4, 5], "F16 written by numpy")
        let u8 = try SafeTensorsFile.parse(Self.file(header: "{\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]}}", data: [7]), source: "u.safetensors")
        #expect(throws: SafeTensorsError("u.safetensors: tensor 'a': dtype U8 cannot be loaded (F64, F32, F16 and BF16 can)")) { try u8.doubles(u8.entries[0]) }
        // Nothing changed on failure.
        let before = wide.parameter(named: "0.W")!.value.scalars
        _ = try? wide.load(from: fixture("mlp-3-4-2-f32.safetensors"))
        #expect(wide.parameter(named: "0.W")!.value.scalars == before)
    }

    /// A valid file built by hand, for the validation cases.
    static func file(header: String, data: [UInt8]) -> [UInt8] {
        let json = Array(header.utf8)
        return (0..<8).map { UInt8(truncatingIfNeeded: UInt64(json.count) >> (8 * UInt64($0))) } + json + data
    }

    @Test("validation errors say what is wrong and where", arguments: [
        ([UInt8](repeating: 0, count: 5), "f: file is 5 bytes, shorter than the 8-byte header length"),
        ([200, 0, 0, 0, 0, 0, 0, 0, 123, 125], "f: header length 200 (bytes 0–7) runs past the end of the file (10 bytes)"),
        ([255, 255, 255, 255, 255, 255, 255, 255], "f: header length 18446744073709551615 (bytes 0–7) exceeds the limit of 104857600"),
        (file(header: "{\"a\":", data: []), "f: header (bytes 8–12) is not valid JSON: expected a value at the end of the header"),
        (file(header: "[1,2]", data: []), "f: header is not a JSON object (it begins with '[' at byte 8)"),
        (file(header: "{\"a\":{\"dtype\":\"F33\",\"shape\":[1],\"data_offsets\":[0,4]}}", data: [0, 0, 0, 0]), "f: tensor 'a': unknown dtype 'F33'"),
        (file(header: "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4]}}", data: [0, 0, 0, 0]), "f: tensor 'a': data_offsets [0, 4] hold 4 bytes, but F32 [2] needs 8"),
        (file(header: "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,8]}}", data: [0, 0, 0, 0]), "f: tensor 'a': data_offsets [0, 8] run past the data section (4 bytes, file offset 62)"),
        (file(header: "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,0]}}", data: [0, 0, 0, 0]), "f: tensor 'a': data_offsets [4, 0] are not ordered"),
        (file(header: "{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", data: [0, 0, 0, 0]), "f: tensor 'a': shape: dimension -1 is negative"),
        (file(header: "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", data: [0, 0, 0, 0]),
         "f: tensor 'b': bytes [0, 4) overlap tensor 'a'"),
        (file(header: "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", data: [0, 0, 0, 0, 0, 0, 0, 0]), "f: data bytes [0, 4) (file offset 62) belong to no tensor"),
        (file(header: "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", data: [0, 0, 0, 0, 9]), "f: data bytes [4, 5) (file offset 66) belong to no tensor"),
        (file(header: "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,true]}}", data: [0, 0, 0, 0]), "f: tensor 'a': data_offsets must be two integers"),
        (file(header: "{\"__metadata__\":{\"k\":1}}", data: []), "f: __metadata__ value for 'k' is not a string"),
    ])
    func validation(_ bytes: [UInt8], _ message: String) {
        #expect(throws: SafeTensorsError(message)) { try SafeTensorsFile.parse(bytes, source: "f") }
    }

    @Test("fuzz: 1,000 mutated files never crash; each is valid or a SafeTensorsError, the same from a file")
    func fuzz() throws {
        let seeds = try ["mlp-3-4-2-f32.safetensors", "mlp-3-4-2-f64.safetensors", "f16.safetensors", "f16-rounding.safetensors"].map {
            try Array(Data(contentsOf: URL(fileURLWithPath: fixture($0))))
        }
        let outcome = SafeTensorsFuzzer.run(cases: 1000, seeds: seeds, seed: 12345, directory: (temporaryPath("d") as NSString).deletingLastPathComponent)
        #expect(outcome.crashes == 0 && outcome.mismatches == 0, "\(outcome)")
        #expect(outcome.errors > 250 && outcome.valid > 50, "most mutations are invalid, some valid: \(outcome)")
        #expect(outcome.errors + outcome.valid == 1000)
        #expect(outcome.fromFiles == 32)
    }

    @Test("the fuzzer's mutations reach the new checks: BOM, duplicates, F16 values, nesting")
    func fuzzerReach() throws {
        let seed = try Array(Data(contentsOf: URL(fileURLWithPath: fixture("f16-rounding.safetensors"))))
        var rng = SeededGenerator(seed: 9)
        var messages = Set<String>()
        var decodedHalf = false
        for _ in 0..<3000 {
            let bytes = SafeTensorsFuzzer.mutate(seed, &rng)
            do {
                let file = try SafeTensorsFile.parse(bytes, source: "f")
                if let h = file.entries.first(where: { $0.dtype == .F16 }) { decodedHalf = try decodedHalf || !file.doubles(h).isEmpty }
            } catch let e as SafeTensorsError {
                for key in ["byte-order mark", "duplicate tensor name", "duplicate __metadata__ key", "duplicate field",
                            "nested deeper", "too large", "lone surrogate"] where e.message.contains(key) { messages.insert(key) }
            }
        }
        #expect(messages.count == 7, "\(messages.sorted())")
        #expect(SafeTensorsFuzzer.run(cases: 0, seeds: [seed], seed: 1).valid == 0)
        #expect(decodedHalf)
    }

    @Test("a writer killed mid-write leaves the previous file intact")
    func killedWriter() async throws {
        let path = temporaryPath("model.safetensors")
        let original = MLP<Double>([64, 256, 10], activation: .relu, seed: 1)
        try original.save(to: path)
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        await #expect(processExitsWith: .signal(SIGKILL)) { [path = path as String] in
            let other = MLP<Double>([64, 256, 10], activation: .relu, seed: 2)
            AtomicFile.testHookAfterChunk = { written in if written >= 65_536 { kill(getpid(), SIGKILL) } }
            try? other.save(to: path)
        }
        let after = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect(after == before, "the target still holds the complete previous model")
        let reloaded = MLP<Double>([64, 256, 10], activation: .relu, seed: 3)
        try reloaded.load(from: path)
        #expect(reloaded.parameter(named: "0.W")!.value.scalars == original.parameter(named: "0.W")!.value.scalars)
    }
}
