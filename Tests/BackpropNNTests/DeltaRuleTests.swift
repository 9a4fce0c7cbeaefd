import Backprop
import Foundation
import Testing
@testable import BackpropNN

/// The lecture notes derive backpropagation by hand; here the graph engine, which knows
/// nothing of deltas, must agree with those formulas on random networks.
@Suite("The delta rule from generic graph nodes")
struct DeltaRuleTests {
    /// A random matrix as nested arrays.
    static func random(_ rows: Int, _ cols: Int, _ rng: inout SeededGenerator) -> [[Double]] {
        (0..<rows).map { _ in (0..<cols).map { _ in rng.nextNormal() } }
    }
    static func tensor(_ m: [[Double]]) -> Tensor<Double> { Tensor(shape: [m.count, m[0].count], scalars: m.flatMap { $0 }) }
    static func matVec(_ m: [[Double]], _ v: [Double]) -> [Double] { m.map { row in zip(row, v).reduce(0) { $0 + $1.0 * $1.1 } } }
    static func transposedMatVec(_ m: [[Double]], _ v: [Double]) -> [Double] {
        (0..<m[0].count).map { j in (0..<m.count).reduce(0) { $0 + m[$1][j] * v[$1] } }
    }
    static func sigmoid(_ x: Double) -> Double { 1 / (1 + Foundation.exp(-x)) }
    static func expectClose(_ a: [Double], _ b: [Double], _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(a.count == b.count, "\(what): sizes", sourceLocation: sourceLocation)
        for (x, y) in zip(a, b) {
            #expect(Swift.abs(x - y) <= 1e-12 * Swift.max(1, Swift.abs(y)), "\(what): \(x) vs \(y)", sourceLocation: sourceLocation)
        }
    }

    @Test("001's vectorised key equations: ∂L/∂W = δ·aᵀ and δ⁽ˡ⁾ = (W⁽ˡ⁺¹⁾ᵀδ⁽ˡ⁺¹⁾) ⊙ σ′(z⁽ˡ⁾)",
          arguments: [(2, 2, 2), (3, 5, 4), (7, 3, 1), (4, 6, 3)])
    func vectorisedEquations(_ sizes: (Int, Int, Int)) {
        let (n0, n1, n2) = sizes
        var rng = SeededGenerator(seed: UInt64(n0 * 100 + n1 * 10 + n2))
        let w1 = Self.random(n1, n0, &rng), w2 = Self.random(n2, n1, &rng)
        let b1 = (0..<n1).map { _ in rng.nextNormal() }, b2 = (0..<n2).map { _ in rng.nextNormal() }
        let x = (0..<n0).map { _ in rng.nextNormal() }, y = (0..<n2).map { _ in rng.nextUnitInterval() }
        // The engine: generic layers and a generic loss.
        let l1 = Linear(weight: Self.tensor(w1), bias: Tensor(shape: [n1], scalars: b1))
        let l2 = Linear(weight: Self.tensor(w2), bias: Tensor(shape: [n2], scalars: b2))
        let out = l2(l1(Tensor(shape: [1, n0], scalars: x)).sigmoid()).sigmoid()
        Loss.halfSumOfSquares(out, Tensor(shape: [1, n2], scalars: y)).backward()
        // The notes, by hand.
        let a1 = Self.matVec(w1, x).enumerated().map { Self.sigmoid($1 + b1[$0]) }
        let a2 = Self.matVec(w2, a1).enumerated().map { Self.sigmoid($1 + b2[$0]) }
        let delta2 = (0..<n2).map { (a2[$0] - y[$0]) * a2[$0] * (1 - a2[$0]) }
        let back = Self.transposedMatVec(w2, delta2)
        let delta1 = (0..<n1).map { back[$0] * a1[$0] * (1 - a1[$0]) }
        Self.expectClose(l2.weight.gradient!.scalars, delta2.flatMap { d in a1.map { d * $0 } }, "∂L/∂W2 = δ2·a1ᵀ")
        Self.expectClose(l2.bias.gradient!.scalars, delta2, "∂L/∂b2 = δ2")
        Self.expectClose(l1.weight.gradient!.scalars, delta1.flatMap { d in x.map { d * $0 } }, "∂L/∂W1 = δ1·xᵀ")
        Self.expectClose(l1.bias.gradient!.scalars, delta1, "∂L/∂b1 = δ1")
    }

