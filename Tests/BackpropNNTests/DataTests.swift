import Backprop
import Foundation
import Testing
@testable import BackpropNN

@Suite("Data sets and the CSV loader")
struct DataTests {
    @Test("CSV: header, numeric features, class labels in numeric order")
    func parse() throws {
        let csv = "a,b,label\n1,2,3\n4.5,-6,1\n\n7,8e-1,3\n"
        let d = try CSVLoader.parse(csv, labelColumn: "label")
        #expect(d.count == 3 && d.featureCount == 2)
        #expect(d.features == [1, 2, 4.5, -6, 7, 0.8])
        #expect(d.classNames == ["1", "3"] && d.labels == [1, 0, 1])
        #expect(d.featureNames == ["a", "b"])
        let named = try CSVLoader.parse("x,species\n1,setosa\n2,virginica\n3,setosa", labelColumn: "species")
        #expect(named.classNames == ["setosa", "virginica"] && named.labels == [0, 1, 0])
        let reg = try CSVLoader.parse("x,y\n1,2.5\n2,3.5", labelColumn: "y", regression: true)
        #expect(reg.targets == [2.5, 3.5] && !reg.isClassification)
    }

    @Test("CSV: blanks around cells are trimmed (tabs and Unicode spaces, as Foundation's .whitespaces), not inside")
    func blanks() throws {
        // U+00A0 no-break space and U+2003 em space are space separators (Zs); a blank line
        // of blanks only is skipped.
        let csv = " a\t, b ,label\n\t1 ,\u{00A0}2\u{2003},\t3 \n \t \n4,5, 1\n"
        let d = try CSVLoader.parse(csv, labelColumn: "label")
        #expect(d.featureNames == ["a", "b"])
        #expect(d.features == [1, 2, 4, 5])
        #expect(d.classNames == ["1", "3"] && d.labels == [1, 0])
        // The reference: Foundation's trimming, cell by cell.
        for cell in [" a\t", "\u{00A0}2\u{2003}", "\t \t", "x y", "\u{3000}z\u{3000}"] {
            #expect(String(trimmedCell(Substring(cell))) == cell.trimmingCharacters(in: .whitespaces), "\(cell.debugDescription)")
        }
        #expect(throws: DataError.self) { try CSVLoader.parse("a,label\n1 2,0\n", labelColumn: "label") }
    }

    @Test("CSV: ASCII text and other text give the same records")
    func asciiAndUnicodePaths() throws {
        let ascii = "a, b ,label\n\n1,\t2,x\n  \n3 ,4,y\n5,6,\n"
        let unicode = ascii.replacingOccurrences(of: "x", with: "\u{00E9}")   // é forces the general path
        let fast = try CSVLoader.records(ascii), general = try CSVLoader.records(unicode)
        #expect(fast.map(\.number) == [1, 3, 5, 6] && general.map(\.number) == [1, 3, 5, 6])
        #expect(fast.map(\.cells) == [["a", "b", "label"], ["1", "2", "x"], ["3", "4", "y"], ["5", "6", ""]])
        #expect(general.map(\.cells) == [["a", "b", "label"], ["1", "2", "\u{00E9}"], ["3", "4", "y"], ["5", "6", ""]])
        // Windows line ends.
        let d = try CSVLoader.parse("a,label\r\n1,0\r\n2,1\r\n", labelColumn: "label")
        #expect(d.features == [1, 2] && d.labels == [0, 1])
        let u = try CSVLoader.parse("a,label\r\n1,\u{00E9}\r\n2,b\r\n", labelColumn: "label")
        #expect(u.features == [1, 2] && u.classNames == ["b", "\u{00E9}"] && u.labels == [1, 0])
        // The empty label on line 6 is reported with its line number on both paths.
        for text in [ascii, unicode] {
            #expect(throws: DataError.self) { try CSVLoader.parse(text, source: "t.csv", labelColumn: "label") }
            do { _ = try CSVLoader.parse(text, source: "t.csv", labelColumn: "label") } catch let e as DataError {
                #expect(e.message == "t.csv:6: empty label in column 'label'", "\(e.message)")
            }
        }
    }

