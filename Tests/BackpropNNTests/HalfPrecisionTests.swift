import Backprop
import Foundation
import Testing
import BackpropTestSupport
@testable import BackpropNN

/// F16 and BF16: rounding to nearest even against independent references (numpy's
/// float16, Swift's Float and Float16, the bfloat16 bit trick), overflow errors, and
/// models saved in half precision.
@Suite("safetensors: F16 and BF16")
struct HalfPrecisionTests {
    @Test("F16 encoding matches numpy's float16 on halfway cases, subnormals and the range's edge")
    func matchesNumpy() throws {
        let file = try SafeTensorsFile.read(fixture("f16-rounding.safetensors"))
        let x = try file.doubles(file.entry(named: "x")!)
        let expected = try file.bytes(file.entry(named: "h")!)
        var got: [UInt8] = []
        for v in x {
            let bits = try #require(BinaryFloatFormat.float16.encode(v))
            got += [UInt8(truncatingIfNeeded: bits), UInt8(truncatingIfNeeded: bits >> 8)]
        }
        #expect(got == expected)
        // And numpy's halves decode to the values encoded.
        #expect(try file.doubles(file.entry(named: "h")!) == got.withUnsafeBytes { raw in
            (0..<x.count).map { BinaryFloatFormat.float16.decode(UInt64(raw.loadUnaligned(fromByteOffset: 2 * $0, as: UInt16.self))) }
        })
    }

    static func randomDoubles(_ count: Int, seed: UInt64, scale: Double) -> [Double] {
        var rng = SeededGenerator(seed: seed)
        return (0..<count).map { k in
            let u = rng.nextUnitInterval() - 0.5
            // Magnitudes over many binades, including subnormal ones of the narrow format.
            return u * Foundation.pow(2, (rng.nextUnitInterval() - 0.5) * scale) * (k % 7 == 0 ? 1e-3 : 1)
        }
    }

    @Test("the F32 encoder agrees with Swift's Float(Double) (round to nearest even) bit for bit")
    func float32AgreesWithSwift() {
        let xs = Self.randomDoubles(100_000, seed: 1, scale: 300) + [Double(Float.greatestFiniteMagnitude), 0x1p-149, 0x1p-150, 0x1.8p-150, -0.0]
        for x in xs where Float(x).isFinite {
            #expect(BinaryFloatFormat.float32.encode(x) == UInt64(Float(x).bitPattern), "\(x)")
            #expect(BinaryFloatFormat.float32.decode(UInt64(Float(x).bitPattern)) == Double(Float(x)))
        }
        #expect(BinaryFloatFormat.float32.encode(1e39) == nil)
    }

    #if !((os(macOS) || targetEnvironment(macCatalyst)) && arch(x86_64))
    @Test("the F16 encoder agrees with Swift's Float16(Double) bit for bit; every F16 decodes exactly")
    func float16AgreesWithSwift() {
        for x in Self.randomDoubles(100_000, seed: 2, scale: 60) {
            let h = Float16(x)
            if h.isFinite { #expect(BinaryFloatFormat.float16.encode(x) == UInt64(h.bitPattern), "\(x)") } else {
                #expect(BinaryFloatFormat.float16.encode(x) == nil, "\(x)")
            }
        }
        for bits in 0...UInt16.max {
            let h = Float16(bitPattern: bits), d = BinaryFloatFormat.float16.decode(UInt64(bits))
            #expect(h.isNaN ? d.isNaN : d == Double(h))
        }
    }
    #endif

    @Test("the BF16 encoder agrees with the bit trick (bits + 0x7FFF + lsb) >> 16 on Floats")
    func bfloat16AgreesWithBitTrick() {
        for x in Self.randomDoubles(100_000, seed: 3, scale: 300) {
            let f = Float(x)  // exact input for the reference: one rounding only
            guard f.isFinite else { continue }
            let b = f.bitPattern
            let reference = (b &+ 0x7FFF &+ ((b >> 16) & 1)) >> 16
            if reference & 0x7F80 == 0x7F80 {
                #expect(BinaryFloatFormat.bfloat16.encode(Double(f)) == nil)
            } else {
                #expect(BinaryFloatFormat.bfloat16.encode(Double(f)) == UInt64(reference), "\(f)")
                #expect(BinaryFloatFormat.bfloat16.decode(UInt64(reference)) == Double(Float(bitPattern: reference << 16)))
            }
        }
    }

    @Test("a model saved with precision F16 or BF16 loads back rounded, at half the size of F32",
          arguments: [SafeTensorsDType.F16, .BF16])
    func saveHalf(_ dtype: SafeTensorsDType) throws {
        let model = MLP<Float>([16, 32, 4], activation: .tanh, seed: 7)
        let path = temporaryPath("half.safetensors"), full = temporaryPath("full.safetensors")
        try model.save(to: path, precision: dtype)
        try model.save(to: full)
        let file = try SafeTensorsFile.read(path)
        #expect(file.entries.allSatisfy { $0.dtype == dtype })
        #expect(file.dataByteCount * 2 == (try SafeTensorsFile.read(full)).dataByteCount)
        let format: BinaryFloatFormat = dtype == .F16 ? .float16 : .bfloat16
        let loaded = MLP<Float>([16, 32, 4], activation: .tanh, seed: 8)
        try loaded.load(from: path)
        for ((name, p), (_, q)) in zip(model.namedParameters, loaded.namedParameters) {
            let want = p.value.scalars.map { Float(format.decode(format.encode(Double($0))!)) }
            #expect(q.value.scalars == want, "\(name)")
            let error = zip(p.value.scalars, q.value.scalars).map { Swift.abs($0 - $1) / Swift.max(Swift.abs($0), 1e-3) }.max()!
            #expect(error <= (dtype == .F16 ? 0x1p-11 : 0x1p-8) * 1.001, "\(name): relative error \(error)")
        }
    }

    @Test("a value beyond F16's range is an error naming the tensor and index; nothing is written")
    func overflow() throws {
        let model = MLP<Double>([2, 3, 1], activation: .relu, seed: 1)
        model.parameter(named: "0.W")!.value = Tensor(shape: [3, 2], scalars: [1, 2, 3, 65520, 5, 6])
        let path = temporaryPath("o.safetensors")
        #expect(throws: SafeTensorsError("\(path): not saved: tensor '0.W' holds 65520.0 at index 3, beyond the range of F16 (±65504.0)")) {
            try model.save(to: path, precision: .F16)
        }
        #expect(!FileManager.default.fileExists(atPath: path))
        // 65519.99 rounds down to 65504: allowed. BF16 has Float's range.
        model.parameter(named: "0.W")!.value = Tensor(shape: [3, 2], scalars: [1, 2, 3, 65519.99, 5, 6])
        try model.save(to: path, precision: .F16)
        model.parameter(named: "0.W")!.value = Tensor(shape: [3, 2], scalars: [1, 2, 3, 1e39, 5, 6])
        #expect(throws: SafeTensorsError("\(path): not saved: tensor '0.W' holds 1e+39 at index 3, beyond the range of F32 (±3.4028234663852886e+38)")) {
            try model.save(to: path, precision: .F32)
        }
        #expect(throws: SafeTensorsError("\(path): not saved: precision I8 is not a floating-point type that can be written (F64, F32, F16, BF16)")) {
            try model.save(to: path, precision: .I8)
        }
    }

    @Test("BF16 bytes written by hand read as the upper half of F32")
    func readBF16() throws {
        // 1.0 = 0x3F80, −2.5 = 0xC020, 3.3895e38 = 0x7F7F (largest finite), smallest subnormal 0x0001.
        let bytes = SafeTensorsTests.file(header: "{\"b\":{\"dtype\":\"BF16\",\"shape\":[4],\"data_offsets\":[0,8]}}",
                                          data: [0x80, 0x3F, 0x20, 0xC0, 0x7F, 0x7F, 0x01, 0x00])
        let file = try SafeTensorsFile.parse(bytes, source: "b")
        #expect(try file.doubles(file.entries[0]) == [1, -2.5, Double(Float(bitPattern: 0x7F7F_0000)), Double(Float(bitPattern: 0x0001_0000))])
    }
}
