import Backprop
import Foundation
import Testing
import BackpropTestSupport
@testable import BackpropNN

/// Every public entry point of BackpropNN that can receive bad input, with its message.
///
/// Programming errors (bad learning rates, shapes, sizes, labels, rows) trap through
/// `nnPrecondition`, which prints the message in every build configuration; each runs in
/// a child process here. Bad data and files throw (`DataError`, `SafeTensorsError`).
@Suite("Bad input: layers, losses, optimisers, training, data")
struct NNBadInputTests {
    static let cases: [(name: String, message: String)] = [
        ("SGD lr nan", "SGD: learning rate nan must be finite and positive"),
        ("SGD lr inf", "SGD: learning rate inf must be finite and positive"),
        ("SGD lr zero", "SGD: learning rate 0.0 must be finite and positive"),
        ("SGD lr negative", "SGD: learning rate -0.1 must be finite and positive"),
        ("SGD lr set to nan", "SGD: learning rate nan must be finite and not negative"),
        ("SGD weight decay", "SGD: weight decay -0.1 must be finite and not negative"),
        ("AdamW weight decay", "AdamW: weight decay nan must be finite and not negative"),
        ("parameter in two groups", "SGD: a parameter of shape [2] is listed twice (group 1)"),
        ("group scale", "ParameterGroup: learning-rate scale -1.0 must be finite and not negative"),
        ("clip max norm", "clipGradientNorm: maxNorm 0.0 must be finite and positive"),
        ("options max norm", "TrainingOptions: maxGradientNorm inf must be finite and positive"),
        ("schedule steps", "LearningRateSchedule.cosine: steps 0 must be positive"),
        ("schedule rate", "LearningRateSchedule.stepDecay: learning rate -1.0 must be finite and not negative"),
        ("custom optimizer schedule", "has no learningRate to set"),
        ("SGD momentum", "SGD: momentum 1.0 must be in [0, 1)"),
        ("SGD momentum nan", "SGD: momentum nan must be in [0, 1)"),
        ("Adam lr nan", "Adam: learning rate nan must be finite and positive"),
        ("Adam lr -inf", "Adam: learning rate -inf must be finite and positive"),
        ("Adam lr set to inf", "Adam: learning rate inf must be finite and not negative"),
        ("Adam beta", "Adam: β₁ 1.0 and β₂ 0.999 must be in [0, 1)"),
        ("Adam epsilon", "Adam: ε nan must be finite and positive"),
        ("halfSumOfSquares", "halfSumOfSquares: prediction has shape [2, 1] but target has shape [2]"),
        ("sumOfSquares", "sumOfSquares: prediction has shape [2, 2] but target has shape [2, 3]"),
        ("meanSquaredError", "meanSquaredError: prediction has shape [3, 1] but target has shape [3] (reshape one of them"),
        ("binaryLogLoss", "binaryLogLoss: prediction has shape [2] but target has shape [3]"),
        ("multinomialLogLoss", "multinomialLogLoss: prediction has shape [2, 3] but target has shape [2, 2]"),
        ("binaryCrossEntropy", "binaryCrossEntropy: prediction has shape [4] but target has shape [4, 1]"),
        ("softmaxCrossEntropy label", "softmaxCrossEntropy: label 3 is out of range for 3 classes"),
        ("softmaxCrossEntropy negative label", "softmaxCrossEntropy: label -1 is out of range for 3 classes"),
        ("softmaxCrossEntropy count", "softmaxCrossEntropy: logits of shape [2, 3] need to be [3, classes] for 3 labels"),
        ("Linear input", "Linear: input has shape [2, 5], expected [batch, 4]"),
        ("Linear sizes", "Linear: sizes must be positive, got 0 → 3"),
        ("Linear weights", "Linear: weight [3, 2] needs rank 2 and bias [2] must be [3]"),
        ("MLP sizes", "MLP: needs at least an input and an output size, all positive; got [3]"),
        ("Parameter shape", "Parameter: new value has shape [3], the parameter has shape [2]"),
        ("Dataset feature count", "Dataset: 5 feature values for 2 examples of 2 features"),
        ("Dataset label", "Dataset: label 2 of example 1 is outside 0..<2 (2 classes)"),
        ("Dataset NaN feature", "Dataset: feature 1 of example 0 is nan, not finite"),
        ("Dataset NaN target", "Dataset: target inf of example 1 is not finite"),
        ("Dataset regression rows", "Dataset: 2 feature rows but 3 target rows"),
        ("Dataset subset", "Dataset.subset: row 4 is out of range for 4 examples"),
        ("Dataset featureTensor", "Dataset.featureTensor: row -1 is out of range for 4 examples"),
        ("Dataset split", "split: testFraction 1.0 is not in [0, 1)"),
        ("Standardizer empty", "Standardizer: cannot fit on an empty data set"),
        ("Standardizer features", "Standardizer: fitted on 2 features, applied to 1"),
        ("TrainingOptions epochs", "TrainingOptions: epochs must be positive, got 0"),
        ("TrainingOptions batch", "TrainingOptions: batch size must be positive, got 0"),
        ("train empty", "train: the data set is empty"),
        ("train model inputs", "Linear: input has shape [4, 2], expected [batch, 3]"),
        ("train too few outputs", "softmaxCrossEntropy: label 1 is out of range for 1 classes"),
        ("objective without labels", "softmaxCrossEntropy needs a data set with class labels"),
        ("accuracy without labels", "accuracy: the data set has no class labels"),
        ("fit restarts", "fit: restarts must be positive, got 0"),
    ]