    @Test("CSV errors name the file, line and column", arguments: [
        ("a,b,label\n1,2,0\n3,4\n", "data.csv:3: 2 fields, but the header has 3"),
        ("a,b,label\n1,x,0\n", "data.csv:2: column 'b' (2): 'x' is not a number"),
        ("a,b,label\n1,nan,0\n", "data.csv:2: column 'b' (2): 'nan' is not finite"),
        ("a,b,label\n1,inf,0\n", "data.csv:2: column 'b' (2): 'inf' is not finite"),
        ("a,b,c\n1,2,0\n", "data.csv:1: no column named 'label' (columns: a, b, c)"),
        ("", "data.csv: the file is empty (no header line)"),
        ("a,label\n", "data.csv: no data rows after the header"),
        ("a,b,label\n1,2,\n", "data.csv:2: empty label in column 'label'"),
    ])
    func errors(_ text: String, _ message: String) {
        #expect(throws: DataError(message: message)) { try CSVLoader.parse(text, source: "data.csv", labelColumn: "label") }
    }

    @Test("a regression target that is not a number names its line")
    func badTarget() {
        #expect(throws: DataError(message: "t.csv:3: target 'abc' in column 'y' is not a finite number")) {
            try CSVLoader.parse("x,y\n1,2\n2,abc\n", source: "t.csv", labelColumn: "y", regression: true)
        }
    }

    @Test("a missing file is a clear error")
    func missingFile() {
        #expect(throws: DataError(message: "/nonexistent/x.csv: cannot read the file (missing or not readable)")) {
            try CSVLoader.load("/nonexistent/x.csv", labelColumn: "y")
        }
    }

    @Test("split and standardisation")
    func splitAndStandardise() {
        let d = Datasets.twoMoons(count: 100, seed: 3)
        let (train, test) = d.split(testFraction: 0.2, seed: 9)
        #expect(train.count == 80 && test.count == 20)
        let again = d.split(testFraction: 0.2, seed: 9)
        #expect(again.train.features == train.features, "seeded: the same split every time")
        let s = Standardizer(fittingOn: train)
        let z = s.applied(to: train)
        for j in 0..<2 {
            let column = (0..<z.count).map { z.features[$0 * 2 + j] }
            let mean = column.reduce(0, +) / Double(column.count)
            let variance = column.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(column.count)
            #expect(Swift.abs(mean) < 1e-12 && Swift.abs(variance - 1) < 1e-12)
        }
    }

    @Test("built-in sets have the documented shape and are reproducible")
    func builtIn() throws {
        #expect(Datasets.xor().labels == [0, 1, 1, 0])
        #expect(Datasets.twoMoons(count: 50, seed: 1).features == Datasets.twoMoons(count: 50, seed: 1).features)
        let s = Datasets.spirals(countPerClass: 30, classes: 3)
        #expect(s.count == 90 && s.classCount == 3)
        let r = Datasets.linearRegression2D(count: 40, weights: (2, -3), noise: 0)
        for i in 0..<r.count {
            #expect(Swift.abs(r.targets[i] - (2 * r.features[2 * i] - 3 * r.features[2 * i + 1])) < 1e-12)
        }
        let digits = try Datasets.digits()
        #expect(digits.count == 1797 && digits.classCount == 10)
        #expect(digits.features.allSatisfy { $0 >= 0 && $0 <= 16 })
        #expect(Array(digits.features.prefix(8)) == [0, 0, 5, 13, 9, 1, 0, 0] && digits.labels[0] == 0)
    }
}

@Suite("Optimisers and the training loop")
struct OptimiserTests {
    @Test("SGD with momentum and Adam follow their update formulas")
    func updates() {
        let p = Parameter(Tensor<Double>(shape: [2], scalars: [1.0, -2.0]))
        let sgd = SGD(parameters: [p], learningRate: 0.1, momentum: 0.9)
        var w = [1.0, -2.0], v = [0.0, 0.0]
        for _ in 0..<3 {
            p.zeroGradients()
            (p.value * p.value).sum().backward()          // g = 2w
            let g = w.map { 2 * $0 }
            sgd.step()
            for i in 0..<2 { v[i] = 0.9 * v[i] + g[i]; w[i] -= 0.1 * v[i] }
            #expect(zip(p.value.scalars, w).allSatisfy { Swift.abs($0 - $1) < 1e-15 })
        }
        let q = Parameter(Tensor<Double>(shape: [1], scalars: [0.5]))
        let adam = Adam(parameters: [q], learningRate: 0.01)
        var x = 0.5, m = 0.0, s = 0.0
        for t in 1...4 {
            q.zeroGradients()
            (q.value * q.value * q.value).sum().backward()     // g = 3x²
            adam.step()
            let g = 3 * x * x
            m = 0.9 * m + 0.1 * g
            s = 0.999 * s + 0.001 * g * g
            let mHat = m / (1 - Foundation.pow(0.9, Double(t))), sHat = s / (1 - Foundation.pow(0.999, Double(t)))
            x -= 0.01 * mHat / (sHat.squareRoot() + 1e-8)
            #expect(Swift.abs(q.value.scalars[0] - x) < 1e-15)
        }
    }

