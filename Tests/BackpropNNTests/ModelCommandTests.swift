import Foundation
import Testing
import BackpropNN
import BackpropTestSupport

/// A CSV of `rows` rows, three numeric features (on very different scales, in the order
/// `columns`) and a label column `kind` of three classes that overlap (so no model is
/// perfect), from a fixed linear congruential generator.
private func classificationCSV(rows: Int = 150, columns: [String] = ["a", "b", "c", "kind"], seed: UInt64 = 7) -> String {
    var state = seed
    func uniform() -> Double {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return Double(state >> 11) / Double(1 << 53)
    }
    let names = ["setosa", "versicolor", "virginica"]
    var lines = [columns.joined(separator: ",")]
    for i in 0..<rows {
        let k = i % 3
        let cells: [String: String] = [
            "a": String(format: "%.3f", 100 + 20 * Double(k) + 25 * (uniform() - 0.5)),
            "b": String(format: "%.4f", -0.01 * Double(k) + 0.02 * (uniform() - 0.5)),
            "c": String(format: "%.3f", uniform()),
            "kind": names[k],
        ]
        lines.append(columns.map { cells[$0]! }.joined(separator: ","))
    }
    return lines.joined(separator: "\n") + "\n"
}

private func write(_ name: String, _ text: String) throws -> String {
    let path = temporaryPath(name)
    try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    return path
}

/// The number after `prefix` on the line that starts with it ("train accuracy 83.33 %").
private func number(after prefix: String, in out: String) -> Double? {
    out.split(separator: "\n").first { $0.hasPrefix(prefix) }
        .flatMap { Double($0.dropFirst(prefix.count).split(separator: " ").first ?? "") }
}

/// "…; 120 train / 30 test" → (120, 30).
private func split(in out: String) -> (train: Int, test: Int)? {
    guard let line = out.split(separator: "\n").first(where: { $0.contains(" train / ") }),
          let part = line.split(separator: ";").last else { return nil }
    let words = part.split(separator: " ")
    guard words.count >= 4, let a = Int(words[0]), let b = Int(words[3]) else { return nil }
    return (a, b)
}

/// A model saved by `train csv … --save` is usable on its own: `predict` and `evaluate`
/// rebuild it from the file (architecture, activation, standardisation, class names) and
/// agree with what `train` reported.
@Suite("The backprop command: saved models, predict and evaluate")
struct ModelCommandTests {
    @Test("evaluate on the training CSV counts exactly the rows train reported correct; predict agrees")
    func evaluateMatchesTrain() throws {
        let csv = try write("kinds.csv", classificationCSV())
        let model = temporaryPath("kinds.safetensors")
        let trained = runBackprop(["train", "csv", csv, "--label", "kind", "--activation", "tanh",
                                   "--epochs", "15", "--save", model])
        #expect(trained.status == 0, "\(trained.err)")
        #expect(trained.out.contains("standardised the 3 features"), "\(trained.out)")
        let trainAccuracy = try #require(number(after: "train accuracy ", in: trained.out))
        let testAccuracy = try #require(number(after: "test accuracy ", in: trained.out))
        let (nTrain, nTest) = try #require(split(in: trained.out))
        // The split covers every row: the correct rows of the whole file are the sum.
        let expected = Int((trainAccuracy * Double(nTrain) / 100).rounded()) + Int((testAccuracy * Double(nTest) / 100).rounded())
        #expect(trainAccuracy < 100 && trainAccuracy > 50, "the data must leave mistakes to count: \(trained.out)")

        let evaluated = runBackprop(["evaluate", model, csv])
        #expect(evaluated.status == 0, "\(evaluated.err)")
        #expect(evaluated.out.contains("(\(expected) of 150)"), "\(evaluated.out)\nexpected \(expected)")
        // The confusion table: its diagonal is the correct count, its total the rows.
        let rows = evaluated.out.split(separator: "\n").filter { $0.first?.isNumber == true }
        #expect(rows.count == 3, "\(evaluated.out)")
        let counts = rows.map { $0.split(separator: " ").compactMap { Int($0) }.dropFirst() }   // drop the class number
        #expect(counts.enumerated().reduce(0) { $0 + Array($1.element)[$1.offset] } == expected, "\(evaluated.out)")
        #expect(counts.reduce(0) { $0 + $1.reduce(0, +) } == 150)

        // predict: one class name per row; as many of each as the table's columns say.
        let predicted = runBackprop(["predict", model, csv])
        #expect(predicted.status == 0, "\(predicted.err)")
        let names = predicted.out.split(separator: "\n").map(String.init)
        #expect(names.count == 150)
        for (k, name) in ["setosa", "versicolor", "virginica"].enumerated() {
            #expect(names.filter { $0 == name }.count == counts.reduce(0) { $0 + Array($1)[k] }, "\(name)")
        }
        // Without the label column, with the columns in another order: the same predictions.
        let reordered = try write("kinds-unlabelled.csv", classificationCSV(columns: ["c", "a", "b"]))
        let again = runBackprop(["predict", model, reordered])
        #expect(again.status == 0, "\(again.err)")
        #expect(again.out == predicted.out)
        // --probabilities: a header, then the class and one probability per class, summing to 1.
        let p = runBackprop(["predict", model, csv, "--probabilities"])
        let lines = p.out.split(separator: "\n")
        #expect(lines.first == "prediction,setosa,versicolor,virginica")
        #expect(lines.count == 151)
        for (line, name) in zip(lines.dropFirst(), names) {
            let cells = line.split(separator: ",")
            #expect(String(cells[0]) == name)
            let probabilities = cells.dropFirst().compactMap { Double($0) }
            #expect(probabilities.count == 3 && Swift.abs(probabilities.reduce(0, +) - 1) < 2e-3, "\(line)")
            let k = ["setosa", "versicolor", "virginica"].firstIndex(of: name)!
            #expect(probabilities[k] == probabilities.max(), "\(line)")
        }
    }

