import Testing
import Backprop
import BackpropNN

/// A layer used twice in one model (tied weights): one parameter, updated once per step
/// with the sum of both uses' gradients, in eager and compiled training alike (issue 11,
/// finding 5). The reference is a hand-written update from the closed-form gradient.
@Suite("Tied weights")
struct TiedWeightTests {
    /// The same 2→2 layer applied twice: y = L(tanh(L(x))).
    static func model(seed: UInt64) -> (Sequential<Double>, Linear<Double>) {
        var rng = SeededGenerator(seed: seed)
        let shared = Linear<Double>(inputSize: 2, outputSize: 2, rng: &rng)
        return (Sequential([shared, ActivationLayer(.tanh), shared]), shared)
    }

    static var x: Tensor<Double> { Tensor<Double>([[0.5, -1], [2, 0.25], [1, 1]]) }
    static var y: Tensor<Double> { Tensor<Double>([[1, 0], [0, 1], [0.5, 0.5]]) }

    @Test("a parameter used twice is listed once")
    func listedOnce() {
        let (model, shared) = Self.model(seed: 1)
        #expect(model.namedParameters.count == 4)
        #expect(model.parameters.count == 2)
        #expect(model.parameters[0] === shared.weight && model.parameters[1] === shared.bias)
        #expect(model.parameterCount == 6)
    }

    /// One SGD step by hand: p − α·(∂E/∂p through both uses), the gradient from central
    /// differences of the loss in the weight values.
    static func referenceStep(seed: UInt64, learningRate: Double) -> [[Double]] {
        let (model, shared) = Self.model(seed: seed)
        func loss() -> Double {
            withoutGradients { Loss.halfSumOfSquares(model(Self.x), Self.y).scalar }
        }
        var result: [[Double]] = []
        for p in [shared.weight, shared.bias] {
            let v = p.value.scalars
            var grad: [Double] = []
            for i in v.indices {
                var up = v, down = v
                up[i] += 1e-6
                down[i] -= 1e-6
                p.value = Tensor(shape: p.shape, scalars: up)
                let lu = loss()
                p.value = Tensor(shape: p.shape, scalars: down)
                let ld = loss()
                grad.append((lu - ld) / 2e-6)
            }
            p.value = Tensor(shape: p.shape, scalars: v)
            result.append(zip(v, grad).map { $0 - learningRate * $1 })
        }
        return result
    }

    static func close(_ a: [[Double]], _ b: [[Double]]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { u, v in
            u.count == v.count && zip(u, v).allSatisfy { Swift.abs($0 - $1) < 1e-7 }
        }
    }

    enum Form: String, CaseIterable, Sendable { case eager, compiledThenStep, compiledUpdating }

    @Test("one SGD step equals the hand-written update", arguments: Form.allCases)
    func oneStep(_ form: Form) throws {
        let (model, shared) = Self.model(seed: 7)
        let sgd = SGD(parameters: model.parameters, learningRate: 0.1)
        let step = CompiledTrainingStep(model: model) { Loss.halfSumOfSquares($0, $1) }
        switch form {
        case .eager:
            Loss.halfSumOfSquares(model(Self.x), Self.y).backward()
            sgd.step()
        case .compiledThenStep:
            try step(Self.x, Self.y)
            sgd.step()
        case .compiledUpdating:
            try step(Self.x, Self.y, updating: sgd)
        }
        let expected = Self.referenceStep(seed: 7, learningRate: 0.1)
        let actual = [shared.weight.value.scalars, shared.bias.value.scalars]
        #expect(Self.close(actual, expected), "\(form): \(actual) vs \(expected)")
    }
}
