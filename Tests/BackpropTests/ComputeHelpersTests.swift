import CBackpropKernels
import Dispatch
import Synchronization
import Testing

@testable import Backprop

/// Counts, per index, how often a job ran it.
private final class Tally: @unchecked Sendable {
    let counts: UnsafeMutablePointer<Atomic<Int>>
    let size: Int
    init(_ size: Int) {
        self.size = size
        counts = .allocate(capacity: size)
        for i in 0..<size { (counts + i).initialize(to: Atomic(0)) }
    }
    deinit { counts.deallocate() }
    var values: [Int] { (0..<size).map { counts[$0].load(ordering: .relaxed) } }
}

private let countIndex: bp_helpers_task = { context, index in
    let tally = Unmanaged<Tally>.fromOpaque(context!).takeUnretainedValue()
    tally.counts[index].add(1, ordering: .relaxed)
}

/// The persistent helper threads (`bp_helpers_run`) that split matrix products run on.
@Suite(.serialized)
struct ComputeHelpersTests {
    /// Runs a job of `count` indices, returning how often each ran.
    private func run(_ count: Int) -> [Int] {
        let tally = Tally(count)
        bp_helpers_run(count, countIndex, Unmanaged.passUnretained(tally).toOpaque())
        return tally.values
    }

    @Test(arguments: [0, 1, 2, 3, 8, 100])
    func everyIndexRunsExactlyOnce(count: Int) {
        for _ in 0..<50 { #expect(run(count) == Array(repeating: 1, count: count)) }
    }

    /// Back-to-back jobs (helpers still spinning), jobs after the helpers fell asleep, and
    /// no spinning at all: every index still runs once.
    @Test func jobsAfterSpinningAndSleeping() {
        let previous = bp_helpers_set_spin_microseconds(0)
        defer { _ = bp_helpers_set_spin_microseconds(previous) }
        for _ in 0..<200 { #expect(run(2) == [1, 1]) }
        _ = bp_helpers_set_spin_microseconds(50)
        for round in 0..<20 {
            if round % 4 == 0 { usleepMicroseconds(200) }   // let the helpers sleep
            #expect(run(3) == [1, 1, 1])
        }
        #expect(bp_helpers_count() >= 1)
    }

    /// Several threads starting jobs at once (one at a time: the others run theirs alone).
    @Test func concurrentCallersEachGetEveryIndexOnce() {
        let failures = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            for _ in 0..<100 where run(4) != [1, 1, 1, 1] { failures.add(1, ordering: .relaxed) }
        }
        #expect(failures.load(ordering: .relaxed) == 0)
    }

    /// Products split over two threads on the helpers give the bits of one thread, with the
    /// helpers and with Dispatch.
    @Test func helperProductsMatchOneThread() {
        let (m, n, k) = (64, 128, 784)
        var state: UInt64 = 12345
        func next() -> Float {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Float(Int64(bitPattern: state >> 11) % 2001 - 1000) / 1000
        }
        let a = (0..<(m * k)).map { _ in next() }, b = (0..<(k * n)).map { _ in next() }
        func product(threads: Int) -> [Float] {
            var c = [Float](repeating: .nan, count: m * n)
            GEMM.multiply(transA: false, transB: false, m: m, n: n, k: k, a: a, lda: k, b: b, ldb: n,
                          c: &c, ldc: n, accumulate: false, threads: threads, alwaysSplit: threads > 1)
            return c
        }
        let one = product(threads: 1)
        let helpersOn = ComputeHelpers.isEnabled.load(ordering: .relaxed)
        #expect(helpersOn)
        for _ in 0..<20 { #expect(product(threads: 2) == one) }
        // Dispatch on this thread only (switching `isEnabled` off would send other suites'
        // products to Dispatch too, and they check that theirs reached the helpers).
        ComputeHelpers.withoutHelpers { #expect(product(threads: 2) == one) }
    }

    /// Static row splits whose op(B) fits a team run it on the helpers
    /// (`bp_?gemm_team_on_helpers`): the bits of one thread, on 2 and 3 threads, with the
    /// helpers and with Dispatch, in every transpose combination, with and without
    /// accumulation (C starts as NaN without it, so a row no piece computed shows).
    @Test(arguments: [false, true])
    func teamProductsOnHelpersMatchOneThread(isDouble: Bool) {
        if isDouble { checkTeamOnHelpers(Double.self) } else { checkTeamOnHelpers(Float.self) }
    }

    private func checkTeamOnHelpers<T: TensorScalar>(_: T.Type) {
        var state: UInt64 = 99
        func next() -> T {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return T(Double(Int64(bitPattern: state >> 11) % 2001 - 1000) / 1000)
        }
        let jobs = ComputeHelpers.statistics.jobs
        // m > n (a row split), several K blocks, partial tiles; 61 rows on 3 threads: 24, 24, 13.
        for (m, n, k) in [(100, 70, 801), (130, 97, 390), (200, 64, 64), (61, 50, 513)] {
            for (transA, transB) in [(false, false), (false, true), (true, false), (true, true)] {
                let lda = transA ? m : k, ldb = transB ? k : n
                let a = (0..<(m * k)).map { _ in next() }, b = (0..<(k * n)).map { _ in next() }
                let c0 = (0..<(m * n)).map { _ in next() }
                for accumulate in [false, true] {
                    func product(threads: Int) -> [T] {
                        var c = accumulate ? c0 : [T](repeating: .nan, count: m * n)
                        GEMM.multiply(transA: transA, transB: transB, m: m, n: n, k: k, a: a, lda: lda, b: b,
                                      ldb: ldb, c: &c, ldc: n, accumulate: accumulate, threads: threads,
                                      alwaysSplit: threads > 1, staticSplit: true)
                        return c
                    }
                    let one = product(threads: 1)
                    for helpers in [true, false] {
                        func check() {
                            for threads in [2, 3] {
                                let same = product(threads: threads) == one
                                #expect(same, "\(T.self) \(m)×\(n)×\(k) transA=\(transA) transB=\(transB) accumulate=\(accumulate) threads=\(threads) helpers=\(helpers)")
                            }
                        }
                        if helpers { check() } else { ComputeHelpers.withoutHelpers(check) }
                    }
                }
            }
        }
        // (A job started while another test's holds the helpers runs on this thread, so
        // only some of these products are sure to have reached them.)
        #expect(ComputeHelpers.statistics.jobs > jobs, "no product ran on the helpers")
    }
}

private func usleepMicroseconds(_ us: Int) {
    let end = DispatchTime.now().uptimeNanoseconds + UInt64(us) * 1000
    while DispatchTime.now().uptimeNanoseconds < end {}
}
