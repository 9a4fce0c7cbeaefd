import Testing
import Foundation
import Backprop
@testable import BackpropNN

/// SGD's and Adam's L2 weight decay, AdamW's decoupled decay and parameter groups,
/// against PyTorch's documented algorithms written out here element by element.
@Suite("Weight decay and parameter groups")
struct WeightDecayTests {
    /// Gradients per step, the same for every run: g(t)ᵢ = sin(t + i) + 0.3.
    static func gradient(_ t: Int, _ count: Int) -> [Double] { (0..<count).map { Foundation.sin(Double(t + $0)) + 0.3 } }

    /// Runs `steps` updates of `optimizer` with gradients `gradient(t)` handed over as
    /// accumulated gradients (the eager path).
    static func run<Opt: Optimizer>(_ optimizer: Opt, steps: Int) where Opt.Scalar == Double {
        for t in 0..<steps {
            for p in optimizer.parameters {
                p.zeroGradients()
                p.value.accumulateGradient(Tensor(shape: p.shape, scalars: gradient(t, p.value.count)))
            }
            optimizer.step()
        }
    }

    /// PyTorch's SGD (dampening 0, no Nesterov): g ← g + λw; b ← μb + g (b = g at t = 0); w ← w − αb.
    static func referenceSGD(_ w0: [Double], steps: Int, lr: Double, momentum: Double, decay: Double) -> [Double] {
        var w = w0, b = [Double](repeating: 0, count: w0.count)
        for t in 0..<steps {
            let g = gradient(t, w.count)
            for i in w.indices {
                let gi = g[i] + decay * w[i]
                b[i] = t == 0 ? gi : momentum * b[i] + gi
                w[i] -= lr * b[i]
            }
        }
        return w
    }

    /// PyTorch's Adam (weight_decay: g ← g + λw) or AdamW (w ← w(1 − αλ)), amsgrad off.
    static func referenceAdam(_ w0: [Double], steps: Int, lr: Double, decay: Double, decoupled: Bool,
                              b1: Double = 0.9, b2: Double = 0.999, eps: Double = 1e-8) -> [Double] {
        var w = w0, m = [Double](repeating: 0, count: w0.count), v = m
        for t in 1...steps {
            let g = gradient(t - 1, w.count)
            for i in w.indices {
                var gi = g[i]
                if decoupled { w[i] *= 1 - lr * decay } else { gi += decay * w[i] }
                m[i] = b1 * m[i] + (1 - b1) * gi
                v[i] = b2 * v[i] + (1 - b2) * gi * gi
                let mHat = m[i] / (1 - Foundation.pow(b1, Double(t)))
                let vHat = v[i] / (1 - Foundation.pow(b2, Double(t)))
                w[i] -= lr * mHat / (vHat.squareRoot() + eps)
            }
        }
        return w
    }

