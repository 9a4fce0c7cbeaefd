import Testing
@testable import Backprop

@Suite("Tensor: graph, backward, memory")
struct TensorGraphTests {
    @Test func deepChainOfHundredThousandOps() {
        let n = 100_000
        let x = Tensor<Double>([0.5, -1.5], requiresGradient: true)
        weak var firstNode: TensorNode<Double>?
        weak var lastNode: TensorNode<Double>?
        do {
            var y = x
            for i in 0..<n {
                y = y * 1.000001
                if i == 0 { firstNode = y.node }
            }
            lastNode = y.node
            let loss = y.sum()
            loss.backward()
        }
        // d/dx (x·cⁿ) = cⁿ, computed independently.
        var expected = 1.0
        for _ in 0..<n { expected *= 1.000001 }
        #expect(Swift.abs(x.gradient![0] - expected) < 1e-9)
        #expect(Swift.abs(x.gradient![1] - expected) < 1e-9)
        // The whole chain was freed (iteratively, without a stack overflow).
        #expect(firstNode == nil)
        #expect(lastNode == nil)
        #expect(x.node != nil)
    }

    @Test func longChainIsFreedWithoutBackward() {
        weak var node: TensorNode<Float>?
        do {
            var y = Tensor<Float>([1, 2, 3], requiresGradient: true)
            for _ in 0..<100_000 { y = y.tanh() }
            node = y.node
            #expect(node != nil)
        }
        #expect(node == nil)
    }

    @Test func graphNodesAreReleasedAfterUse() {
        weak var lossNode: TensorNode<Double>?
        weak var hiddenNode: TensorNode<Double>?
        let w = Tensor<Double>([[1, 2], [3, 4]], requiresGradient: true)
        do {
            let h = w.matmul(w).sigmoid()
            let loss = (h * h).softmax(alongAxis: 1).sum()
            hiddenNode = h.node
            lossNode = loss.node
            loss.backward()
        }
        #expect(hiddenNode == nil)
        #expect(lossNode == nil)
        // Higher-order graphs returned by gradients(of:) are released too.
        weak var gradNode: TensorNode<Double>?
        do {
            let g = gradients(of: (w * w * w).sum(), withRespectTo: [w], createGraph: true)[0]
            gradNode = g.node
            #expect(gradNode != nil)
        }
        #expect(gradNode == nil)
    }

    @Test func createGraphGradientCycleIsBrokenByZeroGradients() {
        weak var leaf: TensorNode<Double>?
        weak var gradientNode: TensorNode<Double>?
        do {
            let x = Tensor<Double>([1, 2], requiresGradient: true)
            leaf = x.node
            (x * x * x).sum().backward(createGraph: true)
            gradientNode = x.gradient?.node
            #expect(gradientNode != nil)
            x.zeroGradients()  // documented: the recorded gradient references x's own graph
        }
        #expect(leaf == nil)
        #expect(gradientNode == nil)
    }

    @Test func gradientsAccumulateUntilZeroed() {
        let x = Tensor<Double>([1, 2, 3], requiresGradient: true)
        (x * x).sum().backward()
        (x * x).sum().backward()
        #expect(x.gradient!.scalars == [4, 8, 12])
        x.zeroGradients()
        #expect(x.gradient == nil)
        (x * 3).sum().backward()
        #expect(x.gradient!.scalars == [3, 3, 3])
    }

    @Test func sharedSubexpressionsSumTheirContributions() {
        let x = Tensor<Double>([2, -1], requiresGradient: true)
        let y = x * x
        (y + y * x + x).sum().backward()  // x² + x³ + x → 2x + 3x² + 1
        let expected: [Double] = [17, 2]
        #expect(x.gradient!.scalars == expected)
    }

    @Test func noGradScopeAndDetachedStopRecording() {
        let x = Tensor<Double>([1, 2], requiresGradient: true)
        let inside = withoutGradients { (x * x).exp() }
        #expect(!inside.requiresGradient)
        #expect(!isRecordingGradients == false)
        let y = (x * x.detached()).sum()  // ∂/∂x = x, not 2x
        y.backward()
        #expect(x.gradient!.scalars == [1, 2])
        #expect(!x.detached().requiresGradient)
        #expect(x.isLeaf && !y.isLeaf)
        let constant = Tensor<Double>([1, 2]) * 3
        #expect(!constant.requiresGradient)
    }

