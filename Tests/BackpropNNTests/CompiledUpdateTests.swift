import Testing
import BackpropTestSupport
import Backprop
@testable import BackpropNN

/// `CompiledTrainingStep(x, y, updating: optimizer)` and `Optimizer.step(gradients:)`
/// against eager training (`zeroGradients`, `backward`, `step`) on twin models.
@Suite struct CompiledUpdateTests {
    static var xor: (x: Tensor<Double>, y: Tensor<Double>) { (Tensor<Double>([[0, 0], [0, 1], [1, 0], [1, 1]]), y: Tensor<Double>([[0], [1], [1], [0]])) }

    /// Trains twins for `steps` steps: eager with `makeOptimizer`, compiled with the fused call.
    static func trainTwins<Opt: Optimizer>(
        steps: Int, _ makeOptimizer: ([Parameter<Double>]) -> Opt
    ) throws -> (eager: MLP<Double>, compiled: MLP<Double>, losses: [(Double, Double)]) where Opt.Scalar == Double {
        let eager = MLP<Double>([2, 4, 1], activation: .tanh, outputActivation: .sigmoid, seed: 3)
        let compiled = MLP<Double>([2, 4, 1], activation: .tanh, outputActivation: .sigmoid, seed: 3)
        let eagerOptimizer = makeOptimizer(eager.parameters)
        let compiledOptimizer = makeOptimizer(compiled.parameters)
        let step = CompiledTrainingStep(model: compiled) { Loss.halfSumOfSquares($0, $1) }
        var losses: [(Double, Double)] = []
        for _ in 0..<steps {
            eagerOptimizer.zeroGradients()
            let loss = Loss.halfSumOfSquares(eager(xor.x), xor.y)
            loss.backward()
            eagerOptimizer.step()
            let compiledLoss = try step(xor.x, xor.y, updating: compiledOptimizer)
            losses.append((loss.scalar, compiledLoss))
        }
        return (eager, compiled, losses)
    }

    @Test func fusedSGDWithMomentumMatchesEager() throws {
        let run = try Self.trainTwins(steps: 200) { SGD(parameters: $0, learningRate: 0.5, momentum: 0.9) }
        #expect(isClose(run.compiled.parameters, run.eager.parameters, tolerance: 1e-10))
        #expect(run.losses.allSatisfy { Swift.abs($0.0 - $0.1) <= 1e-10 * Swift.max(1, $0.0) })
        // The losses moved: the comparison is not between two untrained models.
        #expect(run.losses.last!.0 < 0.5 * run.losses.first!.0)
        // The fused call stores no gradients.
        #expect(run.compiled.parameters.allSatisfy { $0.gradient == nil })
    }

    @Test func fusedAdamMatchesEager() throws {
        let run = try Self.trainTwins(steps: 150) { Adam(parameters: $0, learningRate: 0.05) }
        #expect(isClose(run.compiled.parameters, run.eager.parameters, tolerance: 1e-10))
    }

    /// An optimiser that only implements `step()` gets `step(gradients:)` from the protocol:
    /// the given gradients stand in for the accumulated ones, which are put back after.
    final class HalvingDescent: Optimizer {
        let parameters: [Parameter<Double>]
        init(parameters: [Parameter<Double>]) { self.parameters = parameters }
        func step() {
            for p in parameters {
                guard let g = p.gradient else { continue }
                p.value = Tensor(shape: p.shape, scalars: zip(p.value.scalars, g.scalars).map { $0 - 0.5 * $1 })
            }
        }
    }

    @Test func customOptimizerThroughTheDefaultStepWithGradients() throws {
        let run = try Self.trainTwins(steps: 50) { HalvingDescent(parameters: $0) }
        #expect(isClose(run.compiled.parameters, run.eager.parameters, tolerance: 1e-10))
    }

    @Test func defaultStepWithGradientsPutsAccumulatedGradientsBack() {
        let p = Parameter(Tensor<Double>([1, 2]))
        p.value.accumulateGradient(Tensor([10, 20]))
        let optimizer = HalvingDescent(parameters: [p])
        let g: [Double] = [2, 4]
        g.withUnsafeBufferPointer { buffer in optimizer.step(gradients: { _ in buffer }) }
        #expect(p.value.scalars == [0, 0])            // 1 − ½·2, 2 − ½·4
        #expect(p.gradient?.scalars == [10, 20])      // untouched
    }

    /// A parameter the loss does not use gets no gradient (skipped, as eager skips a nil
    /// gradient), not a zero one: with momentum a zero gradient would still move it.
    struct TwoBranches: Layer {
        let used = Parameter(Tensor<Double>([[0.5, -0.25]]))
        let unused = Parameter(Tensor<Double>([3, 4]))
        func callAsFunction(_ input: Tensor<Double>) -> Tensor<Double> { input.matmul(used.value, transposingOther: true) }
        var namedParameters: [(name: String, parameter: Parameter<Double>)] { [("used", used), ("unused", unused)] }
    }

    @Test func parametersTheLossDoesNotUseAreNotUpdated() throws {
        let model = TwoBranches()
        let optimizer = SGD(parameters: model.parameters, learningRate: 0.1, momentum: 0.9)
        let step = CompiledTrainingStep(model: model) { Loss.halfSumOfSquares($0, $1) }
        let x = Tensor<Double>([[1, 2]]), y = Tensor<Double>([[1]])
        for _ in 0..<3 { try step(x, y, updating: optimizer) }
        #expect(model.unused.value.scalars == [3, 4])
        #expect(try step.program(input: x, target: y).independentInputs == [1])
        // The accumulating call leaves its gradient nil, as backward() does.
        try step(x, y)
        #expect(model.unused.gradient == nil)
        #expect(model.used.gradient != nil)
    }

    /// The reference 2-2-2 network of the benchmarks, in Float: compiled and eager steps
    /// stay together over many steps.
    @Test func floatSigmoidNetworkMatchesEager() throws {
        let eager = MLP<Float>([2, 2, 2], activation: .sigmoid, outputActivation: .sigmoid, seed: 1)
        let compiled = MLP<Float>([2, 2, 2], activation: .sigmoid, outputActivation: .sigmoid, seed: 1)
        let eagerSGD = SGD(parameters: eager.parameters, learningRate: 0.5)
        let compiledSGD = SGD(parameters: compiled.parameters, learningRate: 0.5)
        let step = CompiledTrainingStep(model: compiled) { Loss.halfSumOfSquares($0, $1) }
        let x = Tensor<Float>([[0.05, 0.1]]), y = Tensor<Float>([[0.01, 0.99]])
        for _ in 0..<500 {
            eagerSGD.zeroGradients()
            let loss = Loss.halfSumOfSquares(eager(x), y)
            loss.backward()
            eagerSGD.step()
            try step(x, y, updating: compiledSGD)
        }
        for (p, q) in zip(compiled.parameters, eager.parameters) {
            for (a, b) in zip(p.value.scalars, q.value.scalars) { #expect(Swift.abs(a - b) <= 1e-4, "\(a) vs \(b)") }
        }
    }
}
