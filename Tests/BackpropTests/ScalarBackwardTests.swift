import Foundation
import Testing
@testable import Backprop

@Suite("Scalar backward")
struct ScalarBackwardTests {
    @Test("a node used many times sums its gradients: b = a + a, c = b + b gives dc/da = 4")
    func repeatedUse() {
        let a = Value(3)
        let b = a + a
        let c = b + b
        c.backward()
        #expect(a.grad == 4)
        #expect(b.grad == 2)
        let d = a * a * a          // d/da a³ = 3a² = 27
        a.grad = 0
        d.backward()
        #expect(a.grad == 27)
    }

    @Test("backward twice: leaves accumulate, interior nodes hold the latest pass")
    func backwardTwice() {
        let x = Value(2, label: "x")
        let y = Value(-3, label: "y")
        let h = x * y
        let out = h.tanh()
        out.backward()
        let gx = x.grad, gy = y.grad, gh = h.grad
        #expect(Swift.abs(gx - (1 - Foundation.tanh(-6) * Foundation.tanh(-6)) * -3) < 1e-15)
        out.backward()
        #expect(x.grad == 2 * gx)
        #expect(y.grad == 2 * gy)
        #expect(h.grad == gh, "interior gradients are reset by each pass")
        out.zeroGradients()
        #expect(x.grad == 0 && y.grad == 0 && h.grad == 0 && out.grad == 0)
        out.backward()
        #expect(x.grad == gx)
        [x, y].zeroGradients()
        #expect(x.grad == 0 && y.grad == 0)
    }

    @Test("backward with a seed scales every gradient")
    func seed() {
        let x = Value(0.5)
        let y = x.exp()
        y.backward(seed: 3)
        #expect(Swift.abs(x.grad - 3 * Foundation.exp(0.5)) < 1e-15)
    }

    @Test("backward from a leaf sets its own gradient")
    func leafBackward() {
        let x = Value(4)
        x.backward()
        #expect(x.grad == 1)
    }

    @Test("no-grad scope computes values without recording")
    func noGrad() {
        let x = Value(1.5)
        #expect(isRecordingGradients)
        let y = withoutGradients {
            #expect(!isRecordingGradients)
            let inner = withoutGradients { x * 2 }
            #expect(!isRecordingGradients, "scopes nest")
            return inner + x.sin()
        }
        #expect(isRecordingGradients)
        #expect(Swift.abs(y.value - (3 + Foundation.sin(1.5))) < 1e-15)
        #expect(y.op == .constant)
        #expect(y.inputs.isEmpty)
        let z = y * x          // recorded again; y is a constant in it
        z.backward()
        #expect(Swift.abs(x.grad - y.value) < 1e-15, "no gradient flows into x through y")
    }

    @Test("unreached nodes on a shared tape get no gradient, and infinities elsewhere do not leak in")
    func unreachedNodes() {
        let x = Value(2)
        let h = x * 3
        let unrelated = (h - 6).log()     // log(0) = −∞ with partial +∞, on the same tape as h
        #expect(unrelated.value == -.infinity)
        let out = h * h
        out.backward()
        #expect(x.grad == 2 * 6 * 3)
        #expect(unrelated.grad == 0)
    }

    @Test("graphs spanning several tapes: a sum of per-sample losses")
    func crossTapeSum() {
        // Each sample's loss starts from leaves, so it lives on its own tape; the total
        // links them. Closed form: d/dw Σ (w·xᵢ − yᵢ)² = Σ 2(w·xᵢ − yᵢ)·xᵢ.
        let w = Value(0.7, label: "w")
        let xs: [Double] = [0.5, -1.2, 2.0, 3.3], ys: [Double] = [1.0, 0.2, -0.4, 2.2]
        var total = (w * Value(xs[0]) - ys[0]).squared()
        for i in 1..<xs.count {
            let sample = (w * Value(xs[i]) - ys[i]).squared()
            total = total + sample
        }
        total.backward()
        let expected = zip(xs, ys).reduce(0.0) { $0 + 2 * (0.7 * $1.0 - $1.1) * $1.0 }
        #expect(Swift.abs(w.grad - expected) < 1e-12)
        // And the other order of operands (older tape on the right).
        w.grad = 0
        var total2 = (w * Value(xs[0]) - ys[0]).squared()
        for i in 1..<xs.count { total2 = (w * Value(xs[i]) - ys[i]).squared() + total2 }
        total2.backward()
        #expect(Swift.abs(w.grad - expected) < 1e-12)
    }