    @Test("--load rebuilds the saved activation and architecture, and refuses flags that disagree")
    func loadUsesSavedArchitecture() throws {
        let csv = try write("load.csv", classificationCSV())
        let model = temporaryPath("load.safetensors")
        let trained = runBackprop(["train", "csv", csv, "--label", "kind", "--activation", "tanh", "--hidden", "8",
                                   "--epochs", "15", "--save", model])
        #expect(trained.status == 0, "\(trained.err)")
        let accuracy = try #require(number(after: "train accuracy ", in: trained.out))
        // A step too small to change anything: the loaded model must be the saved one (a relu
        // model with the saved weights, as --load built before, scores far less).
        let loaded = runBackprop(["train", "csv", csv, "--label", "kind", "--load", model, "--epochs", "1", "--lr", "1e-12"])
        #expect(loaded.status == 0, "\(loaded.err)")
        #expect(loaded.out.contains("model: MLP 3-8-3, tanh,"), "\(loaded.out)")
        #expect(number(after: "train accuracy ", in: loaded.out) == accuracy, "\(loaded.out)")

        let relu = runBackprop(["train", "csv", csv, "--label", "kind", "--load", model, "--activation", "relu"])
        #expect(relu.status == 2)
        #expect(relu.err.contains("--activation relu disagrees with \(model), saved with --activation tanh"), "\(relu.err)")
        let hidden = runBackprop(["train", "csv", csv, "--label", "kind", "--load", model, "--hidden", "16"])
        #expect(hidden.status == 2)
        #expect(hidden.err.contains("--hidden 16 disagrees with \(model), saved with --hidden 8"), "\(hidden.err)")
        // Other data: another set of classes is named, not silently mapped.
        let other = try write("other.csv", classificationCSV().replacingOccurrences(of: "virginica", with: "iris"))
        let refused = runBackprop(["train", "csv", other, "--label", "kind", "--load", model])
        #expect(refused.status == 2)
        #expect(refused.err.contains("has the classes 'setosa', 'versicolor', 'virginica'; \(other) has 'iris', "), "\(refused.err)")
    }

    @Test("regression: the target is scaled for training, and evaluate's MSE (target units) matches train's")
    func regression() throws {
        var lines = ["x1,x2,y"]
        for i in 0..<100 {
            let x1 = Double(i % 10) / 3, x2 = Double(i / 10) * 7
            lines.append(String(format: "%.4f,%.4f,%.4f", x1, x2, 1000 + 30 * x1 - 2 * x2 + 0.01 * Double(i)))
        }
        let csv = try write("reg.csv", lines.joined(separator: "\n") + "\n")
        let model = temporaryPath("reg.safetensors")
        let unsaid = runBackprop(["train", "csv", csv, "--label", "y"])
        #expect(unsaid.status == 2)
        #expect(unsaid.err.contains("column 'y' holds 100 distinct numbers in 100 rows: a regression target? Say --regression"), "\(unsaid.err)")
        let trained = runBackprop(["train", "csv", csv, "--label", "y", "--regression", "--epochs", "40", "--save", model])
        #expect(trained.status == 0, "\(trained.err)")
        #expect(trained.out.contains("scaled the target: (y − "), "\(trained.out)")
        let trainMSE = try #require(number(after: "train MSE ", in: trained.out))
        let testMSE = try #require(number(after: "test MSE ", in: trained.out))
        let (nTrain, nTest) = try #require(split(in: trained.out))
        let evaluated = runBackprop(["evaluate", model, csv])
        #expect(evaluated.status == 0, "\(evaluated.err)")
        let mse = try #require(number(after: "MSE ", in: evaluated.out))
        let expected = (trainMSE * Double(nTrain) + testMSE * Double(nTest)) / 100
        #expect(Swift.abs(mse - expected) <= 1e-3 * expected + 1e-5, "\(evaluated.out) vs \(expected)")
        // Unscaled, an untrained-looking error: the targets are near 1000, their spread ~30.
        #expect(mse < 100, "\(evaluated.out)")
        let predicted = runBackprop(["predict", model, csv])
        let values = predicted.out.split(separator: "\n").compactMap { Double($0) }
        #expect(values.count == 100 && values.allSatisfy { $0 > 800 && $0 < 1200 }, "\(predicted.out.prefix(200))")
        // --classification takes the numbers as classes instead.
        let classes = runBackprop(["train", "csv", csv, "--label", "y", "--classification", "--epochs", "1"])
        #expect(classes.status == 0 && classes.out.contains("100 classes"), "\(classes.err)")
    }

