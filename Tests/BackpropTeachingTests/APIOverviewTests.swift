import Backprop
import BackpropNN
import Foundation
import Testing
import BackpropTeaching

/// Docs/API.md, example by example: the same code, with its claims checked.
@Suite("Docs/API.md examples")
struct APIOverviewTests {
    @Test("scalars")
    func scalars() {
        let w = Value(0.5, label: "w"), x = Value(2.0, label: "x")
        let y = (w * x + 1).sigmoid().labeled("y")
        y.backward()
        let s = 1 / (1 + Foundation.exp(-2.0))
        #expect(Swift.abs(w.grad - s * (1 - s) * 2) < 1e-15 && Swift.abs(x.grad - s * (1 - s) * 0.5) < 1e-15)
        w.value -= 0.1 * w.grad
        y.zeroGradients()
        #expect(w.grad == 0 && x.grad == 0)
        let z = withoutGradients { w * x }
        #expect(z.inputs.isEmpty && y.op == .sigmoid)
    }

    @Test("tensors")
    func tensors() {
        let a = Tensor<Double>([[1, 2], [3, 4]], requiresGradient: true)
        let b = Tensor<Double>(shape: [2], scalars: [0.5, -1], requiresGradient: true)
        let loss = (a.matmul(a, transposingOther: true) + b).tanh().sum()
        loss.backward()
        #expect(a.gradient?.shape == [2, 2])
        let (ga, gb) = { (g: [Tensor<Double>]) in (g[0], g[1]) }(gradients(of: loss, withRespectTo: [a, b]))
        #expect(ga.scalars == a.gradient!.scalars && gb.scalars == b.gradient!.scalars)
        let report = checkTensorGradients(of: { t in (t[0].matmul(t[0], transposingOther: true) + t[1]).tanh().sum() },
                                          at: [a.detached(), b.detached()])
        #expect(report.passed, "\(report)")
    }

    @Test("checking gradients")
    func checking() {
        let scalarReport = checkGradients(at: [0.3, -1.2]) { v in (v[0] * v[1]).tanh() }
        let tensorReport = checkTensorGradients(of: { t in (t[0] * t[0]).sum() },
                                                at: [Tensor<Double>([[1, 2], [3, 4]])])
        #expect(scalarReport.passed && tensorReport.passed)
    }

    @Test("networks and training")
    func training() throws {
        let data = Datasets.twoMoons(count: 400, noise: 0.1, seed: 7)
        let (train, test) = data.split(testFraction: 0.25, seed: 7)
        let model = MLP<Float>([2, 16, 16, 2], activation: .relu, seed: 3)
        var optimizer = Adam(parameters: model.parameters, learningRate: 0.01)
        let history = BackpropNN.train(model, on: train, objective: .softmaxCrossEntropy, optimizer: &optimizer,
                                       options: TrainingOptions(epochs: 100, batchSize: 32, progress: .silent))
        #expect(accuracy(of: model, on: test) >= 0.97)
        #expect(history.losses.count == 100 && history.losses.last! < history.losses.first!)
        #expect(history.engine == .compiled)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("moons-\(getpid()).safetensors").path
        try model.save(to: path)
        try model.load(from: path)
        #expect(try SafeTensorsFile.read(path).entries.map(\.name).sorted() == ["0.W", "0.b", "2.W", "2.b", "4.W", "4.b"])
        try? FileManager.default.removeItem(atPath: path)
    }

    @Test("teaching")
    func teaching() {
        let i = Value(0.1, label: "i1"), w1 = Value(0.4, label: "w1")
        let out = (i * w1).sigmoid().labeled("out")
        let loss = (0.5 * (0.9 - out).squared()).labeled("E")
        let text = ChainRuleExplanation(of: loss, withRespectTo: w1).rendered()
        #expect(text.hasPrefix("∂E/∂w1 = ∂E/∂out · ∂out/∂"))
        let walkthrough = Walkthrough.sigmoid222LR06()
        #expect(walkthrough.audit.filter { $0.verdict == .wrong }.count == 0)
        let graphviz = dot(loss, title: "loss")
        #expect(graphviz.contains("digraph"))
        let page = StepPage(of: loss, title: "one sigmoid unit").html
        #expect(page.contains("<html") && !page.contains("<script src") && !page.contains("<link "), "self-contained")
    }

    @Test("compiled programs")
    func compiledPrograms() throws {
        let program = try TensorProgram(valueAndGradientsOf: { t in (t[0].matmul(t[1]).tanh()).sum() },
                                        at: [Tensor<Double>.zeros(shape: [2, 3]), .zeros(shape: [3, 2])],
                                        withRespectTo: [0, 1])
        let out = program(Tensor<Double>.ones(shape: [2, 3]), Tensor<Double>.ones(shape: [3, 2]))
        // Every entry of the product is 3: value 4·tanh 3, ∂/∂t₀ = Σ_j (1 − tanh² 3)·1 = 2(1 − tanh² 3).
        let t = Foundation.tanh(3.0)
        #expect(Swift.abs(out[0].scalar - 4 * t) < 1e-12)
        #expect(out[1].scalars.allSatisfy { Swift.abs($0 - 2 * (1 - t * t)) < 1e-12 })
        #expect(out[2].shape == [3, 2] && out[2].scalars.allSatisfy { Swift.abs($0 - 2 * (1 - t * t)) < 1e-12 })
        #expect(program.description.contains("matmul"))
    }
}
