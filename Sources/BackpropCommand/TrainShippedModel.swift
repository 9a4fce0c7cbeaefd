import Backprop
import BackpropNN
import Foundation

/// `backprop train cnn-digits` and `backprop train names`: the shipped models beyond the
/// MLP (Docs/Models.md), with the shared training flags.
enum TrainShippedModel {
    /// The data-set names this command handles.
    static let names: Set<String> = ["cnn-digits", "names", "names-transformer"]

    static let usage = """
        cnn-digits: the convolutional network DigitsCNN (two 3×3 convolutions, relu, 2×2
          max pooling, linear) on the digits, pixels scaled to 0…1, 20 % held out;
          defaults: 30 epochs, α = 0.003, batch 32.
        names: the character-level language model CharacterMLP (3 characters of context,
          embeddings of 10, a tanh layer of 200) on the 1990 US Census first names, split
          80/10/10; reports the loss per character on held-out names against a bigram
          baseline, and samples names; defaults: 10 epochs, α = 0.003, batch 64.
          --samples N        names to sample from the trained model (default 10)
        names-transformer: the same with CharacterTransformer (8 characters of context, two
          pre-norm blocks of 4-head causal self-attention, width 32).
        Both take --epochs, --lr, --batch, --seed, --engine, --save, --force and the
        optimiser flags; not --hidden, --activation, --label, --load or --detect-anomaly.
        """

    static func run(_ set: String, options: TrainCommand.Options, console: Console) throws {
        let unsupported: [(String, Bool)] = [
            ("--hidden", options.hidden != nil), ("--activation", options.activation != nil), ("--label", options.label != nil),
            ("--load", options.load != nil), ("--detect-anomaly", options.detectAnomaly),
            ("--regression", options.regression), ("--classification", options.classification),
        ]
        if let (flag, _) = unsupported.first(where: \.1) {
            throw CommandFailure(message: "\(flag) does not apply to train \(set)")
        }
        if options.samples != nil && set == "cnn-digits" { throw CommandFailure(message: "--samples applies to train names only") }
        if let extra = options.positional.first { throw CommandFailure(message: "unexpected argument '\(echoed(extra))'") }
        switch set {
        case "cnn-digits":
            let digits: Dataset
            do { digits = try Datasets.digits() } catch let e as DataError { throw CommandFailure(message: e.message) }
            let scaled = Dataset(features: digits.features.map { $0 / 16 }, featureCount: 64, labels: digits.labels,
                                 classNames: digits.classNames, featureNames: digits.featureNames)
            let (train, test) = scaled.split(testFraction: 0.2, seed: options.seed)
            let model = DigitsCNN<Float>(seed: options.seed)
            console.print("data: digits, \(digits.count) images of 8×8, pixels scaled to 0…1; \(train.count) train / \(test.count) test")
            let (history, optimizer) = try fit(model, on: train, set: set, defaults: (30, 0.003, 32), options: options, console: console)
            console.print(String(format: "train accuracy %.2f %%", 100 * accuracy(of: model, on: train)))
            console.print(String(format: "test accuracy %.2f %%", 100 * accuracy(of: model, on: test)))
            try save(model, optimizer: optimizer, history: history, set: set, options: options, console: console)
        default:
            let corpus: NamesCorpus
            do { corpus = try NamesCorpus.census1990() } catch let e as DataError { throw CommandFailure(message: e.message) }
            let (training, development, _) = corpus.split(seed: options.seed)
            let model: any CharacterLanguageModel<Float> = set == "names"
                ? CharacterMLP<Float>(contextLength: 3, embeddingSize: 10, hiddenSize: 200, seed: options.seed)
                : CharacterTransformer<Float>(contextLength: 8, modelSize: 32, heads: 4, blockCount: 2, seed: options.seed)
            let data = model.vocabulary.contextDataset(training, contextLength: model.contextLength)
            console.print("data: names, \(corpus.names.count) first names (1990 US Census); \(training.count) train / "
                          + "\(development.count) development; \(data.count) next-character examples")
            let (history, optimizer) = try fit(Sequential([model]), on: data, set: set, defaults: (10, 0.003, 64), options: options,
                                               console: console)
            let loss = model.lossPerCharacter(on: development)
            let bigram = BigramModel(names: training).lossPerCharacter(on: development)
            console.print(String(format: "development loss %.4f nats per character (bigram baseline %.4f; uniform %.4f)",
                                 loss, bigram, Foundation.log(Double(model.vocabulary.count))))
            let samples = model.sample(count: options.samples ?? 10, seed: options.seed)
            if !samples.isEmpty { console.print("samples: " + samples.joined(separator: " ")) }
            try save(Sequential([model]), optimizer: optimizer, history: history, set: set, options: options, console: console)
        }
    }