    /// 004's notation: input x, hidden h = σ(W x), output d̂ = σ(V h), target d, E = ½‖d̂ − d‖².
    struct DeltaRuleNetwork {
        var w: [[Double]], v: [[Double]], x: [Double], d: [Double]
        init(inputs: Int, hidden: Int, outputs: Int, seed: UInt64) {
            var rng = SeededGenerator(seed: seed)
            w = DeltaRuleTests.random(hidden, inputs, &rng)
            v = DeltaRuleTests.random(outputs, hidden, &rng)
            x = (0..<inputs).map { _ in rng.nextNormal() }
            d = (0..<outputs).map { _ in rng.nextUnitInterval() }
        }
        var h: [Double] { DeltaRuleTests.matVec(w, x).map(DeltaRuleTests.sigmoid) }
        var output: [Double] { DeltaRuleTests.matVec(v, h).map(DeltaRuleTests.sigmoid) }
        /// δ_k = (d̂_k − d_k)·d̂_k·(1 − d̂_k)
        var outputDelta: [Double] { zip(output, d).map { ($0 - $1) * $0 * (1 - $0) } }
        /// δ_j = h_j(1 − h_j)·Σ_k v_kj δ_k, with the given output weights.
        func hiddenDelta(using v: [[Double]]) -> [Double] {
            let back = DeltaRuleTests.transposedMatVec(v, outputDelta)
            return h.enumerated().map { $1 * (1 - $1) * back[$0] }
        }
        /// Autodiff gradients (∂E/∂W, ∂E/∂V) from bias-free layers.
        func engineGradients() -> (w: [Double], v: [Double]) {
            let wp = Parameter(DeltaRuleTests.tensor(w)), vp = Parameter(DeltaRuleTests.tensor(v))
            let input = Tensor(shape: [1, x.count], scalars: x)
            let out = input.matmul(wp.value.transposed()).sigmoid().matmul(vp.value.transposed()).sigmoid()
            Loss.halfSumOfSquares(out, Tensor(shape: [1, d.count], scalars: d)).backward()
            return (wp.gradient!.scalars, vp.gradient!.scalars)
        }
    }

    @Test("004's per-sample delta rule equals the engine's gradient", arguments: [UInt64(1), 2, 3, 4, 5])
    func perSampleDeltaRule(_ seed: UInt64) {
        let net = DeltaRuleNetwork(inputs: 3, hidden: 4, outputs: 2, seed: seed)
        let (gw, gv) = net.engineGradients()
        let dk = net.outputDelta, dj = net.hiddenDelta(using: net.v)
        Self.expectClose(gv, dk.flatMap { d in net.h.map { d * $0 } }, "∂E/∂v_kj = δ_k·h_j")
        Self.expectClose(gw, dj.flatMap { d in net.x.map { d * $0 } }, "∂E/∂w_ji = δ_j·x_i")
    }

    @Test("004's variant with already-updated output weights v^{t+1} is not the gradient")
    func updatedWeightsVariant() {
        let net = DeltaRuleNetwork(inputs: 3, hidden: 4, outputs: 2, seed: 11)
        let alpha = 0.5
        let (gw, _) = net.engineGradients()
        let dk = net.outputDelta, h = net.h
        // v^{t+1}_kj = v_kj − α·δ_k·h_j, then the hidden delta from it.
        let vNext = net.v.enumerated().map { k, row in row.enumerated().map { j, vkj in vkj - alpha * dk[k] * h[j] } }
        let variant = net.hiddenDelta(using: vNext).flatMap { d in net.x.map { d * $0 } }
        // Closed form of the discrepancy: −α·h_j²(1 − h_j)·Σ_k δ_k² · x_i.
        let sumSq = dk.reduce(0) { $0 + $1 * $1 }
        let predicted = h.flatMap { hj in net.x.map { -alpha * hj * hj * (1 - hj) * sumSq * $0 } }
        Self.expectClose(zip(variant, gw).map { $0 - $1 }, predicted, "variant − gradient")
        let relative = zip(variant, gw).map { Swift.abs($0 - $1) / Swift.abs($1) }.max()!
        #expect(relative > 1e-3, "the variant differs from the true gradient (largest relative error \(relative))")
    }

    @Test("002's tanh hidden layer and linear outputs: δ_out = ŷ − y, δ_hidden = (1 − h²) ⊙ Wᵀδ_out",
          arguments: [UInt64(21), 22, 23])
    func tanhLinear(_ seed: UInt64) {
        var rng = SeededGenerator(seed: seed)
        let w1 = Self.random(3, 2, &rng), w2 = Self.random(2, 3, &rng)
        let x = [rng.nextNormal(), rng.nextNormal()], y = [rng.nextNormal(), rng.nextNormal()]
        let l1 = Linear(weight: Self.tensor(w1), bias: Tensor.zeros(shape: [3]))
        let l2 = Linear(weight: Self.tensor(w2), bias: Tensor.zeros(shape: [2]))
        let out = l2(l1(Tensor(shape: [1, 2], scalars: x)).tanh())
        Loss.halfSumOfSquares(out, Tensor(shape: [1, 2], scalars: y)).backward()
        let h = Self.matVec(w1, x).map { Foundation.tanh($0) }
        let yHat = Self.matVec(w2, h)
        let deltaOut = zip(yHat, y).map { $0 - $1 }
        let back = Self.transposedMatVec(w2, deltaOut)
        let deltaHidden = h.enumerated().map { (1 - $1 * $1) * back[$0] }
        Self.expectClose(l2.weight.gradient!.scalars, deltaOut.flatMap { d in h.map { d * $0 } }, "∂E/∂W2")
        Self.expectClose(l1.weight.gradient!.scalars, deltaHidden.flatMap { d in x.map { d * $0 } }, "∂E/∂W1")
    }
}
