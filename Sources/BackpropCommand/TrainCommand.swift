import Backprop
import BackpropNN
import Foundation

/// `backprop train xor|moons|spirals|digits` and
/// `backprop train csv PATH --label COLUMN [--hidden 16,16] [--epochs N] [--lr α] [--batch B] [--regression]`,
/// each with `[--engine eager|compiled]`.
enum TrainCommand {
    static let usage = """
        usage: backprop train xor|moons|spirals|digits [options]
               backprop train cnn-digits|names [options]    (see below)
               backprop train csv PATH --label COLUMN [--regression|--classification] [options]
        csv: every column but COLUMN is a numeric feature; features are standardised
        ((x − mean) / standard deviation, fitted on the training rows) and 20 % of the
        rows are held out as a test set. COLUMN holds class names, or with --regression
        a number (scaled the same way). A numeric COLUMN with more than 20 distinct
        values is refused until you say --regression or --classification.
        options:
          --hidden 16,16     hidden layer widths (default depends on the data set)
          --epochs N         training epochs
          --lr α             learning rate (Adam)
          --batch B          mini-batch size (1 = per-sample SGD; default: 32, or all for XOR)
          --activation relu|tanh|sigmoid|leaky-relu
          --seed S           seed for initialisation, shuffling and the split (default 1)
          --save FILE        write the trained model to FILE (safetensors, atomic; checked
                             before training; a diverged model is never saved): parameters,
                             optimiser state, layer sizes, activation, features,
                             standardisation, classes or target scaling; use it with
                             backprop predict|evaluate, or continue with --resume
          --force            with --save: replace a symbolic link or a read-only file
          --load FILE        continue training the model in FILE: its architecture,
                             activation and standardisation (--hidden or --activation
                             that disagree with the file are refused)
          --engine compiled|eager
                             compiled (default): each batch shape is traced once and
                             replayed as kernel calls; eager: a graph recorded per batch
          --detect-anomaly   train eagerly with anomaly detection: name the first op whose
                             result or gradient held NaN or ±∞, with its file:line
        """ + "\n" + TrainOptimizerFlags.usage + "\n" + TrainShippedModel.usage


