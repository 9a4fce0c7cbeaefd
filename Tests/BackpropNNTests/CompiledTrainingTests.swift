import Backprop
import Testing
@testable import BackpropNN

/// The largest relative difference between two loss (or gradient-norm) histories, which
/// must have the same length.
private func maxRelativeDifference(_ a: [Double], _ b: [Double]) -> Double {
    guard a.count == b.count else { return .infinity }
    return zip(a, b).reduce(0.0) { m, p in
        Swift.max(m, Swift.abs(p.0 - p.1) / Swift.max(Swift.abs(p.0), Swift.abs(p.1), .leastNormalMagnitude))
    }
}

/// Trains a fresh model with each engine from the same seed; returns both histories and
/// the compiled run's model.
private func trainBoth<Scalar: TensorScalar, Opt: Optimizer>(
    _ data: Dataset, objective: Objective = .softmaxCrossEntropy, options: TrainingOptions,
    makeModel: () -> MLP<Scalar>, makeOptimizer: (MLP<Scalar>) -> Opt
) -> (eager: TrainingHistory, compiled: TrainingHistory, model: MLP<Scalar>) where Opt.Scalar == Scalar {
    var runs: [TrainingHistory] = [], last: MLP<Scalar>?
    for engine in [TrainingEngine.eager, .compiled] {
        let model = makeModel()
        let optimizer = makeOptimizer(model)
        var o = options
        o.engine = engine
        runs.append(train(model, on: data, objective: objective, optimizer: optimizer, options: o))
        last = model
    }
    return (runs[0], runs[1], last!)
}

/// A layer that multiplies by a tensor it owns but does not list as a parameter: eager
/// training runs it (the tensor just collects a gradient), tracing refuses it (a program
/// cannot see later values of a captured tensor that requires gradients).
private struct HiddenScale: Layer {
    let scale = Tensor<Double>(1.0, requiresGradient: true)
    func callAsFunction(_ input: Tensor<Double>) -> Tensor<Double> { input * scale }
    var namedParameters: [(name: String, parameter: Parameter<Double>)] { [] }
}

/// `train` with `.compiled` (the default) against `.eager`: the same losses and gradient
/// norms to rounding, from the same seeds.
@Suite("Compiled training")
struct CompiledTrainingTests {
    @Test("the default engine is compiled")
    func defaultEngine() {
        #expect(TrainingOptions().engine == .compiled)
        let model = MLP<Double>([2, 4, 2], activation: .tanh, seed: 1)
        let opt = SGD(parameters: model.parameters, learningRate: 0.5)
        let h = train(model, on: Datasets.xor(), objective: .softmaxCrossEntropy, optimizer: opt,
                      options: TrainingOptions(epochs: 3, progress: .silent))
        #expect(h.engine == .compiled && h.engineFallback == nil)
    }

    @Test("tensor-target losses equal the label losses", arguments: [Objective.softmaxCrossEntropy, .meanSquaredError, .halfSumOfSquares])
    func tensorTargets(_ objective: Objective) {
        let data = Datasets.spirals(countPerClass: 10, classes: 3, seed: 2)
        let rows = [0, 5, 12, 29, 3]
        let output = Tensor<Double>(shape: [5, 3], scalars: (0..<15).map { Double($0 % 7) * 0.3 - 0.8 })
        let byLabels = objective.loss(output, data, rows: rows).scalar
        let byTensor = objective.loss(output, targets: objective.targets(data, rows: rows, as: Double.self)).scalar
        #expect(Swift.abs(byLabels - byTensor) <= 1e-14 * Swift.abs(byLabels), "\(byLabels) vs \(byTensor)")
    }

    @Test("XOR (Double, SGD with momentum, full batch, 3 restarts): same histories, 100 %")
    func xor() {
        let data = Datasets.xor()
        var results: [FitResult<MLP<Double>>] = []
        for engine in [TrainingEngine.eager, .compiled] {
            results.append(fit(restarts: 3, on: data, objective: .softmaxCrossEntropy,
                               options: TrainingOptions(epochs: 500, seed: 1, progress: .silent, engine: engine),
                               makeModel: { MLP<Double>([2, 4, 2], activation: .tanh, seed: $0) },
                               makeOptimizer: { SGD(parameters: $0.parameters, learningRate: 0.5, momentum: 0.9) }))
        }
        let (eager, compiled) = (results[0], results[1])
        #expect(compiled.history.engine == .compiled)
        #expect(compiled.bestRun == eager.bestRun)
        #expect(maxRelativeDifference(eager.finalLosses, compiled.finalLosses) < 1e-9, "\(eager.finalLosses) vs \(compiled.finalLosses)")
        #expect(maxRelativeDifference(eager.history.losses, compiled.history.losses) < 1e-9)
        #expect(maxRelativeDifference(eager.history.gradientNorms, compiled.history.gradientNorms) < 1e-9)
        #expect(accuracy(of: compiled.model, on: data) == 1)
    }

