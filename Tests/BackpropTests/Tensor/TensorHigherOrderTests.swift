import Testing
@testable import Backprop

@Suite("Tensor: higher-order gradients")
struct TensorHigherOrderTests {
    /// The full Hessian of a scalar function of one vector, by differentiating each
    /// component of the gradient (recorded with createGraph).
    func hessian(_ f: (Tensor<Double>) -> Tensor<Double>, at x0: Tensor<Double>) -> [[Double]] {
        let x = x0.requiringGradient()
        let g = gradients(of: f(x), withRespectTo: [x], createGraph: true)[0]
        return (0..<x.count).map { i in
            let gi = g.reshaped(to: [x.count]).sliced([i..<(i + 1)]).sum()
            return gradients(of: gi, withRespectTo: [x])[0].scalars
        }
    }

    @Test func hessianOfACubic() {
        // f = x0²x1 + x1³ + x0x1x2
        let x0 = Tensor<Double>([0.7, -1.3, 2.1])
        let h = hessian({ x in
            let a = x.sliced([0..<1]), b = x.sliced([1..<2]), c = x.sliced([2..<3])
            return (a * a * b + b * b * b + a * b * c).sum()
        }, at: x0)
        let (a, b, c) = (0.7, -1.3, 2.1)
        let expected = [[2 * b, 2 * a + c, b], [2 * a + c, 6 * b, a], [b, a, 0]]
        for i in 0..<3 { for j in 0..<3 { #expect(Swift.abs(h[i][j] - expected[i][j]) < 1e-12, "\(h)") } }
    }

    @Test func hessianOfSoftmaxCrossEntropyIsDiagPMinusPPT() {
        let z0 = Tensor<Double>([0.3, -1.2, 2.0, 0.5])
        let label = 2
        let h = hessian({ z in
            -z.reshaped(to: [1, 4]).logSoftmax(alongAxis: 1).gathered(atClassIndices: [label]).sum()
        }, at: z0)
        let e = z0.scalars.map { Double._exp($0) }
        let p = e.map { $0 / e.reduce(0, +) }
        for i in 0..<4 {
            for j in 0..<4 {
                let expected = (i == j ? p[i] : 0) - p[i] * p[j]
                #expect(Swift.abs(h[i][j] - expected) < 1e-12, "H[\(i)][\(j)]")
            }
        }
    }

    @Test func hessianOfSmallMLPMatchesFiniteDifferencesOfGradients() {
        var rng = SeededGenerator(seed: 11)
        let input = Tensor<Double>.randomNormal(shape: [4, 3], using: &rng)
        let w2 = Tensor<Double>.randomNormal(shape: [2, 1], using: &rng)
        let target = Tensor<Double>.randomNormal(shape: [4, 1], using: &rng)
        func loss(_ w: Tensor<Double>) -> Tensor<Double> {
            let hidden = input.matmul(w.reshaped(to: [3, 2])).tanh()
            let out = hidden.matmul(w2)
            return ((out - target) * (out - target)).mean()
        }
        let w0 = Tensor<Double>.randomNormal(shape: [6], using: &rng)
        let h = hessian(loss, at: w0)
        func grad(_ w: Tensor<Double>) -> [Double] {
            let p = w.requiringGradient()
            return gradients(of: loss(p), withRespectTo: [p])[0].scalars
        }
        let eps = 1e-5
        for i in 0..<6 {
            var plus = w0, minus = w0
            plus[i] += eps
            minus[i] -= eps
            let (gp, gm) = (grad(plus), grad(minus))
            for j in 0..<6 {
                let fd = (gp[j] - gm[j]) / (2 * eps)
                #expect(Swift.abs(h[i][j] - fd) < 1e-7 + 1e-5 * Swift.abs(fd), "H[\(i)][\(j)] \(h[i][j]) vs \(fd)")
                #expect(Swift.abs(h[i][j] - h[j][i]) < 1e-12)
            }
        }
    }

    @Test func hessianVectorProduct() {
        // f = Σ sin(x) x² ;  H = diag(−sin x·x² + 4x cos x + 2 sin x)
        let x = Tensor<Double>([0.4, -0.9, 1.7], requiresGradient: true)
        let v = Tensor<Double>([1.0, 2.0, -0.5])
        let g = gradients(of: (x.sin() * x * x).sum(), withRespectTo: [x], createGraph: true)[0]
        let hv = gradients(of: (g * v).sum(), withRespectTo: [x])[0]
        for i in 0..<3 {
            let xi = x[i]
            let d2 = -Double._sin(xi) * xi * xi + 4 * xi * Double._cos(xi) + 2 * Double._sin(xi)
            #expect(Swift.abs(hv[i] - d2 * v[i]) < 1e-12)
        }
    }

    @Test func backwardWithCreateGraphGivesDifferentiableGradients() {
        let x = Tensor<Double>([1.5, -2], requiresGradient: true)
        (x * x * x).sum().backward(createGraph: true)
        let g = x.gradient!
        #expect(g.requiresGradient)
        let second = gradients(of: g.sum(), withRespectTo: [x])[0]
        #expect(second.scalars == [9, -12])
        x.zeroGradients()
        (x * x).sum().backward()
        #expect(!x.gradient!.requiresGradient)
    }

    @Test(arguments: TensorOpKind.tested)
    func secondOrderRuleMatchesFiniteDifferences(kind: TensorOpKind) {
        var data = TensorOpTestData(rng: SeededGenerator(seed: 500 &+ UInt64(TensorOpKind.tested.firstIndex(of: kind)!)))
        for trial in 0..<2 {
            let instance = data.instance(kind)
            let report = checkSecondOrderTensorGradients(of: { applyTensorOp(kind, instance, $0)! }, at: instance.inputs)
            #expect(report.passed, "\(kind) trial \(trial) \(instance)\n\(report)")
        }
    }
}