    /// Trains with the shared flags, printing the model line, progress and the final loss;
    /// stops with a message on divergence or Ctrl-C.
    static func fit<Model: Layer>(
        _ model: Model, on data: Dataset, set: String, defaults: (epochs: Int, lr: Double, batch: Int),
        options: TrainCommand.Options, console: Console
    ) throws -> (history: TrainingHistory, optimizer: any Optimizer<Float>) where Model.Scalar == Float {
        let epochs = options.epochs ?? defaults.epochs, lr = options.learningRate ?? defaults.lr
        let batch = options.batch ?? defaults.batch
        let optimizer = options.optimizer.makeOptimizer(model, learningRate: lr)
        if let resume = options.optimizer.resume {
            do { try model.load(from: resume, optimizer: optimizer) } catch let e as SafeTensorsError { throw CommandFailure(message: e.message) }
            console.print("resumed from \(echoed(resume)) after \(optimizer.stepCount) steps")
        }
        let name = (model as? Sequential<Float>).flatMap { $0.layers.count == 1 ? "\(type(of: $0.layers[0]))" : nil } ?? "\(Model.self)"
        console.print("model: \(name), \(model.parameterCount) parameters, \(options.optimizer.summary(learningRate: lr)), "
                      + "batch \(batch), \(epochs) epochs, seed \(options.seed)")
        var trainingOptions = TrainingOptions(epochs: epochs, batchSize: batch, seed: options.seed, engine: options.engine)
        trainingOptions.maxGradientNorm = options.optimizer.clip
        if let spec = options.optimizer.schedule {
            let perEpoch = (data.count + batch - 1) / batch
            trainingOptions.schedule = try TrainOptimizerFlags.schedule(spec, learningRate: lr, epochs: epochs,
                                                                        stepsPerEpoch: perEpoch, startStep: optimizer.stepCount)
        }
        trainingOptions.shouldStop = { Interrupts.stopRequested }
        Interrupts.install()
        defer { Interrupts.uninstall() }
        let start = Date()
        let history = Interrupts.whileTraining {
            BackpropNN.train(model, on: data, objective: .softmaxCrossEntropy, optimizer: optimizer, options: trainingOptions)
        }
        if let divergence = history.divergence {
            throw RunFailure(message: "training diverged in epoch \(divergence.epoch): \(divergence.reason); "
                             + "nothing was saved; try a smaller --lr (it was \(lr))")
        }
        if history.interruption != nil || Interrupts.stopRequested {
            try TrainCommand.finishInterrupted(history, epochs: epochs, model: model, best: nil, save: options.save,
                                               metadata: ["model": set, "epochs": "\(history.losses.count)"],
                                               force: options.force, console: console)
        }
        console.print(String(format: "final loss %.6f after %d epochs (%.2f s, %@ engine)", history.finalLoss,
                             history.losses.count, Date().timeIntervalSince(start), "\(history.engine)"))
        return (history, optimizer)
    }

    /// Saves the model with `--save`: parameters, the optimiser's state (for `--resume`),
    /// and the model's name in the metadata.
    static func save<Model: Layer>(_ model: Model, optimizer: any Optimizer<Float>, history: TrainingHistory, set: String,
                                   options: TrainCommand.Options, console: Console) throws where Model.Scalar == Float {
        guard let path = options.save else { return }
        do {
            try model.save(to: path, optimizer: optimizer, metadata: ["model": set, "epochs": "\(history.losses.count)"],
                           force: options.force)
        } catch let e as SafeTensorsError {
            throw CommandFailure(message: e.message)
        }
        console.print("saved \(model.parameterCount) parameters and the \(optimizer.state.kind) state to \(echoed(path))")
    }
}