    static func run(_ arguments: [String], console: Console) throws {
        guard let set = arguments.first else { throw CommandFailure(message: "train needs a data set") }
        var options = try Options(Array(arguments.dropFirst()))
        // The destination is checked before anything is loaded or trained.
        if let save = options.save {
            do {
                try AtomicFile.checkDestination(save, force: options.force, forceHint: "--force")
            } catch let e as SafeTensorsError {
                throw CommandFailure(message: "--save \(e.message)")
            }
        }
        if TrainShippedModel.names.contains(set) { return try TrainShippedModel.run(set, options: options, console: console) }
        let data: Dataset
        var defaults: (hidden: [Int], epochs: Int, lr: Double, batch: Int?, activation: Activation, test: Double)
        switch set {
        case "xor":
            data = Datasets.xor()
            defaults = ([4], 300, 0.05, nil, .tanh, 0)
        case "moons":
            data = Datasets.twoMoons(count: 600, noise: 0.1, seed: options.seed)
            defaults = ([16, 16], 200, 0.01, 32, .relu, 0.25)
        case "spirals":
            data = Datasets.spirals(countPerClass: 200, classes: 3, noise: 0.2, seed: options.seed)
            defaults = ([64, 64], 300, 0.01, 32, .relu, 0.25)
        case "digits":
            do { data = try Datasets.digits() } catch let e as DataError { throw CommandFailure(message: e.message) }
            defaults = ([64], 30, 0.003, 32, .relu, 0.2)
        case "csv":
            guard let path = options.positional.first else { throw CommandFailure(message: "train csv needs a PATH") }
            guard let label = options.label else { throw CommandFailure(message: "train csv needs --label COLUMN") }
            do {
                data = try CSVLoader.load(path, labelColumn: label, regression: options.regression)
            } catch let e as DataError {
                throw CommandFailure(message: e.message)
            }
            try checkTargetKind(data, label: label, options: options)
            defaults = ([16], 100, 0.01, 32, .relu, 0.2)
        default:
            throw CommandFailure(message: "unknown data set '\(echoed(set))': use xor, moons, spirals, digits or csv")
        }
        let dataName = set == "csv" ? options.positional.first ?? set : set
        options.positional.removeAll()
        // With --load, the file's architecture is used; flags that disagree with it are refused.
        let saved = try options.load.map { try savedArchitecture($0) }
        if let saved { try checkSaved(saved, path: options.load!, against: data, set: dataName) }
        let (hidden, activation) = try architecture(flags: options, saved: saved, path: options.load,
                                                    defaults: (defaults.hidden, defaults.activation))
        let epochs = options.epochs ?? defaults.epochs
        let lr = options.learningRate ?? defaults.lr
        let batch = options.batch ?? defaults.batch

        var train = data, test: Dataset? = nil
        if defaults.test > 0 && data.count >= 10 {
            (train, test) = data.split(testFraction: defaults.test, seed: options.seed)
        }
        // Features are standardised (except XOR's 0/1), with the loaded model's μ and σ if it
        // has them, else fitted on the training rows; regression targets are scaled too.
        var scaler: Standardizer? = nil
        if let description = saved?.description {
            scaler = description.standardizer
        } else if defaults.test > 0 {
            let fitted = Standardizer(fittingOn: train)
            for (j, _, value) in fitted.dominatingValues(in: train) {
                console.error("backprop: warning: column '\(data.featureNames.indices.contains(j) ? terminalSafe(data.featureNames[j]) : "\(j + 1)")': the value \(value) dominates it; standardised, the other rows are squeezed together (check the data)\n")
            }
            scaler = fitted
        }
        if let scaler {
            train = scaler.applied(to: train)
            test = test.map { scaler.applied(to: $0) }
        }
        var targetScaling: (mean: Double, scale: Double)? = nil
        if !data.isClassification {
            if case .regression(let mean, let scale)? = saved?.description?.task {
                targetScaling = (mean, scale)
            } else {
                targetScaling = self.targetScaling(of: train)
            }
            train = scalingTargets(train, mean: targetScaling!.mean, scale: targetScaling!.scale)
            test = test.map { scalingTargets($0, mean: targetScaling!.mean, scale: targetScaling!.scale) }
        }
        let outputs = data.isClassification ? data.classCount : data.targetCount
        let sizes = [data.featureCount] + hidden + [outputs]
        let objective: Objective = data.isClassification ? .softmaxCrossEntropy : .meanSquaredError
        console.print("data: \(set), \(data.count) examples, \(data.featureCount) features, "
              + (data.isClassification ? "\(data.classCount) classes" : "regression")
              + (test.map { "; \(train.count) train / \($0.count) test" } ?? ""))
        if let scaler {
            console.print("standardised the \(scaler.means.count) features: (x − mean) / standard deviation, "
                          + (saved?.description != nil ? "as saved in \(options.load!)" : "fitted on the \(train.count) training rows"))
        }
        if let targetScaling {
            console.print(String(format: "scaled the target: (y − %g) / %g; errors are reported in the target's units",
                                 targetScaling.mean, targetScaling.scale))
        }
        console.print("model: MLP \(sizes.map(String.init).joined(separator: "-")), \(activation.savedName), \(options.optimizer.summary(learningRate: lr)), "
              + "batch \(batch.map(String.init) ?? "all"), \(epochs) epochs, seed \(options.seed)")
        let model = MLP<Float>(sizes, activation: activation, seed: options.seed)
        if let load = options.load {
            do { try model.load(from: load) } catch let e as SafeTensorsError { throw CommandFailure(message: e.message) }
            console.print("loaded parameters from \(echoed(load))")
        }
        let optimizer = options.optimizer.makeOptimizer(model, learningRate: lr)
        if let resume = options.optimizer.resume {
            do { try model.load(from: resume, optimizer: optimizer) } catch let e as SafeTensorsError { throw CommandFailure(message: e.message) }
            console.print("resumed from \(resume) after \(optimizer.stepCount) steps")
        }
        let start = Date()
        var trainingOptions = TrainingOptions(epochs: epochs, batchSize: batch, seed: options.seed, engine: options.engine)
        trainingOptions.maxGradientNorm = options.optimizer.clip
        if let spec = options.optimizer.schedule {
            let size = Swift.min(batch ?? train.count, train.count), perEpoch = (train.count + size - 1) / size
            trainingOptions.schedule = try TrainOptimizerFlags.schedule(spec, learningRate: lr, epochs: epochs,
                                                                        stepsPerEpoch: perEpoch, startStep: optimizer.stepCount)
        }
        // Ctrl-C stops after the current step; the best epoch's model is kept for --save.
        trainingOptions.shouldStop = { Interrupts.stopRequested }
        let best = options.save != nil ? BestEpoch(model.parameters) : nil
        let callback = best.map { best in { (report: EpochReport) -> Bool in best.record(report); return true } }
        Interrupts.install()
        defer { Interrupts.uninstall() }
        let history: TrainingHistory, anomaly: TensorAnomaly?
        if options.detectAnomaly {
            // Anomaly mode checks every op as it runs: only the eager engine runs ops.
            (history, anomaly) = withAnomalyDetection(printing: false) {
                Interrupts.whileTraining {
                    BackpropNN.train(model, on: train, objective: objective, optimizer: optimizer, options: trainingOptions,
                                     callback: callback)
                }
            }
        } else {
            history = Interrupts.whileTraining {
                BackpropNN.train(model, on: train, objective: objective, optimizer: optimizer, options: trainingOptions,
                                 callback: callback)
            }
            anomaly = nil
        }
        let seconds = Date().timeIntervalSince(start)
        if let divergence = history.divergence {
            let cause = anomaly.map { "; the first: \($0)" } ?? ""
            let hint = options.detectAnomaly ? "" : ", or --detect-anomaly to find the first op that made NaN or ±∞"
            throw RunFailure(message: "training diverged in epoch \(divergence.epoch): \(divergence.reason)\(cause); "
                             + "nothing was saved and no accuracy is reported; try a smaller --lr (it was \(lr))\(hint)")
        }
        if let anomaly { console.error("backprop: warning: \(anomaly)\n") }
        let description = self.description(sizes: sizes, activation: activation, data: data,
                                           label: options.label ?? (set == "digits" ? "digit" : nil),
                                           standardizer: scaler, targetScaling: targetScaling)
        let metadata = description.metadata.merging(["data": set, "epochs": "\(history.losses.count)"]) { a, _ in a }
        if history.interruption != nil || Interrupts.stopRequested {
            try finishInterrupted(history, epochs: epochs, model: model, best: best, save: options.save,
                                  metadata: metadata, force: options.force, console: console)
        }
        let engine = history.engine == options.engine ? "\(history.engine) engine" : "\(history.engine) engine after \(options.engine) failed"
        console.print(String(format: "final loss %.6f after %d epochs (%.2f s, %@, %@)", history.finalLoss, history.losses.count,
                     seconds, engine, history.stopReason.rawValue))
        if data.isClassification {
            console.print(String(format: "train accuracy %.2f %%", 100 * accuracy(of: model, on: train)))
            if let test { console.print(String(format: "test accuracy %.2f %%", 100 * accuracy(of: model, on: test))) }
        } else {
            // The model learnt (y − m)/s: its squared errors are s² times those in y's units.
            let s2 = targetScaling!.scale * targetScaling!.scale
            console.print(String(format: "train MSE %.6f", s2 * meanSquaredError(of: model, on: train)))
            if let test { console.print(String(format: "test MSE %.6f", s2 * meanSquaredError(of: model, on: test))) }
        }
        if let save = options.save {
            do { try model.save(to: save, optimizer: optimizer, metadata: metadata, force: options.force) } catch let e as SafeTensorsError { throw CommandFailure(message: e.message) }
            console.print("saved \(model.parameterCount) parameters and the \(optimizer.state.kind) state to \(echoed(save))")
        }
    }

