import Foundation
import Testing
@testable import BackpropNN

/// The progress line's loss: non-finite values read as `nan`/`inf`, never `-nan`.
@Suite("Progress line formatting")
struct ProgressFormatTests {
    @Test func nonFiniteLosses() {
        // A NaN with its sign bit set (what 0·∞ and ∞ − ∞ give on x86) prints "-nan" via %f.
        let negativeNaN = -Double.nan
        #expect(String(format: "%.5f", negativeNaN) == "-nan", "the C formatting this guards against")
        #expect(ProgressReporter.formatted(negativeNaN, digits: 5) == "nan")
        #expect(ProgressReporter.formatted(.nan, digits: 6) == "nan")
        #expect(ProgressReporter.formatted(.infinity, digits: 5) == "inf")
        #expect(ProgressReporter.formatted(-.infinity, digits: 5) == "-inf")
        #expect(ProgressReporter.formatted(0.123456789, digits: 5) == "0.12346")
    }
}
