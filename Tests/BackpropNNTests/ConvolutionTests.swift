import Backprop
@testable import BackpropNN
import BackpropTestSupport
import Foundation
import Testing

/// Conv2d, pooling and the digits CNN, against direct loops and central differences.
@Suite("Convolution and pooling")
struct ConvolutionTests {
    /// The convolution by its definition, four nested loops (the independent reference).
    static func directConvolution(_ x: [Double], _ xs: [Int], _ w: [Double], _ ws: [Int], _ b: [Double],
                                  stride s: Int, padding p: Int) -> (values: [Double], shape: [Int]) {
        let (n, c, h, wd) = (xs[0], xs[1], xs[2], xs[3]), (o, k) = (ws[0], ws[2])
        let oh = (h + 2 * p - k) / s + 1, ow = (wd + 2 * p - k) / s + 1
        var y = [Double](repeating: 0, count: n * o * oh * ow)
        for ni in 0..<n { for oi in 0..<o { for i in 0..<oh { for j in 0..<ow {
            var acc = b[oi]
            for ci in 0..<c { for u in 0..<k { for v in 0..<k {
                let r = s * i + u - p, q = s * j + v - p
                if r >= 0 && r < h && q >= 0 && q < wd {
                    acc += w[((oi * c + ci) * k + u) * k + v] * x[((ni * c + ci) * h + r) * wd + q]
                }
            } } }
            y[((ni * o + oi) * oh + i) * ow + j] = acc
        } } } }
        return (y, [n, o, oh, ow])
    }

    static func randomValues(_ count: Int, seed: UInt64) -> [Double] {
        var rng = SeededGenerator(seed: seed)
        return (0..<count).map { _ in 2 * rng.nextUnitInterval() - 1 }
    }

    @Test("Conv2d equals the direct sum for strides 1, 2, 3 and paddings 0, 1, 2 on a 7×6 image",
          arguments: [(1, 0), (1, 1), (2, 0), (2, 1), (3, 2)])
    func matchesDirectConvolution(_ setting: (stride: Int, padding: Int)) {
        let xs = [2, 3, 7, 6], ws = [4, 3, 3, 3]
        let x = Self.randomValues(xs.reduce(1, *), seed: 1), w = Self.randomValues(ws.reduce(1, *), seed: 2)
        let b = Self.randomValues(4, seed: 3)
        let layer = Conv2d<Double>(weight: Tensor(shape: ws, scalars: w), bias: Tensor(b),
                                   stride: setting.stride, padding: setting.padding)
        let y = layer(Tensor(shape: xs, scalars: x))
        let reference = Self.directConvolution(x, xs, w, ws, b, stride: setting.stride, padding: setting.padding)
        #expect(y.shape == reference.shape)
        #expect(isClose(y.scalars, reference.values, tolerance: 1e-12))
    }

    @Test("max and average pooling equal their definitions, tiling and overlapping windows",
          arguments: [(2, 2), (3, 2), (2, 1)])
    func poolingMatchesDefinition(_ setting: (kernel: Int, stride: Int)) {
        let xs = [2, 2, 6, 5]
        let x = Self.randomValues(xs.reduce(1, *), seed: 4)
        let (k, s) = setting
        let oh = (6 - k) / s + 1, ow = (5 - k) / s + 1
        for kind in [PoolingKind.maximum, .average] {
            let y = Pool2d<Double>(kind, kernelSize: k, stride: s)(Tensor(shape: xs, scalars: x))
            var reference: [Double] = []
            for n in 0..<2 { for c in 0..<2 { for i in 0..<oh { for j in 0..<ow {
                var window: [Double] = []
                for u in 0..<k { for v in 0..<k { window.append(x[((n * 2 + c) * 6 + s * i + u) * 5 + s * j + v]) } }
                reference.append(kind == .maximum ? window.max()! : window.reduce(0, +) / Double(k * k))
            } } } }
            #expect(y.shape == [2, 2, oh, ow])
            #expect(isClose(y.scalars, reference, tolerance: 1e-12), "\(kind)")
        }
    }

    @Test("gradients of a conv → tanh → average pool → conv stack equal central differences (input and every parameter)",
          arguments: [(1, 1), (2, 0)])
    func gradientsMatchFiniteDifferences(_ setting: (stride: Int, padding: Int)) {
        var rng = SeededGenerator(seed: 5)
        let conv1 = Conv2d<Double>(inputChannels: 2, outputChannels: 3, kernelSize: 3, stride: setting.stride,
                                   padding: setting.padding, rng: &rng)
        let conv2 = Conv2d<Double>(inputChannels: 3, outputChannels: 2, kernelSize: 2, rng: &rng)
        for p in [conv1.bias, conv2.bias] { p.update { b in for i in b.indices { b[i] = 0.1 * Double(i + 1) } } }
        let model = Sequential<Double>([conv1, ActivationLayer(.tanh), Pool2d(.average, kernelSize: 2, stride: 1), conv2])
        let xs = [2, 2, 8, 7]
        let x = Tensor(shape: xs, scalars: Self.randomValues(xs.reduce(1, *), seed: 6), requiresGradient: true)
        let weights = Tensor(shape: model(x).shape, scalars: Self.randomValues(model(x).count, seed: 7))
        func loss() -> Tensor<Double> { (model(x) * weights).sum() }
        let result = centralDifferenceMismatches(model.namedParameters, loss: loss) { Array(stride(from: 0, to: $0, by: 3)) }
        #expect(result.mismatches.isEmpty, "\(result.mismatches)")
        // The input's gradient, through every op, checked by the engine's own finite-difference checker.
        let report = checkTensorGradients(of: { inputs in (model(inputs[0]) * weights).sum() }, at: [x])
        #expect(report.passed, "\(report)")
        #expect(result.checked > 20)
    }

    @Test("the digits CNN trains compiled equal to eager (three epochs, losses to 1e-4) and learns")
    func digitsCNNCompiledEqualsEager() throws {
        let digits = try Datasets.digits()
        let scaled = Dataset(features: digits.features.map { $0 / 16 }, featureCount: 64, labels: digits.labels,
                             classNames: digits.classNames, featureNames: digits.featureNames)
        let (train, test) = scaled.split(testFraction: 0.2, seed: 1)
        var losses: [TrainingEngine: [Double]] = [:]
        for engine in [TrainingEngine.eager, .compiled] {
            let model = DigitsCNN<Float>(channels: (8, 16), seed: 1)
            #expect(model.parameterCount == 8 * 9 + 8 + 16 * 8 * 9 + 16 + 64 * 10 + 10)
            #expect(DigitsCNN<Float>().parameterCount == 6_090)   // 16·9 + 16 + 32·16·9 + 32 + 128·10 + 10
            let adam = Adam(parameters: model.parameters, learningRate: 0.01)
            let history = BackpropNN.train(model, on: train, objective: .softmaxCrossEntropy, optimizer: adam,
                                           options: TrainingOptions(epochs: 3, batchSize: 64, seed: 1, progress: .silent, engine: engine))
            #expect(history.engine == engine)
            losses[engine] = history.losses
            if engine == .compiled {
                let acc = accuracy(of: model, on: test)
                #expect(acc > 0.9, "test accuracy \(acc) after 3 epochs")
            }
        }
        #expect(isClose(losses[.eager]!, losses[.compiled]!, tolerance: 1e-4), "\(losses)")
    }
}
