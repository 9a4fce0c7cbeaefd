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
    let selected = option("--model").map { [$0] } ?? ["cnn-digits", "names", "names-transformer"]
    let engine = option("--engine").flatMap(TrainingEngine.init(rawValue:)) ?? .compiled
    if let path = option("--export") {
        for name in selected { exportSteps(of: name, steps: option("--trace-steps").flatMap(Int.init) ?? 5, to: path) }
        return
    }
    if arguments.contains("--step-time") {
        for name in selected {
            timeSteps(of: name, steps: option("--steps").flatMap(Int.init) ?? 200, listing: arguments.contains("--listing"),
                      profileRuns: arguments.contains("--profile") ? option("--runs").flatMap(Int.init) ?? 30 : nil)
        }
        return
    }
    for name in selected {
        switch name {
        case "cnn-digits":
            guard let digits = try? Datasets.digits() else { fatalError("digits.csv is missing") }
            let scaled = Dataset(features: digits.features.map { $0 / 16 }, featureCount: 64, labels: digits.labels,
                                 classNames: digits.classNames, featureNames: digits.featureNames)
            let (train, test) = scaled.split(testFraction: 0.2, seed: 1)
            let epochs = option("--epochs").flatMap(Int.init) ?? 30
            let model = DigitsCNN<Float>(seed: 1)
            let adam = Adam(parameters: model.parameters, learningRate: 0.003)
            let t0 = Bench.now()
            let history = BackpropNN.train(model, on: train, objective: .softmaxCrossEntropy, optimizer: adam,
                                           options: TrainingOptions(epochs: epochs, batchSize: 32, seed: 1, progress: .silent, engine: engine))
            let seconds = Double(Bench.now() - t0) * 1e-9
            let steps = history.losses.count * ((train.count + 31) / 32)
            Bench.emit([("bench", "model"), ("model", name), ("engine", "\(history.engine)"), ("epochs", history.losses.count),
                        ("us_per_step", seconds * 1e6 / Double(steps)), ("seconds", seconds),
                        ("final_loss", history.finalLoss), ("test_accuracy", accuracy(of: model, on: test))])
        case "names", "names-transformer":
            guard let corpus = try? NamesCorpus.census1990() else { fatalError("the names corpus is missing") }
            let (training, development, _) = corpus.split()
            let epochs = option("--epochs").flatMap(Int.init) ?? 10
            let model: any CharacterLanguageModel<Float> = name == "names"
                ? CharacterMLP<Float>(contextLength: 3, embeddingSize: 10, hiddenSize: 200, seed: 1)
                : CharacterTransformer<Float>(contextLength: 8, modelSize: 32, heads: 4, blockCount: 2, seed: 1)
            let data = model.vocabulary.contextDataset(training, contextLength: model.contextLength)
            let adam = Adam(parameters: model.parameters, learningRate: 0.003)
            let t0 = Bench.now()
            let history = BackpropNN.train(Sequential([model]), on: data, objective: .softmaxCrossEntropy, optimizer: adam,
                                           options: TrainingOptions(epochs: epochs, batchSize: 64, seed: 1, progress: .silent, engine: engine))
            let seconds = Double(Bench.now() - t0) * 1e-9
            let steps = history.losses.count * ((data.count + 63) / 64)
            Bench.emit([("bench", "model"), ("model", name), ("engine", "\(history.engine)"), ("epochs", history.losses.count),
                        ("us_per_step", seconds * 1e6 / Double(steps)), ("seconds", seconds),
                        ("dev_loss_per_char", model.lossPerCharacter(on: development)),
                        ("bigram_dev_loss_per_char", BigramModel(names: training).lossPerCharacter(on: development)),
                        ("samples", model.sample(count: 8, seed: 1).joined(separator: " "))])
        default:
            FileHandle.standardError.write(Data("models: unknown model '\(name)': use cnn-digits, names or names-transformer\n".utf8))
            exit(2)
        }
    }
}

/// The model and training rows of `name` with the bench's settings (batch size, α).
private func modelAndData(_ name: String) -> (model: any Layer<Float>, train: Dataset, batch: Int, learningRate: Double) {
    switch name {
    case "cnn-digits":
        guard let digits = try? Datasets.digits() else { fatalError("digits.csv is missing") }
        let scaled = Dataset(features: digits.features.map { $0 / 16 }, featureCount: 64, labels: digits.labels,
                             classNames: digits.classNames, featureNames: digits.featureNames)
        return (DigitsCNN<Float>(seed: 1), scaled.split(testFraction: 0.2, seed: 1).train, 32, 0.003)
    case "names", "names-transformer":
        guard let corpus = try? NamesCorpus.census1990() else { fatalError("the names corpus is missing") }
        let model: any CharacterLanguageModel<Float> = name == "names"
            ? CharacterMLP<Float>(contextLength: 3, embeddingSize: 10, hiddenSize: 200, seed: 1)
            : CharacterTransformer<Float>(contextLength: 8, modelSize: 32, heads: 4, blockCount: 2, seed: 1)
        return (model, model.vocabulary.contextDataset(corpus.split().training, contextLength: model.contextLength), 64, 0.003)
    case "names-lstm":
        guard let corpus = try? NamesCorpus.census1990() else { fatalError("the names corpus is missing") }
        let vocabulary = CharacterVocabulary.lowercaseLetters
        return (characterLSTM(vocabulary: vocabulary), vocabulary.indexContextDataset(corpus.split().training, contextLength: 8),
                64, 0.003)
    default:
        FileHandle.standardError.write(Data("models: unknown model '\(name)': use cnn-digits, names, names-transformer or names-lstm\n".utf8))
        exit(2)
    }
}

