import CBackpropKernels
import Testing

/// The FMA peak the bench divides by: runs on as many threads as asked, counts its
/// operations for the unit it measures, and measures a narrower unit when asked (no
/// timing expectation: machines here are shared). Serialized: the forced unit is
/// process-wide.
@Suite(.serialized) struct PeakTests {
    @Test(arguments: [0, 1, 2, 3])
    func peakRunsOnEveryThreadCount(threads: Int32) {
        for isDouble: Int32 in [0, 1] {
            let gflops = bp_peak_fma_gflops(isDouble, 20_000, threads)
            #expect(gflops > 0 && gflops.isFinite, "threads \(threads), double \(isDouble): \(gflops)")
        }
    }

    /// Float FLOPs per iteration of each unit: 2 · lanes · independent chains.
    static let floatFlopsPerIteration = ["avx512": 2.0 * 16 * 24, "avx2": 2.0 * 8 * 12, "scalar": 2.0 * 8]

    /// One call's count depends only on the unit and the iterations, not on time.
    @Test func oneCoreCountsItsOperations() throws {
        let unit = String(cString: bp_peak_unit())
        let perIteration = try #require(Self.floatFlopsPerIteration[unit], "unknown unit \(unit)")
        #expect(bp_peak_fma_flops(0, 1000) == perIteration * 1000)
    }

    /// A forced unit is used when the CPU has it, and never a wider one than the CPU has.
    @Test func forcedUnitIsNeverWiderThanTheCPUs() throws {
        let widest = String(cString: bp_peak_unit())
        let order = ["scalar", "avx2", "avx512"]
        let widestRank = try #require(order.firstIndex(of: widest))
        defer { _ = bp_peak_force_unit(0) }
        for (rank, name) in order.enumerated() {
            _ = bp_peak_force_unit(Int32(rank + 1))
            let expected = order[min(rank, widestRank)]
            #expect(String(cString: bp_peak_unit()) == expected, "forced \(name)")
            #expect(bp_peak_fma_flops(0, 100) == Self.floatFlopsPerIteration[expected]! * 100, "forced \(name)")
        }
        _ = bp_peak_force_unit(0)
        #expect(String(cString: bp_peak_unit()) == widest)
    }
}
