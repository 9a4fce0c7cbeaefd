import Testing
@testable import BackpropNN

/// The specialised array conversions behind saving, loading and optimiser states agree
/// with the element-by-element definitions, for both element types.
@Suite("Scalar array conversions")
struct ScalarArraysTests {
    static let doubles: [Double] = [0, -0.0, 1, -2.5, 1e-40, 3.4028235e38, 1e39, -1e39, .pi, 65504, 0.1]

    @Test func floatsWidenExactlyAndNarrowToNearest() {
        let floats = Self.doubles.map { Float($0) }
        #expect(ScalarArrays.doubles(floats) == floats.map { Double($0) })
        let narrowed: [Float] = ScalarArrays.scalars(Self.doubles, as: Float.self)
        #expect(narrowed.map(\.bitPattern) == Self.doubles.map { Float($0).bitPattern })
        // 1e39 is finite as a Double and beyond Float's range.
        #expect(ScalarArrays.firstBeyondRange(Self.doubles, as: Float.self) == 6)
        #expect(ScalarArrays.firstBeyondRange(Array(Self.doubles.prefix(6)), as: Float.self) == nil)
    }

    @Test func doublesPassThrough() {
        #expect(ScalarArrays.doubles(Self.doubles).map(\.bitPattern) == Self.doubles.map(\.bitPattern))
        #expect(ScalarArrays.scalars(Self.doubles, as: Double.self).map(\.bitPattern) == Self.doubles.map(\.bitPattern))
        #expect(ScalarArrays.firstBeyondRange(Self.doubles, as: Double.self) == nil)
    }

    @Test(arguments: [0, 4, 10])
    func firstNonFiniteFindsTheFirstNaNOrInfinity(at index: Int) {
        for bad in [Double.nan, .infinity, -.infinity] {
            var v = Self.doubles
            v[index] = bad
            if index < 10 { v[10] = .nan }
            #expect(ScalarArrays.firstNonFinite(v) == index)
            #expect(ScalarArrays.firstNonFinite(doubles: v) == index)
            var f = Self.doubles.prefix(6).map { Float($0) } + [1, 2, 3, 4, 5]
            f[index] = Float(bad)
            #expect(ScalarArrays.firstNonFinite(f) == index)
        }
        #expect(ScalarArrays.firstNonFinite(Array(Self.doubles.prefix(6))) == nil)
        #expect(ScalarArrays.firstNonFinite([Float]()) == nil)
    }
}
