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
}
