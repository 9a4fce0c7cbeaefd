import Testing
import Backprop
import BackpropNN

/// Independent graphs on different tasks: each task builds and trains its own graph (a
/// `Value` or `Tensor` graph is confined to the task that made it; `Value` is explicitly
/// not `Sendable`), only plain arrays cross task boundaries. Training concurrently must
/// give bit-identical results to the same runs done one after another: the engine keeps
/// no shared mutable state (the no-gradient flag is thread-local, tapes and nodes are
/// per graph).
@Suite("Concurrency: independent graphs on different tasks")
struct ConcurrencyTests {
    /// 300 steps of gradient descent on a scalar 2-2-1 tanh network fitting XOR.
    static func scalarRun(seed: UInt64) -> [Double] {
        var rng = SeededGenerator(seed: seed)
        let weights = (0..<9).map { _ in Value(rng.nextNormal() * 0.5) }
        let data: [([Double], Double)] = [([0, 0], -1), ([0, 1], 1), ([1, 0], 1), ([1, 1], -1)]
        for _ in 0..<300 {
            var loss = Value(0)
            for (x, y) in data {
                let h0 = (weights[0] * x[0] + weights[1] * x[1] + weights[2]).tanh()
                let h1 = (weights[3] * x[0] + weights[4] * x[1] + weights[5]).tanh()
                let out = (weights[6] * h0 + weights[7] * h1 + weights[8]).tanh()
                let d = out - y
                loss = loss + d * d
            }
            for w in weights { w.grad = 0 }
            loss.backward()
            for w in weights { w.value -= 0.1 * w.grad }
        }
        return weights.map(\.value)
    }

    /// Four epochs of mini-batch Adam on two moons with a Float MLP; final parameters.
    static func tensorRun(seed: UInt64) -> [Float] {
        let data = Datasets.twoMoons(count: 200, noise: 0.1, seed: seed)
        let model = MLP<Float>([2, 16, 16, 2], activation: .relu, seed: seed)
        let adam = Adam(parameters: model.parameters, learningRate: 0.01)
        train(model, on: data, objective: .softmaxCrossEntropy, optimizer: adam,
              options: TrainingOptions(epochs: 4, batchSize: 16, seed: seed, progress: .silent))
        return model.parameters.flatMap(\.value.scalars)
    }

    enum Outcome: Sendable, Equatable {
        case scalar([Double])
        case tensor([Float])
    }

    static func run(_ job: Int) -> Outcome {
        job % 2 == 0 ? .scalar(scalarRun(seed: UInt64(job))) : .tensor(tensorRun(seed: UInt64(job)))
    }

    @Test("concurrent training is bit-identical to training alone")
    func concurrentEqualsSequential() async {
        let jobs = Array(0..<6)
        let alone = jobs.map { Self.run($0) }
        let together = await withTaskGroup(of: (Int, Outcome).self) { group in
            for job in jobs { group.addTask { (job, Self.run(job)) } }
            var results = [Outcome?](repeating: nil, count: jobs.count)
            for await (job, outcome) in group { results[job] = outcome }
            return results
        }
        for job in jobs {
            #expect(together[job] == alone[job], "job \(job) differs when run concurrently")
        }
        // The runs are not trivially equal to each other (the comparison can fail).
        #expect(alone[0] != alone[2] && alone[1] != alone[3])
    }
}
