import Testing
import Backprop
import BackpropNN

/// Optimisers write new weights in one pass (`Parameter.update(_:)` with old and new
/// buffers). These tests check the values against the closed forms, with the weights
/// shared by a live graph and a snapshot, and unshared, and that sharers keep the old
/// values (value semantics).
@Suite("Optimiser updates: one pass, shared or not")
struct OptimizerUpdateTests {
    @Test("SGD with and without momentum: w − α·(μv + g), whether a live graph shares w or not")
    func sgdClosedForm() {
        for momentum in [0.0, 0.9] {
            for keepGraph in [false, true] {
                let p = Parameter(Tensor<Double>([1, -2, 3]))
                let sgd = SGD(parameters: [p], learningRate: 0.1, momentum: momentum)
                var expected: [Double] = [1, -2, 3]
                var velocity: [Double] = [0, 0, 0]
                for _ in 0..<3 {
                    sgd.zeroGradients()
                    let snapshot = p.value          // shares the storage until the update
                    let w = p.value.scalars
                    // L = Σ w³ / 3, so g = w².
                    var loss: Tensor<Double>? = (p.value * p.value * p.value).sum() / 3
                    loss!.backward()
                    if !keepGraph { loss = nil }    // graph freed: the update can be in place
                    sgd.step()
                    for i in 0..<3 {
                        velocity[i] = momentum * velocity[i] + w[i] * w[i]
                        expected[i] -= 0.1 * velocity[i]
                    }
                    #expect(snapshot.scalars == w, "the snapshot keeps the old weights")
                    for i in 0..<3 { #expect(Swift.abs(p.value.scalars[i] - expected[i]) <= 1e-15) }
                    _ = loss
                }
            }
        }
    }

    @Test("A graph recorded before an Adam step still back-propagates with the old weights")
    func graphKeepsOldWeights() {
        let p = Parameter(Tensor<Double>([0.5, -1.5]))
        let adam = Adam(parameters: [p], learningRate: 0.01)
        let loss = (p.value * p.value).sum()        // ∂/∂w = 2w, with w as recorded
        loss.backward()
        let first = p.gradient!.scalars
        adam.step()
        #expect(p.value.scalars != [0.5, -1.5], "the step changed the weights")
        p.zeroGradients()
        loss.backward()                             // the same graph, after the update
        #expect(p.gradient!.scalars == first)
        #expect(first == [1.0, -3.0])
    }

    /// Large parameters are updated in pieces over the compute threads (from 2¹⁶ elements):
    /// every element gets the plain loop's arithmetic (a separate multiply and subtract, no
    /// fused multiply-add), on one thread or two, in Float and Double.
    @Test("SGD and Adam on a large parameter: the plain loop's bits, one thread or two", arguments: [1, 2])
    func largeUpdatesMatchThePlainLoop(threads: Int) {
        ComputeThreads.count = threads
        defer { ComputeThreads.reset() }
        func check<T: TensorScalar & BinaryFloatingPoint>(_: T.Type) {
            let n = 70_001   // above the split threshold, not a multiple of the piece or vector width
            var rng = SplitMix(seed: 5)
            let w0 = (0..<n).map { _ in T(rng.nextSigned()) }, g = (0..<n).map { _ in T(rng.nextSigned()) }
            for momentum in [0.0, 0.9] {
                let p = Parameter(Tensor<T>(shape: [n], scalars: w0))
                let sgd = SGD(parameters: [p], learningRate: 0.3, momentum: momentum)
                var w = w0, v = [T](repeating: 0, count: n)
                let (alpha, mu) = (T(0.3), T(momentum))
                for _ in 0..<2 {
                    g.withUnsafeBufferPointer { gb in sgd.step(gradients: { _ in gb }) }
                    for i in 0..<n {
                        if momentum == 0 {
                            let step = alpha * g[i]
                            w[i] = w[i] - step
                        } else {
                            v[i] = mu * v[i] + g[i]
                            let step = alpha * v[i]
                            w[i] = w[i] - step
                        }
                    }
                }
                #expect(p.value.scalars == w, "SGD μ = \(momentum), \(T.self), \(threads) threads")
            }
            let p = Parameter(Tensor<T>(shape: [n], scalars: w0))
            let adam = Adam(parameters: [p], learningRate: 0.01)
            g.withUnsafeBufferPointer { gb in adam.step(gradients: { _ in gb }) }
            // One Adam step from m = v = 0: m = (1 − β₁)·g, v = ((1 − β₂)·g)·g, t = 1.
            let (b1, b2, eps, lr) = (T(0.9), T(0.999), T(1e-8), T(0.01))
            let c1 = T(1 - 0.9), c2 = T(1 - 0.999)   // 1 − βᵗ in Double, as Adam computes it
            let expected = (0..<n).map { i -> T in
                let m = b1 * 0 + (1 - b1) * g[i]
                let v = b2 * 0 + ((1 - b2) * g[i]) * g[i]
                let mhat = m / c1, vhat = v / c2
                let num = lr * mhat
                let den = vhat.squareRoot() + eps
                return w0[i] - num / den
            }
            #expect(p.value.scalars == expected, "Adam, \(T.self), \(threads) threads")
        }
        check(Float.self)
        check(Double.self)
    }
}

/// A small deterministic generator for the tests' data.
private struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Uniform in [−1, 1).
    mutating func nextSigned() -> Double { Double(next() >> 11) / Double(1 << 52) - 1 }
}