    @Test("bad input stops with a message naming the problem", arguments: cases)
    func badInput(name: String, message: String) async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            [name = name as String] in
            BadNNInput.trigger(name)
        }
        let text = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
        #expect(text.contains(message), "case '\(name)': \(text)")
    }

    // MARK: thrown errors: data files

    @Test("CSV files: ragged rows, NaN and other bad cells are errors naming line and column", arguments: [
        ("a,b,label\n1,2,0\n3,4,1,9\n", "data.csv:3: 4 fields, but the header has 3"),
        ("a,b,label\n1,2,0\n\n3\n", "data.csv:4: 1 fields, but the header has 3"),
        ("a,b,label\n1,2,0\n3,NaN,1\n", "data.csv:3: column 'b' (2): 'NaN' is not finite"),
        ("a,b,label\nnan,2,0\n", "data.csv:2: column 'a' (1): 'nan' is not finite"),
        ("a,b,label\n1,-inf,0\n", "data.csv:2: column 'b' (2): '-inf' is not finite"),
        ("a,b,label\n1,1e999,0\n", "data.csv:2: column 'b' (2): '1e999' is not finite"),
        ("a,b,label\n1,,0\n", "data.csv:2: column 'b' (2): '' is not a number"),
        ("label\n0\n", "data.csv:1: need at least one feature column besides 'label'"),
    ])
    func csvErrors(_ text: String, _ message: String) {
        #expect(throws: DataError(message: message)) { try CSVLoader.parse(text, source: "data.csv", labelColumn: "label") }
    }

    @Test("a NaN regression target and a non-UTF-8 file are errors")
    func csvTargetsAndEncoding() throws {
        #expect(throws: DataError(message: "t.csv:3: target 'nan' in column 'y' is not a finite number")) {
            try CSVLoader.parse("x,y\n1,2\n2,nan\n", source: "t.csv", labelColumn: "y", regression: true)
        }
        let path = temporaryPath("latin1.csv")
        try Data([0x61, 0x2c, 0x6c, 0x0a, 0xff, 0xfe, 0x2c, 0x30, 0x0a]).write(to: URL(fileURLWithPath: path))
        #expect(throws: DataError(message: "\(path): not UTF-8 text")) { try CSVLoader.load(path, labelColumn: "l") }
    }

    @Test("a model file holding NaN is refused, naming the tensor and index; the model is unchanged")
    func nanInModelFile() throws {
        let path = temporaryPath("nan.safetensors")
        let bytes = try SafeTensorsFile.encode([
            (name: "0.W", dtype: .F32, shape: [1, 2], values: [1, 2]),
            (name: "0.b", dtype: .F32, shape: [1], values: [.nan]),
        ])
        try AtomicFile.write(bytes, to: path)
        let model = MLP<Float>([2, 1], activation: .relu, seed: 1)
        let before = model.parameters.map(\.value.scalars)
        #expect(throws: SafeTensorsError("\(path): tensor '0.b' holds nan at index 0; parameters must be finite")) {
            try model.load(from: path)
        }
        #expect(model.parameters.map(\.value.scalars) == before)
    }

    @Test("a diverging run stops with the reason instead of training on NaN")
    func divergence() {
        let data = Datasets.linearRegression2D(count: 20)
        let model = MLP<Double>([2, 1], activation: .identity, seed: 1)
        let sgd = SGD(parameters: model.parameters, learningRate: 1e6)
        let history = train(model, on: data, objective: .meanSquaredError, optimizer: sgd,
                            options: TrainingOptions(epochs: 50, progress: .silent))
        #expect(history.stopReason == .diverged)
        #expect(history.losses.count < 50)
        #expect(history.divergence?.epoch == history.losses.count, "\(String(describing: history.divergence))")
    }
}

