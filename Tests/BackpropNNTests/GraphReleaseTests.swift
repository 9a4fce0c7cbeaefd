import Testing
@testable import Backprop
@testable import BackpropNN

/// Graph memory is released after every training step: a weak reference to a node of
/// the step's graph becomes nil once the step's loss goes away, and parameters keep no
/// graph (their gradient is a constant). This is what keeps `backprop-bench memory` flat.
@Suite("Memory: graphs are released")
struct GraphReleaseTests {
    /// One SGD step; returns weak references to the loss node and to a hidden node.
    static func step(_ model: MLP<Float>, _ sgd: SGD<Float>, _ x: Tensor<Float>, _ labels: [Int])
        -> (loss: Float, lossNode: () -> AnyObject?, hiddenNode: () -> AnyObject?)
    {
        sgd.zeroGradients()
        let hidden = model.body.layers[0](x)
        let logits = model.body.layers.dropFirst().reduce(hidden) { $1($0) }
        let loss = Loss.softmaxCrossEntropy(logits: logits, labels: labels)
        loss.backward()
        sgd.step()
        weak let lossNode = loss.node
        weak let hiddenNode = hidden.node
        #expect(lossNode != nil && hiddenNode != nil, "alive while the step's tensors are")
        return (loss.scalar, { lossNode }, { hiddenNode })
    }

    @Test("after a training step no node of its graph survives")
    func tensorStepReleasesItsGraph() {
        let model = MLP<Float>([4, 8, 3], activation: .relu, seed: 7)
        let sgd = SGD(parameters: model.parameters, learningRate: 0.1)
        var rng = SeededGenerator(seed: 3)
        let x = Tensor<Float>(shape: [5, 4], scalars: (0..<20).map { _ in Float(rng.nextNormal()) })
        let labels = [0, 1, 2, 1, 0]
        var losses: [Float] = []
        for _ in 0..<3 {
            let r = Self.step(model, sgd, x, labels)
            losses.append(r.loss)
            #expect(r.lossNode() == nil, "the loss node is freed when the step returns")
            #expect(r.hiddenNode() == nil, "intermediate nodes are freed too")
        }
        #expect(losses[2] < losses[0], "the steps did train: \(losses)")
        for p in model.parameters {
            let node = p.value.node!
            #expect(node.inputs.isEmpty && node.op == nil, "a parameter stays a bare leaf")
            #expect(p.gradient?.requiresGradient == false, "its gradient is a constant, holding no graph")
        }
    }

    @Test("a scalar graph's tape is freed with its last Value")
    func scalarTapeReleased() {
        let w = Value(0.3), b = Value(-0.1)
        weak var tape: Tape?
        do {
            var y = w * 2 + b
            for _ in 0..<100 { y = (y * w + b).tanh() }
            y.backward()
            tape = y.tape
            #expect(tape != nil)
        }
        #expect(tape == nil, "no Value of the graph is left, so its tape is gone")
        #expect(w.grad != 0 && w.isLeaf, "the leaves live on with their gradients")
    }
}