/// The names model of the side-by-side comparison with PyTorch's LSTM: the 8 previous
/// characters' indices, embeddings of 10, an LSTM of 64 (its last output), logits.
private func characterLSTM(vocabulary: CharacterVocabulary) -> Sequential<Float> {
    var rng = SeededGenerator(seed: 1)
    return Sequential([Embedding(vocabularySize: vocabulary.count, embeddingSize: 10, rng: &rng),
                       RecurrentLayer(LSTMCell(inputSize: 10, hiddenSize: 64, rng: &rng), returning: .lastStep),
                       Linear(inputSize: 64, outputSize: vocabulary.count, rng: &rng)])
}

/// `--export FILE [--trace-steps K]`: the initial parameters, the first K batches (in
/// order, no shuffle) and the loss of each of K eager Adam steps on them, as JSON, for a
/// peer to replay the same steps (Scripts/peers/models_side_by_side.py).
private func exportSteps(of name: String, steps: Int, to path: String) {
    let (model, data, batch, lr) = modelAndData(name)
    func values(_ t: Tensor<Float>) -> String { "[" + t.scalars.map { String(format: "%.9g", Double($0)) }.joined(separator: ",") + "]" }
    var json = "{\"model\":\"\(name)\",\"learning_rate\":\(lr),\"batch\":\(batch),\"parameters\":["
    json += model.namedParameters.map { "{\"name\":\"\($0.name)\",\"shape\":\($0.parameter.shape),\"values\":\(values($0.parameter.value))}" }
        .joined(separator: ",")
    json += "],\"batches\":["
    let adam = Adam(parameters: model.parameters, learningRate: lr)
    var losses: [Double] = [], batches: [String] = []
    for k in 0..<steps {
        let rows = Array((k * batch)..<Swift.min((k + 1) * batch, data.count))
        let x = data.featureTensor(rows: rows, as: Float.self), labels = rows.map { data.labels[$0] }
        batches.append("{\"inputs\":\(values(x)),\"shape\":\(x.shape),\"labels\":\(labels)}")
        adam.zeroGradients()
        let loss = Loss.softmaxCrossEntropy(logits: model(x), labels: labels)
        losses.append(Double(loss.scalar))
        loss.backward()
        adam.step()
    }
    json += batches.joined(separator: ",") + "],\"losses\":[" + losses.map { String(format: "%.9g", $0) }.joined(separator: ",") + "]}"
    do { try Data(json.utf8).write(to: URL(fileURLWithPath: path)) } catch { fatalError("\(path): \(error)") }
    Bench.emit([("bench", "model-export"), ("model", name), ("steps", steps), ("file", path)])
}

/// `--step-time [--steps N]`: the median µs of one compiled Adam training step (forward,
/// backward, update) on a fixed batch, over 5 samples of N steps.
private func timeSteps(of name: String, steps: Int, listing: Bool = false, profileRuns: Int? = nil) {
    let (model, data, batch, lr) = modelAndData(name)
    let rows = Array(0..<batch)
    let x = data.featureTensor(rows: rows, as: Float.self)
    let targets = Objective.softmaxCrossEntropy.targets(data, rows: rows, as: Float.self)
    let adam = Adam(parameters: model.parameters, learningRate: lr)
    let step = CompiledTrainingStep(model: Sequential([model])) { Loss.softmaxCrossEntropy(logits: $0, oneHotTargets: $1) }
    func run() { do { try step(x, targets, updating: adam) } catch { fatalError("\(error)") } }
    // `--listing`: the compiled program, with how many instructions run their eager forward;
    // `--profile`: each instruction's median wall time inside the step.
    if listing || profileRuns != nil, let p = try? step.program(input: x, target: targets) {
        if listing {
            print(p, "\n\(p.instructionCount) instructions, \(p.fallbackCount) run eagerly, \(p.bufferBytes) bytes")
        }
        if let runs = profileRuns {
            let rows = p.profile(model.parameters.map(\.value) + model.states.map(\.value) + [x, targets], runs: runs)
            let total = rows.reduce(0) { $0 + $1.nanoseconds }
            for row in rows.sorted(by: { $0.nanoseconds > $1.nanoseconds }).prefix(40) {
                print(String(format: "%10.1f µs  %5.1f %%  ", row.nanoseconds / 1e3, 100 * row.nanoseconds / total) + row.line)
            }
            print(String(format: "%10.1f µs  total of the instructions (the 40 slowest listed)", total / 1e3))
        }
    }
    for _ in 0..<Swift.max(3, steps / 10) { run() }
    var samples: [Double] = []
    for _ in 0..<5 {
        let t0 = Bench.now()
        for _ in 0..<steps { run() }
        samples.append(Double(Bench.now() - t0) / 1e3 / Double(steps))
    }
    // The step's matrix products (convolutions as products of patches included) over the
    // median time: a lower bound of its fraction of the peak (nothing else is counted).
    let flops = (try? step.program(input: x, target: targets))?.matrixProductFlops ?? .nan
    let gflops = flops / Bench.median(samples) / 1e3
    Bench.emit([("bench", "model-step"), ("model", name), ("batch", batch), ("engine", "compiled"),
                ("us_per_step", Bench.median(samples)), ("product_gflops", gflops),
                ("fraction_of_peak", Peak.fraction(gflops, isDouble: false, threads: ComputeThreads.count))])
}