    @Test("gradient of a diamond across tapes matches central differences")
    func crossTapeDiamond() {
        let report = checkGradients(at: [0.3, -0.8, 1.1]) { v in
            let a = v[0] * v[1]            // tape A
            let b = (v[2] * v[0]).sin()    // tape B
            let c = a * b + a.exp()        // on the younger tape, reads A
            let d = (b - c).tanh()         // on the younger tape, reads A and B
            return d * a + Value.maximum(d, b)
        }
        #expect(report.passed, "\(report)")
    }

    @Test("topological order lists inputs before their users, once each")
    func topologicalOrder() {
        let a = Value(1, label: "a"), b = Value(2, label: "b")
        let c = (a * b).labeled("c")
        let d = (c + a).labeled("d")
        let e = (d * c).labeled("e")
        let order = e.topologicalOrder()
        #expect(order.count == 5)
        let position = Dictionary(uniqueKeysWithValues: order.enumerated().map { ($1.id, $0) })
        for v in order { for input in v.inputs { #expect(position[input.id]! < position[v.id]!) } }
        #expect(order.last?.label == "e")
    }

    @Test("labels, inspection and detaching")
    func inspection() {
        let w = Value(0.5, label: "w5")
        let y = (w * 2).labeled("net")
        #expect(w.label == "w5" && y.label == "net")
        #expect(w.isLeaf && !y.isLeaf)
        #expect(y.op == .multiply && y.inputs.map(\.id) == [w.id])
        #expect(y.localDerivatives == [2])
        #expect(w.leakyRelu(slope: 0.2).opArgument == 0.2)
        #expect(w.step(threshold: 0.1).opArgument == 0.1)
        #expect(w.raised(to: 3).opArgument == 3)
        let d = y.detached()
        #expect(d.isLeaf && d.value == 1 && d.inputs.isEmpty)
        (d * 3).backward()
        #expect(w.grad == 0, "no gradient through a detached copy")
        w.value = 0.25
        #expect(w.value == 0.25)
        #expect("\(w)".contains("w5"))
    }
}

@Suite("Numerical stability")
struct ScalarStabilityTests {
    @Test("sigmoid and tanh at ±1000: no NaN, exact limits, zero gradients")
    func saturation() {
        for x in [-1000.0, 1000.0] {
            let v = Value(x)
            let s = v.sigmoid(), t = v.tanh()
            #expect(s.value == (x > 0 ? 1 : 0))
            #expect(t.value == (x > 0 ? 1 : -1))
            (s + t).backward()
            #expect(v.grad == 0)
            #expect(!s.value.isNaN && !t.value.isNaN)
        }
        // Moderately large: still accurate, σ'(x) = σ(x)(1 − σ(x)).
        let v = Value(-30)
        let s = v.sigmoid()
        s.backward()
        #expect(Swift.abs(s.value - Foundation.exp(-30) / (1 + Foundation.exp(-30))) < 1e-25)
        #expect(v.grad > 0)
    }

    @Test("log at 0 is −∞ with local derivative +∞; negative input is NaN")
    func logAtZero() {
        let x = Value(0)
        let y = x.log()
        #expect(y.value == -.infinity)
        #expect(y.localDerivatives == [.infinity])
        y.backward()
        #expect(x.grad == .infinity)
        #expect(Value(-1).log().value.isNaN)
    }

    @Test("NaN is never hidden by relu, step, abs, max or min")
    func nanPropagates() {
        let n = Value(.nan)
        #expect(n.relu().value.isNaN)
        #expect(n.step().value.isNaN)
        #expect(n.abs().value.isNaN)
        #expect(Value.maximum(n, Value(1)).value.isNaN)
        #expect(Value.minimum(Value(1), n).value.isNaN)
    }
}
