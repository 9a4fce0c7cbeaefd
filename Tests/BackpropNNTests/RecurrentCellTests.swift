import Backprop
@testable import BackpropNN
import Foundation
import Testing
import BackpropTestSupport

/// `RNNCell`, `LSTMCell` and `RecurrentLayer`: against PyTorch's values and a closed form
/// for one step, against central differences through several steps, compiled against eager.
@Suite("Recurrent cells: RNN and LSTM")
struct RecurrentCellTests {
    static var x: Tensor<Double> { Tensor(shape: [2, 2], scalars: [1, -2, 0.5, 0.25]) }
    static var h0: Tensor<Double> { Tensor(shape: [2, 2], scalars: [0.5, -0.5, 0, 1]) }
    static var c0: Tensor<Double> { Tensor(shape: [2, 2], scalars: [-0.2, 0.3, 1, 0]) }

    static func lstm() -> LSTMCell<Double> {
        LSTMCell(weightIH: Tensor(shape: [8, 2], scalars: [0.1, -0.2, 0.3, 0.4, -0.5, 0.6, 0.7, -0.8,
                                                            0.9, 0.1, -0.3, 0.2, 0.25, -0.35, 0.45, 0.05]),
                 weightHH: Tensor(shape: [8, 2], scalars: [0.2, 0.1, -0.1, 0.3, 0.4, -0.2, 0.05, 0.15,
                                                            -0.25, 0.35, 0.6, -0.4, 0.1, 0.2, -0.3, 0.5]),
                 biasIH: Tensor(shape: [8], scalars: [0.1, 0.2, -0.1, 0, 0.3, -0.2, 0.05, 0.15]),
                 biasHH: Tensor(shape: [8], scalars: [-0.05, 0.1, 0.2, -0.3, 0, 0.1, -0.1, 0.2]))
    }