    struct Options {
        var positional: [String] = []
        var hidden: [Int]?
        var epochs: Int?
        var learningRate: Double?
        var batch: Int?
        var activation: Activation?
        var label: String?
        var regression = false
        var classification = false
        var seed: UInt64 = 1
        var save: String?
        var load: String?
        var engine: TrainingEngine = .compiled
        var detectAnomaly = false
        var force = false
        var optimizer = TrainOptimizerFlags()
        var samples: Int?

        init(_ args: [String]) throws {
            var i = 0, engineGiven = false
            func value(_ flag: String) throws -> String {
                guard i + 1 < args.count else { throw CommandFailure(message: "\(flag) needs a value") }
                i += 1
                return args[i]
            }
            while i < args.count {
                let a = args[i]
                switch a {
                case "--hidden":
                    let v = try value(a)
                    let sizes = v.split(separator: ",").map { Int($0) }
                    guard !sizes.isEmpty, sizes.allSatisfy({ ($0 ?? 0) > 0 }) else {
                        throw CommandFailure(message: "--hidden '\(echoed(v))': expected positive widths like 16,16")
                    }
                    hidden = sizes.map { $0! }
                case "--samples":
                    let v = try value(a)
                    guard let n = Int(v), n >= 0 else { throw CommandFailure(message: "--samples '\(echoed(v))': expected a non-negative integer") }
                    samples = n
                case "--epochs":
                    let v = try value(a)
                    guard let n = Int(v), n > 0 else { throw CommandFailure(message: "--epochs '\(echoed(v))': expected a positive integer") }
                    epochs = n
                case "--lr":
                    let v = try value(a)
                    guard let x = Double(v), x.isFinite, x > 0 else {
                        throw CommandFailure(message: "--lr '\(echoed(v))': the learning rate must be a finite positive number")
                    }
                    learningRate = x
                case "--batch":
                    let v = try value(a)
                    guard let n = Int(v), n > 0 else { throw CommandFailure(message: "--batch '\(echoed(v))': expected a positive integer") }
                    batch = n
                case "--activation":
                    let v = try value(a)
                    guard let f = Activation(name: v) else { throw CommandFailure(message: "--activation '\(echoed(v))': use relu, tanh, sigmoid or leaky-relu") }
                    activation = f
                case "--label": label = try value(a)
                case "--save": save = try value(a)
                case "--load": load = try value(a)
                case "--regression": regression = true
                case "--classification": classification = true
                case "--detect-anomaly": detectAnomaly = true
                case "--force": force = true
                case "--engine":
                    let v = try value(a)
                    guard let e = TrainingEngine(rawValue: v) else { throw CommandFailure(message: "--engine '\(echoed(v))': use compiled or eager") }
                    engine = e
                    engineGiven = true
                case "--seed":
                    let v = try value(a)
                    guard let s = UInt64(v) else { throw CommandFailure(message: "--seed '\(echoed(v))': expected a non-negative integer") }
                    seed = s
                default:
                    if try optimizer.parse(a, value: { try value(a) }) { break }
                    if a.hasPrefix("--") { throw CommandFailure(message: "unknown option '\(echoed(a))'") }
                    positional.append(a)
                }
                i += 1
            }
            if regression && classification {
                throw CommandFailure(message: "--regression and --classification exclude each other")
            }
            if load != nil && optimizer.resume != nil {
                throw CommandFailure(message: "--load and --resume both give the starting parameters: use one")
            }
            if force && save == nil {
                throw CommandFailure(message: "--force only applies to --save FILE")
            }
            if detectAnomaly {
                guard !(engineGiven && engine == .compiled) else {
                    throw CommandFailure(message: "--detect-anomaly needs --engine eager (compiled programs run no ops to check)")
                }
                engine = .eager
            }
        }
    }
}