    @Test func valueSemanticsForData() {
        let a = Tensor<Double>([[1, 2], [3, 4]])
        var b = a
        b[0, 1] = 20
        #expect(a[0, 1] == 2)
        #expect(b[0, 1] == 20)
        // A saved input is a snapshot: mutating the parameter later does not change the graph.
        var w = Tensor<Double>([3], requiresGradient: true)
        let y = (w * w).sum()
        w.scalars = [100]
        y.backward()
        #expect(w.gradient!.scalars == [6])
    }

    @Test func functionalGradientsLeaveParametersAlone() {
        let x = Tensor<Double>([1, 2], requiresGradient: true)
        let h = x * x
        let loss = (h * 3).sum()
        let g = gradients(of: loss, withRespectTo: [x, h, Tensor<Double>([5, 5], requiresGradient: true)])
        #expect(g[0].scalars == [6, 12])
        #expect(g[1].scalars == [3, 3])
        #expect(g[2].scalars == [0, 0])
        #expect(x.gradient == nil)
    }

    @Test func upstreamGradientForNonScalarOutputs() {
        let x = Tensor<Double>([1, 2, 3], requiresGradient: true)
        (x * x).backward(upstream: Tensor([1, 0, -1]))
        #expect(x.gradient!.scalars == [2, 0, -6])
    }

    @Test func customOpPassesTheCheckerInOneCall() {
        var rng = SeededGenerator(seed: 3)
        let x = Tensor<Double>.randomNormal(shape: [2, 3], using: &rng)
        let report = checkTensorGradients(of: TensorCubeFunction<Double>(), at: [x])
        #expect(report.passed, "\(report)")
        // Its backward is written with tensor ops, so second order works too.
        #expect(checkSecondOrderTensorGradients(of: { TensorCubeFunction<Double>()($0) }, at: [x]).passed)
    }

    @Test func stackedJoinsAlongANewAxis() {
        let a: Tensor<Double> = [1, 2], b: Tensor<Double> = [3, 4]
        #expect(Tensor.stacked([a, b]).shape == [2, 2])
        #expect(Tensor.stacked([a, b], alongAxis: 1).scalars == [1, 3, 2, 4])
        var rng = SeededGenerator(seed: 5)
        let xs = (0..<3).map { _ in Tensor<Double>.randomNormal(shape: [2, 2], using: &rng) }
        let report = checkTensorGradients(of: { Tensor.stacked($0, alongAxis: 1).sin() }, at: xs)
        #expect(report.passed, "\(report)")
    }

    @Test func batchedMatmulIsAStackOfMatmuls() {
        var rng = SeededGenerator(seed: 21)
        let a = Tensor<Double>.randomNormal(shape: [3, 2, 4], using: &rng)
        let b = Tensor<Double>.randomNormal(shape: [3, 4, 5], using: &rng)
        let c = a.matmul(b)
        #expect(c.shape == [3, 2, 5])
        for i in 0..<3 {
            let ai = a.sliced([i..<(i + 1)]).reshaped(to: [2, 4]), bi = b.sliced([i..<(i + 1)]).reshaped(to: [4, 5])
            let ci = c.sliced([i..<(i + 1)]).reshaped(to: [2, 5])
            for (x, y) in zip(ai.matmul(bi).scalars, ci.scalars) { #expect(Swift.abs(x - y) < 1e-12) }
        }
        let report = checkTensorGradients(of: { $0[0].matmul($0[1]).tanh() }, at: [a, b])
        #expect(report.passed, "\(report)")
        #expect(checkSecondOrderTensorGradients(of: { $0[0].matmul($0[1]).tanh() }, at: [a, b]).passed)
    }

    @Test func crossEntropyWithGatherAndLogSoftmax() {
        let logits = Tensor<Double>([[2, 1, 0.1], [0.5, 2.5, 0.3]], requiresGradient: true)
        let labels = [0, 1]
        let loss = -logits.logSoftmax(alongAxis: 1).gathered(atClassIndices: labels).mean()
        loss.backward()
        // Closed form: (softmax − onehot)/n, with softmax computed by hand.
        for i in 0..<2 {
            let row = (0..<3).map { logits[i, $0] }
            let e = row.map { Double._exp($0) }
            let s = e.reduce(0, +)
            for j in 0..<3 {
                let expected = (e[j] / s - (j == labels[i] ? 1 : 0)) / 2
                #expect(Swift.abs(logits.gradient![i, j] - expected) < 1e-12)
            }
        }
    }
}