    @Test("moons (Double, Adam, batches of 32 with a short last one): same histories")
    func moonsDouble() {
        let (train, _) = Datasets.twoMoons(count: 600, noise: 0.1, seed: 7).split(testFraction: 0.25, seed: 7)
        let r = trainBoth(train, options: TrainingOptions(epochs: 100, batchSize: 32, seed: 3, progress: .silent),
                          makeModel: { MLP<Double>([2, 16, 16, 2], activation: .relu, seed: 3) },
                          makeOptimizer: { Adam(parameters: $0.parameters, learningRate: 0.01) })
        #expect(r.compiled.engine == .compiled && r.eager.engine == .eager)
        let dl = maxRelativeDifference(r.eager.losses, r.compiled.losses)
        let dg = maxRelativeDifference(r.eager.gradientNorms, r.compiled.gradientNorms)
        #expect(dl < 1e-9, "losses differ by \(dl)")
        #expect(dg < 1e-9, "gradient norms differ by \(dg)")
    }

    @Test("moons (Float, as in the results test): close histories, ≥ 97 % held out")
    func moonsFloat() {
        let (train, test) = Datasets.twoMoons(count: 600, noise: 0.1, seed: 7).split(testFraction: 0.25, seed: 7)
        let r = trainBoth(train, options: TrainingOptions(epochs: 200, batchSize: 32, seed: 3, progress: .silent),
                          makeModel: { MLP<Float>([2, 16, 16, 2], activation: .relu, seed: 3) },
                          makeOptimizer: { Adam(parameters: $0.parameters, learningRate: 0.01) })
        let d = maxRelativeDifference(r.eager.losses, r.compiled.losses)
        #expect(d < 1e-3, "losses differ by \(d)")
        #expect(accuracy(of: r.model, on: test) >= 0.97)
    }

    @Test("digits subset (Double and Float, Adam, batches of 32): same histories, ≥ 95 % held out")
    func digits() throws {
        let all = try Datasets.digits()
        let (rawTrain, rawTest) = all.subset(Array(0..<600)).split(testFraction: 0.2, seed: 42)
        let scaler = Standardizer(fittingOn: rawTrain)
        let train = scaler.applied(to: rawTrain), test = scaler.applied(to: rawTest)
        let options = TrainingOptions(epochs: 20, batchSize: 32, seed: 1, progress: .silent)
        let double = trainBoth(train, options: options,
                               makeModel: { MLP<Double>([64, 64, 10], activation: .relu, seed: 1) },
                               makeOptimizer: { Adam(parameters: $0.parameters, learningRate: 0.003) })
        let dl = maxRelativeDifference(double.eager.losses, double.compiled.losses)
        let dg = maxRelativeDifference(double.eager.gradientNorms, double.compiled.gradientNorms)
        #expect(dl < 1e-9, "Double losses differ by \(dl)")
        #expect(dg < 1e-9, "Double gradient norms differ by \(dg)")
        let float = trainBoth(train, options: options,
                              makeModel: { MLP<Float>([64, 64, 10], activation: .relu, seed: 1) },
                              makeOptimizer: { Adam(parameters: $0.parameters, learningRate: 0.003) })
        let df = maxRelativeDifference(float.eager.losses, float.compiled.losses)
        #expect(df < 1e-3, "Float losses differ by \(df)")
        #expect(accuracy(of: double.model, on: test) >= 0.95)
        #expect(accuracy(of: float.model, on: test) >= 0.95)
    }

    @Test("regression (MSE and ½SSE, Double): same histories")
    func regression() {
        let data = Datasets.linearRegression2D(count: 50)
        for objective in [Objective.meanSquaredError, .halfSumOfSquares] {
            let r = trainBoth(data, objective: objective,
                              options: TrainingOptions(epochs: 50, batchSize: 16, seed: 2, progress: .silent),
                              makeModel: { MLP<Double>([2, 8, 1], activation: .tanh, seed: 2) },
                              makeOptimizer: { SGD(parameters: $0.parameters, learningRate: 0.01) })
            let d = maxRelativeDifference(r.eager.losses, r.compiled.losses)
            #expect(d < 1e-9, "\(objective): losses differ by \(d)")
        }
    }

    @Test("softmax cross-entropy with more outputs than classes (as labels allow): same histories")
    func widerLogits() {
        let r = trainBoth(Datasets.xor(), options: TrainingOptions(epochs: 50, seed: 1, progress: .silent),
                          makeModel: { MLP<Double>([2, 4, 3], activation: .tanh, seed: 1) },
                          makeOptimizer: { SGD(parameters: $0.parameters, learningRate: 0.5) })
        #expect(r.compiled.engine == .compiled)
        let d = maxRelativeDifference(r.eager.losses, r.compiled.losses)
        #expect(d < 1e-9, "losses differ by \(d)")
    }

    @Test("a model that cannot be traced is trained eagerly, and the history says why")
    func fallback() {
        let data = Datasets.xor()
        var histories: [TrainingHistory] = []
        for engine in [TrainingEngine.eager, .compiled] {
            let mlp = MLP<Double>([2, 4, 2], activation: .tanh, seed: 1)
            let model = Sequential<Double>([mlp, HiddenScale()])
            let opt = SGD(parameters: model.parameters, learningRate: 0.5)
            histories.append(train(model, on: data, objective: .softmaxCrossEntropy, optimizer: opt,
                                   options: TrainingOptions(epochs: 20, progress: .silent, engine: engine)))
        }
        #expect(histories[1].engine == .eager)
        #expect(histories[1].engineFallback?.contains("TensorProgram") == true, "\(histories[1].engineFallback ?? "nil")")
        #expect(histories[1].losses == histories[0].losses, "the fallback is the eager run, bit for bit")
    }
}
