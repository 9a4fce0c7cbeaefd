import Backprop
import BackpropNN
import Foundation

/// `backprop-bench models [--model cnn-digits|names] [--epochs N] [--engine eager|compiled]`:
/// trains the shipped models end to end and reports time per step and the quality reached
/// (test accuracy of the digits CNN; development loss per character of the names model
/// against the bigram baseline), one JSON line each.
func runModelsBench(arguments: [String]) {
    func option(_ name: String) -> String? {
        arguments.firstIndex(of: name).flatMap { $0 + 1 < arguments.count ? arguments[$0 + 1] : nil }
    }
    let selected = option("--model").map { [$0] } ?? ["cnn-digits", "names"]
    let engine = option("--engine").flatMap(TrainingEngine.init(rawValue:)) ?? .compiled
    for name in selected {
        switch name {
        case "cnn-digits":
            guard let digits = try? Datasets.digits() else { fatalError("digits.csv is missing") }
            let scaled = Dataset(features: digits.features.map { $0 / 16 }, featureCount: 64, labels: digits.labels,
                                 classNames: digits.classNames, featureNames: digits.featureNames)
            let (train, test) = scaled.split(testFraction: 0.2, seed: 1)
            let epochs = option("--epochs").flatMap(Int.init) ?? 30
            let model = DigitsCNN<Float>(seed: 1)
            var adam = Adam(parameters: model.parameters, learningRate: 0.003)
            let t0 = Bench.now()
            let history = BackpropNN.train(model, on: train, objective: .softmaxCrossEntropy, optimizer: &adam,
                                           options: TrainingOptions(epochs: epochs, batchSize: 32, seed: 1, progress: .silent, engine: engine))
            let seconds = Double(Bench.now() - t0) * 1e-9
            let steps = history.losses.count * ((train.count + 31) / 32)
            Bench.emit([("bench", "model"), ("model", name), ("engine", "\(history.engine)"), ("epochs", history.losses.count),
                        ("us_per_step", seconds * 1e6 / Double(steps)), ("seconds", seconds),
                        ("final_loss", history.finalLoss), ("test_accuracy", accuracy(of: model, on: test))])
        case "names":
            guard let corpus = try? NamesCorpus.census1990() else { fatalError("the names corpus is missing") }
            let (training, development, _) = corpus.split()
            let epochs = option("--epochs").flatMap(Int.init) ?? 10
            let model = CharacterMLP<Float>(contextLength: 3, embeddingSize: 10, hiddenSize: 200, seed: 1)
            let data = model.vocabulary.contextDataset(training, contextLength: 3)
            var adam = Adam(parameters: model.parameters, learningRate: 0.003)
            let t0 = Bench.now()
            let history = BackpropNN.train(model, on: data, objective: .softmaxCrossEntropy, optimizer: &adam,
                                           options: TrainingOptions(epochs: epochs, batchSize: 64, seed: 1, progress: .silent, engine: engine))
            let seconds = Double(Bench.now() - t0) * 1e-9
            let steps = history.losses.count * ((data.count + 63) / 64)
            Bench.emit([("bench", "model"), ("model", name), ("engine", "\(history.engine)"), ("epochs", history.losses.count),
                        ("us_per_step", seconds * 1e6 / Double(steps)), ("seconds", seconds),
                        ("dev_loss_per_char", model.lossPerCharacter(on: development)),
                        ("bigram_dev_loss_per_char", BigramModel(names: training).lossPerCharacter(on: development)),
                        ("samples", model.sample(count: 8, seed: 1).joined(separator: " "))])
        default:
            FileHandle.standardError.write(Data("models: unknown model '\(name)': use cnn-digits or names\n".utf8))
            exit(2)
        }
    }
}