    static func close(_ a: [Double], _ b: [Double], _ tolerance: Double = 1e-13) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { Swift.abs($0 - $1) <= tolerance * Swift.max(1, Swift.abs($1)) }
    }

    static let w0: [Double] = [1.5, -2, 0.25, 3]

    @Test("SGD weight decay, with and without momentum, follows PyTorch's SGD", arguments: [0.0, 0.9])
    func sgd(momentum: Double) {
        let p = Parameter(Tensor(Self.w0))
        let sgd = SGD(parameters: [p], learningRate: 0.1, momentum: momentum, weightDecay: 0.05)
        Self.run(sgd, steps: 5)
        let expected = Self.referenceSGD(Self.w0, steps: 5, lr: 0.1, momentum: momentum, decay: 0.05)
        #expect(Self.close(p.value.scalars, expected), "\(p.value.scalars) vs \(expected)")
        // The decay mattered: without it the weights differ.
        #expect(!Self.close(expected, Self.referenceSGD(Self.w0, steps: 5, lr: 0.1, momentum: momentum, decay: 0), 1e-6))
    }

    @Test("SGD weight decay, one step by hand: w₁ = w₀ − α(g + λw₀)")
    func sgdOneStep() {
        let p = Parameter(Tensor<Double>([2]))
        let sgd = SGD(parameters: [p], learningRate: 0.5, weightDecay: 0.1)
        p.value.accumulateGradient(Tensor([1]))
        sgd.step()
        #expect(p.value.scalars == [2 - 0.5 * (1 + 0.1 * 2)])   // 1.4
    }

    @Test("Adam's L2 decay and AdamW's decoupled decay follow PyTorch's algorithms", arguments: [false, true])
    func adam(decoupled: Bool) {
        let p = Parameter(Tensor(Self.w0))
        let opt: Adam<Double> = decoupled ? AdamW(parameters: [p], learningRate: 0.05, weightDecay: 0.1)
            : Adam(parameters: [p], learningRate: 0.05, weightDecay: 0.1)
        Self.run(opt, steps: 6)
        let expected = Self.referenceAdam(Self.w0, steps: 6, lr: 0.05, decay: 0.1, decoupled: decoupled)
        #expect(Self.close(p.value.scalars, expected), "\(p.value.scalars) vs \(expected)")
        let other = Self.referenceAdam(Self.w0, steps: 6, lr: 0.05, decay: 0.1, decoupled: !decoupled)
        #expect(!Self.close(expected, other, 1e-6), "L2 and decoupled decay differ")
    }

    @Test("AdamW's first step in closed form: w₁ = w₀(1 − αλ) − α·g/(|g| + ε)")
    func adamWFirstStep() {
        let p = Parameter(Tensor<Double>([2, -1]))
        let opt = AdamW(parameters: [p], learningRate: 0.1, weightDecay: 0.5)
        p.value.accumulateGradient(Tensor([0.4, -3]))
        opt.step()
        // m̂ = g and v̂ = g² after one step (the bias corrections cancel the (1 − β) factors).
        let expected = [2 * (1 - 0.05) - 0.1 * 0.4 / (0.4 + 1e-8), -1 * (1 - 0.05) + 0.1 * 3 / (3 + 1e-8)]
        #expect(Self.close(p.value.scalars, expected, 1e-15), "\(p.value.scalars) vs \(expected)")
        #expect(opt.weightDecay == 0.5 && opt.decoupledWeightDecay && AdamW<Double>(parameters: []).weightDecay == 0.01)
    }

    @Test("parameter groups: each group's learning-rate scale and weight decay")
    func groups() {
        let a = Parameter(Tensor(Self.w0)), b = Parameter(Tensor<Double>([0.5, -0.5]))
        let opt = AdamW(groups: [ParameterGroup([a]), ParameterGroup([b], learningRateScale: 0.5, weightDecay: 0)],
                        learningRate: 0.05, weightDecay: 0.2)
        Self.run(opt, steps: 4)
        #expect(Self.close(a.value.scalars, Self.referenceAdam(Self.w0, steps: 4, lr: 0.05, decay: 0.2, decoupled: true)))
        #expect(Self.close(b.value.scalars, Self.referenceAdam([0.5, -0.5], steps: 4, lr: 0.025, decay: 0, decoupled: true)))

        let c = Parameter(Tensor(Self.w0)), d = Parameter(Tensor<Double>([0.5, -0.5]))
        let sgd = SGD(groups: [ParameterGroup([c], weightDecay: 0.1), ParameterGroup([d], learningRateScale: 2)],
                      learningRate: 0.1, momentum: 0.5)
        Self.run(sgd, steps: 3)
        #expect(Self.close(c.value.scalars, Self.referenceSGD(Self.w0, steps: 3, lr: 0.1, momentum: 0.5, decay: 0.1)))
        #expect(Self.close(d.value.scalars, Self.referenceSGD([0.5, -0.5], steps: 3, lr: 0.2, momentum: 0.5, decay: 0)))
    }

    @Test("weightDecayGroups exempts the biases")
    func biasesExempt() {
        let model = MLP<Double>([2, 3, 1], activation: .tanh)
        let groups = model.weightDecayGroups()
        let named = model.namedParameters
        func names(_ g: ParameterGroup<Double>) -> [String] {
            g.parameters.map { p in named.first { $0.parameter === p }!.name }
        }
        #expect(names(groups[0]).allSatisfy { $0.hasSuffix("W") } && names(groups[0]).count == 2)
        #expect(names(groups[1]).allSatisfy { $0.hasSuffix("b") } && names(groups[1]).count == 2)
        #expect(groups[0].weightDecay == nil && groups[1].weightDecay == 0)
    }

    @Test("weight decay in both engines of train agrees to rounding", arguments: TrainingEngine.allCases)
    func trainEngines(engine: TrainingEngine) {
        func losses(_ engine: TrainingEngine) -> [Double] {
            let model = MLP<Double>([2, 4, 2], activation: .tanh, seed: 5)
            let opt = AdamW(groups: model.weightDecayGroups(), learningRate: 0.05, weightDecay: 0.3)
            return train(model, on: Datasets.xor(), objective: .softmaxCrossEntropy, optimizer: opt,
                         options: TrainingOptions(epochs: 30, progress: .silent, engine: engine)).losses
        }
        let a = losses(engine), b = losses(.eager)
        #expect(zip(a, b).allSatisfy { Swift.abs($0 - $1) <= 1e-12 }, "\(a) vs \(b)")
    }
}
