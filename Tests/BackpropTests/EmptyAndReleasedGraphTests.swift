import Foundation
import Testing
import Backprop

/// What the engine does with empty tensors. The rule: a reduction with an identity
/// element (sum: 0, log-sum-exp: −∞) returns it; softmax of an empty axis is an empty
/// tensor (nothing to normalise); max and min have no identity and stop with an error
/// (see `TensorBadInputTests`). Never a crash without a message.
@Suite("Bad input: empty tensors")
struct EmptyTensorTests {
    @Test("sum of an empty tensor is 0, and its gradient is empty")
    func sumOfEmpty() {
        let x = Tensor<Double>(shape: [0, 3], scalars: [], requiresGradient: true)
        let s = x.sum()
        #expect(s.shape == [] && s.scalar == 0)
        s.backward()
        #expect(x.gradient?.shape == [0, 3])
        let rows = Tensor<Double>.zeros(shape: [2, 0]).sum(alongAxes: [1])
        #expect(rows.shape == [2] && rows.scalars == [0, 0])
    }

    @Test("softmax and logSoftmax of an empty axis are empty; backward works")
    func softmaxOfEmptyAxis() {
        let x = Tensor<Double>(shape: [2, 0], scalars: [], requiresGradient: true)
        let y = x.softmax(alongAxis: 1)
        #expect(y.shape == [2, 0] && y.scalars.isEmpty)
        #expect(x.logSoftmax(alongAxis: 1).shape == [2, 0])
        y.sum().backward()
        #expect(x.gradient?.shape == [2, 0])
    }

    @Test("log-sum-exp of an empty axis is −∞ (log of an empty sum)")
    func logSumExpOfEmptyAxis() {
        let y = Tensor<Double>.zeros(shape: [2, 0]).logSumExp(alongAxis: 1)
        #expect(y.shape == [2])
        #expect(y.scalars == [-.infinity, -.infinity], "\(y.scalars)")
    }

    @Test("matmul with an empty inner dimension is a zero matrix")
    func matmulEmptyInner() {
        let c = Tensor<Double>.zeros(shape: [2, 0]).matmul(Tensor<Double>.zeros(shape: [0, 3]))
        #expect(c.shape == [2, 3] && c.scalars == [Double](repeating: 0, count: 6))
    }
}

/// "Backward through a graph that was already released" cannot happen here: a result
/// tensor (or `Value`) holds its graph node strongly, and every node holds its inputs,
/// so as long as you can name the loss, its whole graph is alive; when the last handle
/// goes away the graph is freed and there is nothing left to call `backward` on. There is
/// no `retain_graph=False` either: backward never frees or consumes the graph. The
/// closest real cases are tested here: backward after every intermediate handle went out
/// of scope, backward twice on the same graph, and backward on values that were cut off
/// from the graph (detached, or computed without recording), which is a clear error.
@Suite("Bad input: released graphs")
struct ReleasedGraphTests {
    /// Builds L = 2·Σ w² and drops every intermediate handle.
    static func loss(of w: Tensor<Double>) -> Tensor<Double> {
        let square = w * w
        let total = square.sum()
        return total * 2
    }

    @Test("backward after the intermediates went out of scope, and twice on one graph")
    func backwardAfterScopeEnds() {
        let w = Tensor<Double>([1, -2, 3], requiresGradient: true)
        let loss = Self.loss(of: w)
        loss.backward()
        #expect(w.gradient?.scalars == [4, -8, 12], "∂(2Σw²)/∂w = 4w")
        loss.backward()
        #expect(w.gradient?.scalars == [8, -16, 24], "a second backward accumulates, as documented")
        w.zeroGradients()
        #expect(w.gradient == nil)
    }

    @Test("the parameter handle can go away before backward: the graph keeps it alive")
    func parameterHandleGone() {
        var keep: Tensor<Double>? = Tensor<Double>([3], requiresGradient: true)
        let copy = keep!          // a copy of a tensor is the same parameter (shared node)
        let loss = Self.loss(of: keep!)
        keep = nil
        loss.backward()
        #expect(copy.gradient?.scalars == [12])
    }

    @Test("scalar Values: backward after the intermediates went out of scope, and twice")
    func scalarBackwardAfterScopeEnds() {
        let w = Value(0.5)
        func loss() -> Value {
            let h = (w * 2).tanh()
            return h * h
        }
        let l = loss()
        l.backward()
        let t = Foundation.tanh(1.0)
        let expected = 2 * t * (1 - t * t) * 2   // d(tanh(2w)²)/dw at w = 0.5
        #expect(Swift.abs(w.grad - expected) < 1e-12)
        l.backward()
        #expect(Swift.abs(w.grad - 2 * expected) < 1e-12, "leaves accumulate across passes")
    }
}
