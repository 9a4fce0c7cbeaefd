import Testing
import Backprop
import BackpropNN
import BackpropTestSupport

/// A model handed to several tasks. `Layer`s are classes and not `Sendable`: sharing one
/// needs this explicit escape hatch, and is safe only for forward passes (see
/// Docs/Robustness.md#concurrency).
private struct SharedModel: @unchecked Sendable {
    let model: MLP<Float>
}

/// Several tasks at once: forward passes (with and without gradients, so graphs are
/// recorded and released) on one shared model, and eager training of copies of it, each
/// copy made by assigning the shared model's parameter values. Every forward pass must
/// give the shared model's output computed alone, and every copy must end with the
/// parameters of the same training done alone, to rounding (a race gives garbage or a
/// crash, far beyond these tolerances). The shared model must keep its values and get
/// no gradient.
@Suite("Concurrency: one model shared by several tasks")
struct SharedModelStressTests {
    static let sizes = [64, 128, 10]
    static let input: [Float] = (0..<32 * 64).map { Float(($0 * 7919) % 101) / 50 - 1 }

    /// A copy of `shared` made the way a user would: assigning the parameter values.
    static func copy(of shared: MLP<Float>) -> MLP<Float> {
        let copy = MLP<Float>(sizes, activation: .relu, seed: 99)
        for (p, q) in zip(copy.parameters, shared.parameters) { p.value = q.value }
        return copy
    }

    /// Three epochs of eager Adam on synthetic data, from a copy of `shared`.
    static func trainCopy(of shared: MLP<Float>, seed: UInt64) -> [Float] {
        let model = copy(of: shared)
        // 320 rows of 64 features, 10 classes; a different data set per seed.
        let rows = 320
        let features = (0..<rows * 64).map { i in Double((i &* 2_654_435_761 &+ Int(seed) &* 97) % 1000) / 500 - 1 }
        let labels = (0..<rows).map { r in (r * 7 + Int(seed)) % 10 }
        let data = Dataset(features: features, featureCount: 64, labels: labels, classNames: (0..<10).map { "c\($0)" })
        let adam = Adam(parameters: model.parameters, learningRate: 0.01)
        train(model, on: data, objective: .softmaxCrossEntropy, optimizer: adam,
              options: TrainingOptions(epochs: 3, batchSize: 16, seed: seed, progress: .silent, engine: .eager))
        return model.parameters.flatMap(\.value.scalars)
    }

    static func forward(_ model: MLP<Float>, recording: Bool) -> [Float] {
        let x = Tensor<Float>(shape: [32, 64], scalars: input)
        return recording ? model(x).scalars : withoutGradients { model(x).scalars }
    }

    @Test("forward passes on a shared model and training of its copies, concurrently")
    func sharedForwardAndCopies() async {
        let shared = SharedModel(model: MLP<Float>(Self.sizes, activation: .relu, seed: 1))
        let expectedOutput = Self.forward(shared.model, recording: true)
        let expectedTraining = (0..<3).map { Self.trainCopy(of: shared.model, seed: UInt64($0)) }
        let before = shared.model.parameters.flatMap(\.value.scalars)
        for _ in 0..<3 {
            let results = await withTaskGroup(of: (Int, [Float]).self) { group in
                for job in 0..<9 {
                    group.addTask {
                        if job < 3 { return (job, Self.trainCopy(of: shared.model, seed: UInt64(job))) }
                        var out: [Float] = []
                        for i in 0..<40 { out = Self.forward(shared.model, recording: i % 2 == 0) }
                        return (job, out)
                    }
                }
                var results = [[Float]](repeating: [], count: 9)
                for await (job, out) in group { results[job] = out }
                return results
            }
            for job in 0..<3 {
                let same = isClose(results[job], expectedTraining[job], tolerance: 1e-3)
                #expect(same, "copy \(job) trained differently")
            }
            for job in 3..<9 {
                let same = isClose(results[job], expectedOutput, tolerance: 1e-5)
                #expect(same, "forward pass \(job) differs")
            }
        }
        let unchanged = shared.model.parameters.flatMap(\.value.scalars) == before
        #expect(unchanged, "training a copy changed the shared model")
        #expect(shared.model.parameters.allSatisfy { $0.gradient == nil }, "training a copy accumulated into the shared model")
    }
}
