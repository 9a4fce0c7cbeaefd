import Backprop
import BackpropNN

/// A small classifier trained for a plot: the model, its data and its training history.
public struct TrainedClassifier {
    /// The trained network.
    public var model: MLP<Double>
    /// The data it was trained on.
    public var data: Dataset
    /// Loss per epoch.
    public var history: TrainingHistory
    /// A one-line description ("XOR, MLP 2-4-2 tanh, Adam α = 0.05, 300 epochs").
    public var summary: String
}

/// The seeded examples behind `backprop plot`: every run is deterministic.
public enum PlotExamples {
    /// An MLP 2-4-2 (tanh) trained on the XOR table with softmax cross-entropy and
    /// full-batch Adam (α = 0.05, 300 epochs), as `backprop train xor`.
    public static func xor(seed: UInt64 = 0) -> TrainedClassifier {
        classifier(data: Datasets.xor(), name: "XOR", sizes: [2, 4, 2], activation: .tanh,
                   learningRate: 0.05, epochs: 300, batch: nil, seed: seed)
    }

    /// An MLP 2-16-16-2 (ReLU) trained on 300 two-moons points (noise 0.1) with
    /// softmax cross-entropy and Adam (α = 0.01, batches of 32, 150 epochs).
    public static func moons(seed: UInt64 = 0) -> TrainedClassifier {
        classifier(data: Datasets.twoMoons(count: 300, noise: 0.1, seed: 1), name: "two moons", sizes: [2, 16, 16, 2],
                   activation: .relu, learningRate: 0.01, epochs: 150, batch: 32, seed: seed)
    }

    static func classifier(data: Dataset, name: String, sizes: [Int], activation: Activation, learningRate: Double,
                           epochs: Int, batch: Int?, seed: UInt64) -> TrainedClassifier {
        let model = MLP<Double>(sizes, activation: activation, seed: seed)
        let optimizer = Adam(parameters: model.parameters, learningRate: learningRate)
        let history = train(model, on: data, objective: .softmaxCrossEntropy, optimizer: optimizer,
                            options: TrainingOptions(epochs: epochs, batchSize: batch, seed: seed, progress: .silent))
        let summary = "\(name), MLP \(sizes.map(String.init).joined(separator: "-")) \(activation), Adam α = \(learningRate), "
            + "\(batch.map { "batch \($0)" } ?? "full batch"), \(epochs) epochs"
        return TrainedClassifier(model: model, data: data, history: history, summary: summary)
    }

    /// The decision-boundary plot of a trained classifier, its accuracy in the title.
    public static func boundary(_ trained: TrainedClassifier) -> DecisionBoundaryPlot {
        let percent = Int((100 * accuracy(of: trained.model, on: trained.data)).rounded())
        return DecisionBoundaryPlot(model: trained.model, data: trained.data, title: "\(trained.summary.split(separator: ",")[0]): decision regions, training accuracy \(percent) %")
    }

    /// The loss curves of the XOR and two-moons runs (log scale by default).
    public static func loss(logScale: Bool = true) -> (svg: SVGDocument, frame: PlotFrame) {
        let runs = [xor(), moons()]
        return lossPlot(runs.map { LossSeries($0.summary, history: $0.history) }, logScale: logScale,
                        title: "Training loss (softmax cross-entropy) per epoch", width: 860)
    }
}