    @Test("one LSTM step equals PyTorch's nn.LSTMCell (gates i, f, g, o) and the closed form by hand")
    func lstmOneStep() {
        let s = Self.lstm()(Self.x, state: LSTMState(hidden: Self.h0, cell: Self.c0))
        // torch.nn.LSTMCell(2, 2) in float64 with the same weight_ih, weight_hh, bias_ih, bias_hh.
        #expect(isClose(s.hidden.scalars, [0.23402495558513955, 0.083123998734370985, 0.38762058447744946, -0.26882680268961928],
                        tolerance: 1e-15))
        #expect(isClose(s.cell.scalars, [0.34738086318387429, 0.1457266464020727, 0.88510855168259628, -0.37623928051869809],
                        tolerance: 1e-15))
        // By hand, example 0, unit 0: each gate's pre-activation is row (gate·H + 0) of
        // W_ih·x + b_ih + W_hh·h + b_hh, with x = (1, −2), h = (0.5, −0.5).
        func pre(_ row: Int) -> Double {
            let wih = [[0.1, -0.2], [0.3, 0.4], [-0.5, 0.6], [0.7, -0.8], [0.9, 0.1], [-0.3, 0.2], [0.25, -0.35], [0.45, 0.05]]
            let whh = [[0.2, 0.1], [-0.1, 0.3], [0.4, -0.2], [0.05, 0.15], [-0.25, 0.35], [0.6, -0.4], [0.1, 0.2], [-0.3, 0.5]]
            let bih = [0.1, 0.2, -0.1, 0, 0.3, -0.2, 0.05, 0.15], bhh = [-0.05, 0.1, 0.2, -0.3, 0, 0.1, -0.1, 0.2]
            return wih[row][0] * 1 + wih[row][1] * -2 + bih[row] + whh[row][0] * 0.5 + whh[row][1] * -0.5 + bhh[row]
        }
        func sigmoid(_ z: Double) -> Double { 1 / (1 + Foundation.exp(-z)) }
        let c = sigmoid(pre(2)) * -0.2 + sigmoid(pre(0)) * Foundation.tanh(pre(4))
        let h = sigmoid(pre(6)) * Foundation.tanh(c)
        #expect(isClose(s.cell.scalars[0], c, tolerance: 1e-15) && isClose(s.hidden.scalars[0], h, tolerance: 1e-15))
    }

    @Test("one RNN step equals PyTorch's nn.RNNCell (tanh)")
    func rnnOneStep() {
        let cell = RNNCell<Double>(weightIH: Tensor(shape: [2, 2], scalars: [0.1, -0.2, 0.3, 0.4]),
                                   weightHH: Tensor(shape: [2, 2], scalars: [0.2, 0.1, -0.1, 0.3]),
                                   biasIH: Tensor(shape: [2], scalars: [0.1, 0.2]), biasHH: Tensor(shape: [2], scalars: [-0.05, 0.1]))
        let h = cell(Self.x, state: Self.h0)
        #expect(isClose(h.scalars, [0.5370495669980353, -0.3799489622552249, 0.14888503362331801, 0.69106946983293061],
                        tolerance: 1e-15))
        // By hand, example 0, unit 0: tanh(0.1·1 − 0.2·(−2) + 0.1 + 0.2·0.5 + 0.1·(−0.5) − 0.05).
        #expect(isClose(h.scalars[0], Foundation.tanh(0.1 + 0.4 + 0.1 + 0.1 - 0.05 - 0.05), tolerance: 1e-15))
    }

    /// A sequence model: the cell unrolled over 5 steps, the last hidden output to 3 logits.
    static func sequenceModel<Cell: RecurrentCell>(_ cell: Cell, seed: UInt64) -> Sequential<Double> where Cell.Scalar == Double {
        var rng = SeededGenerator(seed: seed)
        return Sequential([RecurrentLayer(cell, returning: .lastStep), Linear(inputSize: cell.hiddenSize, outputSize: 3, rng: &rng)])
    }

    static func sequences(batch: Int, steps: Int, width: Int, seed: UInt64) -> Tensor<Double> {
        var rng = SeededGenerator(seed: seed)
        return Tensor(shape: [batch, steps, width], scalars: (0..<(batch * steps * width)).map { _ in rng.nextNormal() })
    }

    @Test("every parameter's gradient through 5 steps equals central differences (Double)", arguments: ["RNN", "LSTM"])
    func gradientsThroughTime(kind: String) {
        var rng = SeededGenerator(seed: 11)
        let model = kind == "RNN" ? Self.sequenceModel(RNNCell<Double>(inputSize: 2, hiddenSize: 3, rng: &rng), seed: 2)
            : Self.sequenceModel(LSTMCell<Double>(inputSize: 2, hiddenSize: 3, rng: &rng), seed: 2)
        let x = Self.sequences(batch: 2, steps: 5, width: 2, seed: 4), labels = [2, 0]
        let (checked, mismatches) = centralDifferenceMismatches(model.namedParameters, loss: {
            Loss.softmaxCrossEntropy(logits: model(x), labels: labels)
        }, entries: { Array(0..<$0) })
        #expect(checked == model.parameterCount)
        #expect(mismatches.isEmpty, "\(kind): \(mismatches)")
        // And with respect to the inputs of every step (every output, not only the last).
        func inputReport<Cell: RecurrentCell>(_ cell: Cell) -> TensorGradientReport where Cell.Scalar == Double {
            let everyStep = RecurrentLayer(cell)
            return checkTensorGradients(of: { v in everyStep(v[0]).tanh().sum() }, at: [x])
        }
        let report = kind == "RNN" ? inputReport(TestCells.rnn(of: model)) : inputReport(TestCells.lstm(of: model))
        #expect(report.passed, "\(kind): \(report)")
        #expect(unregisteredParts(in: model).isEmpty)
    }

    @Test("compiled training steps equal eager ones (loss and every gradient), one program", arguments: ["RNN", "LSTM"])
    func compiledEqualsEager(kind: String) throws {
        var rng = SeededGenerator(seed: 12)
        let model = kind == "RNN" ? Self.sequenceModel(RNNCell<Double>(inputSize: 2, hiddenSize: 4, rng: &rng), seed: 3)
            : Self.sequenceModel(LSTMCell<Double>(inputSize: 2, hiddenSize: 4, rng: &rng), seed: 3)
        let step = CompiledTrainingStep(model: model) { Loss.softmaxCrossEntropy(logits: $0, oneHotTargets: $1) }
        for trial in 0..<3 {
            let x = Self.sequences(batch: 3, steps: 6, width: 2, seed: UInt64(20 + trial)), labels = [trial % 3, 1, 2]
            var targets = [Double](repeating: 0, count: 9)
            for (i, l) in labels.enumerated() { targets[i * 3 + l] = 1 }
            model.zeroGradients()
            let compiled = try step(x, Tensor(shape: [3, 3], scalars: targets))
            let compiledGradients = model.parameters.map { $0.gradient?.scalars ?? [] }
            model.zeroGradients()
            let eager = Loss.softmaxCrossEntropy(logits: model(x), labels: labels)
            eager.backward()
            #expect(isClose([compiled], [eager.scalar], tolerance: 1e-12), "\(kind) trial \(trial)")
            for (p, g) in zip(model.namedParameters, compiledGradients) {
                #expect(isClose(g, p.parameter.gradient?.scalars ?? [], tolerance: 1e-12), "\(kind) trial \(trial) \(p.name)")
            }
        }
        #expect(step.programs.count == 1)
    }

    @Test("a sequence of 3,000 steps runs forward and backward (nothing recurses on its length)")
    func longSequence() {
        var rng = SeededGenerator(seed: 1)
        let cell = RNNCell<Double>(inputSize: 1, hiddenSize: 2, rng: &rng)
        let steps = (0..<3_000).map { t in Tensor<Double>(shape: [1, 1], scalars: [Foundation.sin(Double(t) * 0.1)]) }
        let (outputs, state) = cell.unrolled(over: steps)
        #expect(outputs.count == 3_000)
        state.sum().backward()
        #expect(cell.weightHH.gradient?.scalars.allSatisfy(\.isFinite) == true)
    }

    @Test("print(model) names the recurrent layers with their output shapes")
    func summary() {
        var rng = SeededGenerator(seed: 1)
        let model = Sequential<Float>([Embedding(vocabularySize: 27, embeddingSize: 8, rng: &rng),
                                       RecurrentLayer(LSTMCell(inputSize: 8, hiddenSize: 16, rng: &rng), returning: .lastStep),
                                       Linear(inputSize: 16, outputSize: 27, rng: &rng)])
        let text = model.summary(forInputShape: [4, 5])
        #expect(text.contains("Embedding(27 × 8)") && text.contains("[4, 5, 8]"), "\(text)")
        #expect(text.contains("LSTM(8 → 16)") && text.contains("[4, 16]"), "\(text)")
        // 27·8 + 4·16·(8 + 16 + 2) + 16·27 + 27
        #expect(text.contains("Total parameters: \(groupedDigits(27 * 8 + 64 * 26 + 16 * 27 + 27))"), "\(text)")
        #expect("\(model)".contains("LSTM(8 → 16)"))
        let cell = RNNCell<Float>(inputSize: 3, hiddenSize: 5, rng: &rng)
        #expect("\(Sequential<Float>([cell]))".contains("RNNCell(3 → 5)"))
    }
}

/// The cell of a test model's recurrent layer (layer 0).
enum TestCells {
    static func rnn(of model: Sequential<Double>) -> RNNCell<Double> { (model.layers[0] as! RecurrentLayer<RNNCell<Double>>).cell }
    static func lstm(of model: Sequential<Double>) -> LSTMCell<Double> { (model.layers[0] as! RecurrentLayer<LSTMCell<Double>>).cell }
}
