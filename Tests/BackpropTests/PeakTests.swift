import CBackpropKernels
import Testing

/// The FMA peak the bench divides by: runs on as many threads as asked, and reports a
/// rate (no timing expectation: machines here are shared).
@Suite struct PeakTests {
    @Test(arguments: [0, 1, 2, 3])
    func peakRunsOnEveryThreadCount(threads: Int32) {
        for isDouble: Int32 in [0, 1] {
            let gflops = bp_peak_fma_gflops(isDouble, 20_000, threads)
            #expect(gflops > 0 && gflops.isFinite, "threads \(threads), double \(isDouble): \(gflops)")
        }
    }

    /// One call does 2 · lanes · 24 chains FLOPs per iteration: a count independent of time.
    @Test func oneCoreCountsItsOperations() {
        let flops = bp_peak_fma_flops(0, 1000)
        let lanes: Double = switch String(cString: bp_peak_unit()) {
        case "avx512": 16 * 24
        case "avx2": 8 * 12
        default: 8
        }
        #expect(flops == 2 * lanes * 1000)
    }
}