/// The bad calls, by case name (run inside the exit tests' child processes).
enum BadNNInput {
    static func trigger(_ name: String) {
        typealias T = Tensor<Double>
        let p = Parameter(T([1, 2]))
        let xor = Datasets.xor()
        let regression = Dataset(features: [1, 2, 3, 4], featureCount: 2, targets: [1, 2])
        switch name {
        case "SGD lr nan": _ = SGD(parameters: [p], learningRate: .nan)
        case "SGD lr inf": _ = SGD(parameters: [p], learningRate: .infinity)
        case "SGD lr zero": _ = SGD(parameters: [p], learningRate: 0)
        case "SGD lr negative": _ = SGD(parameters: [p], learningRate: -0.1)
        case "SGD lr set to nan":
            let sgd = SGD(parameters: [p], learningRate: 0.1)
            sgd.learningRate = .nan
        case "SGD weight decay": _ = SGD(parameters: [p], learningRate: 0.1, weightDecay: -0.1)
        case "AdamW weight decay": _ = AdamW(parameters: [p], weightDecay: .nan)
        case "parameter in two groups": _ = SGD(groups: [ParameterGroup([p]), ParameterGroup([p])], learningRate: 0.1)
        case "group scale": _ = ParameterGroup([p], learningRateScale: -1)
        case "clip max norm": clipGradientNorm([p], maxNorm: 0)
        case "options max norm": _ = TrainingOptions(maxGradientNorm: .infinity)
        case "schedule steps": _ = LearningRateSchedule.cosine(from: 0.1, steps: 0)
        case "schedule rate": _ = LearningRateSchedule.stepDecay(from: -1, factor: 0.5, every: 2)
        case "custom optimizer schedule":
            final class Plain: Optimizer {
                let parameters: [Parameter<Double>]
                init(_ p: Parameter<Double>) { parameters = [p] }
                func step() {}
            }
            let model = Linear<Double>(weight: T([[1, 2]]), bias: T([0]))
            train(model, on: regression, objective: .meanSquaredError, optimizer: Plain(model.weight),
                  options: TrainingOptions(epochs: 1, progress: .silent, schedule: .constant(0.1)))
        case "SGD momentum": _ = SGD(parameters: [p], learningRate: 0.1, momentum: 1)
        case "SGD momentum nan": _ = SGD(parameters: [p], learningRate: 0.1, momentum: .nan)
        case "Adam lr nan": _ = Adam(parameters: [p], learningRate: .nan)
        case "Adam lr -inf": _ = Adam(parameters: [p], learningRate: -.infinity)
        case "Adam lr set to inf":
            let adam = Adam(parameters: [p])
            adam.learningRate = .infinity
        case "Adam beta": _ = Adam(parameters: [p], beta1: 1)
        case "Adam epsilon": _ = Adam(parameters: [p], epsilon: .nan)
        case "halfSumOfSquares": _ = Loss.halfSumOfSquares(T.zeros(shape: [2, 1]), T.zeros(shape: [2]))
        case "sumOfSquares": _ = Loss.sumOfSquares(T.zeros(shape: [2, 2]), T.zeros(shape: [2, 3]))
        case "meanSquaredError": _ = Loss.meanSquaredError(T.zeros(shape: [3, 1]), T.zeros(shape: [3]))
        case "binaryLogLoss": _ = Loss.binaryLogLoss(probabilities: T.zeros(shape: [2]), targets: T.zeros(shape: [3]))
        case "multinomialLogLoss":
            _ = Loss.multinomialLogLoss(probabilities: T.zeros(shape: [2, 3]), oneHotTargets: T.zeros(shape: [2, 2]))
        case "binaryCrossEntropy": _ = Loss.binaryCrossEntropy(logits: T.zeros(shape: [4]), targets: T.zeros(shape: [4, 1]))
        case "softmaxCrossEntropy label": _ = Loss.softmaxCrossEntropy(logits: T.zeros(shape: [2, 3]), labels: [0, 3])
        case "softmaxCrossEntropy negative label":
            _ = Loss.softmaxCrossEntropy(logits: T.zeros(shape: [2, 3]), labels: [-1, 0])
        case "softmaxCrossEntropy count": _ = Loss.softmaxCrossEntropy(logits: T.zeros(shape: [2, 3]), labels: [0, 1, 2])
        case "Linear input":
            var rng = SeededGenerator(seed: 1)
            _ = Linear<Double>(inputSize: 4, outputSize: 3, rng: &rng)(T.zeros(shape: [2, 5]))
        case "Linear sizes":
            var rng = SeededGenerator(seed: 1)
            _ = Linear<Double>(inputSize: 0, outputSize: 3, rng: &rng)
        case "Linear weights": _ = Linear(weight: T.zeros(shape: [3, 2]), bias: T.zeros(shape: [2]))
        case "MLP sizes": _ = MLP<Double>([3], activation: .relu)
        case "Parameter shape": p.value = T([1, 2, 3])
        case "Dataset feature count":
            _ = Dataset(features: [1, 2, 3, 4, 5], featureCount: 2, labels: [0, 1], classNames: ["a", "b"])
        case "Dataset label": _ = Dataset(features: [1, 2], featureCount: 1, labels: [0, 2], classNames: ["a", "b"])
        case "Dataset NaN feature":
            _ = Dataset(features: [1, .nan, 3, 4], featureCount: 2, labels: [0, 1], classNames: ["a", "b"])
        case "Dataset NaN target": _ = Dataset(features: [1, 2], featureCount: 1, targets: [1, .infinity])
        case "Dataset regression rows": _ = Dataset(features: [1, 2, 3, 4], featureCount: 2, targets: [1, 2, 3])
        case "Dataset subset": _ = xor.subset([0, 4])
        case "Dataset featureTensor": _ = xor.featureTensor(rows: [-1], as: Double.self)
        case "Dataset split": _ = xor.split(testFraction: 1, seed: 1)
        case "Standardizer empty":
            _ = Standardizer(fittingOn: Dataset(features: [], featureCount: 2, labels: [], classNames: ["a"]))
        case "Standardizer features":
            _ = Standardizer(fittingOn: xor).applied(to: Dataset(features: [1], featureCount: 1, targets: [1]))
        case "TrainingOptions epochs": _ = TrainingOptions(epochs: 0)
        case "TrainingOptions batch": _ = TrainingOptions(batchSize: 0)
        case "train empty":
            let model = MLP<Double>([2, 2], activation: .relu)
            let sgd = SGD(parameters: model.parameters, learningRate: 0.1)
            train(model, on: Dataset(features: [], featureCount: 2, labels: [], classNames: ["a"]),
                  objective: .softmaxCrossEntropy, optimizer: sgd)
        case "train model inputs":
            let model = MLP<Double>([3, 2], activation: .relu)
            let sgd = SGD(parameters: model.parameters, learningRate: 0.1)
            train(model, on: xor, objective: .softmaxCrossEntropy, optimizer: sgd, options: .init(progress: .silent))
        case "train too few outputs":
            let model = MLP<Double>([2, 4, 1], activation: .tanh)
            let sgd = SGD(parameters: model.parameters, learningRate: 0.1)
            train(model, on: xor, objective: .softmaxCrossEntropy, optimizer: sgd,
                  options: .init(shuffle: false, progress: .silent))
        case "objective without labels":
            _ = Objective.softmaxCrossEntropy.loss(T.zeros(shape: [2, 1]), regression, rows: [0, 1])
        case "accuracy without labels": _ = accuracy(of: MLP<Double>([2, 1], activation: .relu), on: regression)
        case "fit restarts":
            _ = fit(restarts: 0, on: xor, objective: .softmaxCrossEntropy,
                    makeModel: { MLP<Double>([2, 2], activation: .relu, seed: $0) },
                    makeOptimizer: { SGD(parameters: $0.parameters, learningRate: 0.1) })
        default: fatalError("no such bad-input case '\(name)'")
        }
    }
}