    @Test("a learning rate that is not finite is refused with a message")
    func badLearningRate() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let p = Parameter(Tensor<Double>(shape: [1], scalars: [1]))
            _ = SGD(parameters: [p], learningRate: .nan)
        }
        let stderr = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
        #expect(stderr.contains("SGD: learning rate nan must be finite and positive"))
    }

    @Test("stop criteria: loss change, gradient norm, maximum epochs, divergence")
    func stopCriteria() {
        let data = Datasets.linearRegression2D(count: 30, weights: (2, -3), noise: 0.05, seed: 2)
        func run(_ options: TrainingOptions, lr: Double = 0.1) -> TrainingHistory {
            let model = Linear<Double>(weight: Tensor(shape: [1, 2], scalars: [0, 0]), bias: Tensor.zeros(shape: [1]))
            let opt = SGD(parameters: model.parameters, learningRate: lr)
            return train(model, on: data, objective: .meanSquaredError, optimizer: opt, options: options)
        }
        let byLoss = run(TrainingOptions(epochs: 10_000, lossChangeTolerance: 1e-9, progress: .silent))
        #expect(byLoss.stopReason == .lossChange && byLoss.losses.count < 10_000)
        let n = byLoss.losses.count
        #expect(Swift.abs(byLoss.losses[n - 2] - byLoss.losses[n - 1]) < 1e-9)
        let byGradient = run(TrainingOptions(epochs: 10_000, gradientTolerance: 1e-6, progress: .silent))
        #expect(byGradient.stopReason == .gradientNorm && byGradient.gradientNorms.last! < 1e-6)
        let capped = run(TrainingOptions(epochs: 5, progress: .silent))
        #expect(capped.stopReason == .maximumEpochs && capped.losses.count == 5)
        let diverged = run(TrainingOptions(epochs: 2_000, progress: .silent), lr: 5)
        #expect(diverged.stopReason == .diverged)
        // Gradient descent on a convex bowl never increases the loss with a small step.
        #expect(zip(byLoss.losses, byLoss.losses.dropFirst()).allSatisfy { $0 >= $1 })
    }

    @Test("restarts keep the best run; a callback can stop training")
    func restartsAndCallback() {
        let data = Datasets.xor()
        let result = fit(restarts: 3, on: data, objective: .softmaxCrossEntropy,
                         options: TrainingOptions(epochs: 50, progress: .silent),
                         makeModel: { MLP<Double>([2, 3, 2], activation: .tanh, seed: $0) },
                         makeOptimizer: { SGD(parameters: $0.parameters, learningRate: 0.3) })
        #expect(result.finalLosses.count == 3)
        #expect(result.history.finalLoss == result.finalLosses.min())
        #expect(result.finalLosses[result.bestRun] == result.history.finalLoss)
        let model = MLP<Double>([2, 3, 2], activation: .tanh, seed: 1)
        let opt = SGD(parameters: model.parameters, learningRate: 0.3)
        var calls = 0
        let h = train(model, on: data, objective: .softmaxCrossEntropy, optimizer: opt,
                      options: TrainingOptions(epochs: 100, progress: .silent)) { _ in calls += 1; return calls < 7 }
        #expect(h.stopReason == .callback && h.losses.count == 7)
    }

    @Test("parameters are listed by name, read and set")
    func parameterNames() {
        let mlp = MLP<Float>([4, 3, 2], activation: .relu, seed: 5)
        #expect(mlp.namedParameters.map(\.name) == ["0.W", "0.b", "2.W", "2.b"])
        #expect(mlp.parameter(named: "0.W")?.shape == [3, 4])
        mlp.parameter(named: "2.b")!.value = Tensor(shape: [2], scalars: [1, 2])
        #expect(mlp.parameter(named: "2.b")!.value.scalars == [1, 2])
        #expect(mlp.parameterCount == 4 * 3 + 3 + 3 * 2 + 2)
        let same = MLP<Float>([4, 3, 2], activation: .relu, seed: 5), other = MLP<Float>([4, 3, 2], activation: .relu, seed: 6)
        #expect(same.parameter(named: "0.W")!.value.scalars == MLP<Float>([4, 3, 2], activation: .relu, seed: 5).parameter(named: "0.W")!.value.scalars)
        #expect(same.parameter(named: "0.W")!.value.scalars != other.parameter(named: "0.W")!.value.scalars)
    }
}