    @Test("predict and evaluate refuse what they cannot use, in one line", arguments: [
        (["predict"], "backprop: predict needs a MODEL file and a CSV file\nsee `backprop predict --help`\n"),
        (["evaluate", "m", "d", "x"], "backprop: unexpected argument 'x'\nsee `backprop evaluate --help`\n"),
        (["predict", "m", "d", "--colour"], "backprop: unknown option '--colour'\nsee `backprop predict --help`\n"),
    ])
    func usageErrors(_ arguments: [String], _ message: String) {
        let r = runBackprop(arguments)
        #expect(r.status == 2)
        #expect(r.err == message)
        #expect(r.out.isEmpty)
    }

    @Test("a CSV without a feature the model reads, a label it does not know, a file without a description")
    func badInput() throws {
        let csv = try write("bad-base.csv", classificationCSV())
        let model = temporaryPath("bad.safetensors")
        #expect(runBackprop(["train", "csv", csv, "--label", "kind", "--epochs", "1", "--save", model]).status == 0)
        let missing = try write("missing.csv", "a,c,kind\n1,2,setosa\n")
        let r1 = runBackprop(["evaluate", model, missing])
        #expect(r1.status == 2 && r1.err.hasPrefix("backprop: \(missing):1: no column 'b', which the model reads (columns: a, c, kind)\n"), "\(r1.err)")
        let unknown = try write("unknown.csv", "a,b,c,kind\n100,0,0.5,setosa\n101,0,0.5,rose\n")
        let r2 = runBackprop(["evaluate", model, unknown])
        #expect(r2.status == 2 && r2.err.contains("\(unknown):3: label 'rose' is not one of the model's classes ('setosa', 'versicolor', 'virginica')"), "\(r2.err)")
        let unlabelled = try write("unlabelled.csv", "a,b,c\n100,0,0.5\n")
        let r3 = runBackprop(["evaluate", model, unlabelled])
        #expect(r3.status == 2 && r3.err.contains("no column 'kind' of true labels"), "\(r3.err)")
        // Parameters alone (Layer.save without a description) are not a usable model.
        let bare = temporaryPath("bare.safetensors")
        try MLP<Float>([3, 4, 3], activation: .relu).save(to: bare)
        let r4 = runBackprop(["predict", bare, csv])
        #expect(r4.status == 2 && r4.err.contains("\(bare): no model description in the metadata"), "\(r4.err)")
    }
}

/// ``ModelDescription``: what a saved model holds, written as metadata strings and read back.
@Suite("ModelDescription")
struct ModelDescriptionTests {
    @Test("round trip: names with commas and quotes, exact Doubles, leaky-relu slopes", arguments: [
        Activation.tanh, .relu, .sigmoid, .leakyRelu(slope: 0.01), .leakyRelu(slope: 0.2),
    ])
    func roundTrip(_ activation: Activation) throws {
        let d = ModelDescription(sizes: [2, 5, 3], activation: activation, featureNames: ["x, \"one\"", "ü"],
                                 labelColumn: "class", task: .classification(classNames: ["a", "b,c", "\"d\""]),
                                 standardizer: Standardizer(means: [0.1 + 0.2, -1e-300], deviations: [1.0 / 3, 7e200]))
        #expect(try ModelDescription(metadata: d.metadata, source: "m") == d)
        let r = ModelDescription(sizes: [4, 1], activation: activation, featureNames: ["a", "b", "c", "d"], task:
                                 .regression(targetMean: 1000.123456789, targetScale: 0.1), standardizer: nil)
        #expect(try ModelDescription(metadata: r.metadata, source: "m") == r)
    }

    @Test("inconsistent metadata is refused by name", arguments: [
        ("sizes", "2,5", "m: 3 class names (3 distinct) for a model of 5 outputs"),
        ("features", "[\"x\"]", "m: 1 feature names for a model of 2 inputs"),
        ("feature_scales", "1,0", "m: 'feature_scales' must all be positive"),
        ("feature_means", "1,nan", "m: 'feature_means': 'nan' is not a finite number"),
        ("activation", "swish", "m: unknown activation 'swish'"),
        ("classes", "[\"a\",\"a\",\"b\"]", "m: 3 class names (2 distinct) for a model of 3 outputs"),
    ])
    func refused(_ key: String, _ value: String, _ message: String) {
        let d = ModelDescription(sizes: [2, 5, 3], activation: .relu, featureNames: ["x", "y"],
                                 task: .classification(classNames: ["a", "b", "c"]),
                                 standardizer: Standardizer(means: [0, 0], deviations: [1, 1]))
        var m = d.metadata
        m[key] = value
        #expect(throws: SafeTensorsError(message)) { try ModelDescription(metadata: m, source: "m") }
    }
}
