import Backprop
import BackpropTestSupport
import Foundation
import Testing
@testable import BackpropNN

/// Inputs that used to give a wrong model without a word (issue 14): F64 values beyond
/// Float's range, one huge CSV cell, class order that depended on the hash seed.
@Suite("No silent data loss")
struct SilentDataLossTests {
    @Test("an F64 value beyond Float's range is an error naming the tensor and index, not +inf")
    func narrowingOverflow() throws {
        let path = temporaryPath("wide.safetensors")
        let wide = MLP<Double>([2, 3, 1], activation: .tanh, seed: 1)
        var w = wide.namedParameters[0].parameter.value.scalars
        w[4] = 1e39
        wide.namedParameters[0].parameter.value = Tensor(shape: [3, 2], scalars: w)
        try wide.save(to: path)
        let narrow = MLP<Float>([2, 3, 1], activation: .tanh, seed: 2)
        let before = narrow.parameters.map(\.value.scalars)
        do {
            try narrow.load(from: path)
            Issue.record("loading 1e39 into a Float model must fail")
        } catch let e as SafeTensorsError {
            #expect("\(e)".contains("'0.W'") && "\(e)".contains("index 4") && "\(e)".contains("1e+39"), "\(e)")
        }
        #expect(narrow.parameters.map(\.value.scalars) == before, "nothing changed")
        // The same file loads into a Double model.
        let double = MLP<Double>([2, 3, 1], activation: .tanh, seed: 2)
        try double.load(from: path)
        #expect(double.namedParameters[0].parameter.value.scalars[4] == 1e39)
    }

    @Test("one huge cell: σ stays finite (closed form) and the dominating value is reported")
    func hugeCell() {
        let n = 20
        // Feature 0: 1e155 in row 7, zeros elsewhere; feature 1: 0, 1, …, 19.
        var features: [Double] = []
        for r in 0..<n { features += [r == 7 ? 1e155 : 0, Double(r)] }
        let data = Dataset(features: features, featureCount: 2, labels: (0..<n).map { $0 % 2 }, classNames: ["a", "b"])
        let scaler = Standardizer(fittingOn: data)
        // Closed forms: μ = 1e155/n, σ = 1e155·√(n − 1)/n (population).
        #expect(Swift.abs(scaler.means[0] / (1e155 / Double(n)) - 1) < 1e-12)
        #expect(Swift.abs(scaler.deviations[0] / (1e155 * Double(n - 1).squareRoot() / Double(n)) - 1) < 1e-12)
        #expect(scaler.means[1] == 9.5)
        let z = scaler.applied(to: data)
        #expect(z.features.allSatisfy { $0.isFinite })
        #expect(Swift.abs(z.features[7 * 2] - Double(n - 1).squareRoot()) < 1e-9, "the outlier's z is √(n − 1)")
        let found = scaler.dominatingValues(in: data)
        #expect(found.count == 1 && found[0].feature == 0 && found[0].row == 7 && found[0].value == 1e155)
        // Ordinary data is not reported.
        var rng = SeededGenerator(seed: 5)
        let normal = Dataset(features: (0..<400).map { _ in rng.nextNormal() }, featureCount: 4,
                             labels: (0..<100).map { $0 % 2 }, classNames: ["a", "b"])
        #expect(Standardizer(fittingOn: normal).dominatingValues(in: normal).isEmpty)
    }

    @Test("classes are sorted (numbers by value, text by Unicode scalars), whatever the row order")
    func classOrder() throws {
        let numeric = try CSVLoader.parse("x,label\n1,10\n2,9\n3,2\n4,9\n", labelColumn: "label")
        #expect(numeric.classNames == ["2", "9", "10"] && numeric.labels == [2, 1, 0, 1])
        let decimals = try CSVLoader.parse("x,label\n1,0.5\n2,-1\n3,2e1\n", labelColumn: "label")
        #expect(decimals.classNames == ["-1", "0.5", "2e1"])
        let text = try CSVLoader.parse("x,label\n1,cat\n2,ant\n3,Bee\n", labelColumn: "label")
        #expect(text.classNames == ["Bee", "ant", "cat"] && text.labels == [2, 1, 0])
        let reversed = try CSVLoader.parse("x,label\n3,Bee\n2,ant\n1,cat\n", labelColumn: "label")
        #expect(reversed.classNames == text.classNames)
    }

    @Test("two spellings of one number are a clash", arguments: [("01", "1"), ("1", "+1"), ("1", "1.0"), ("2", "2e0")])
    func clash(_ a: String, _ b: String) {
        do {
            _ = try CSVLoader.parse("x,label\n1,\(a)\n2,\(b)\n3,\(a)\n", source: "c.csv", labelColumn: "label")
            Issue.record("\(a) and \(b) must clash")
        } catch let e as DataError {
            #expect(e.message.hasPrefix("c.csv: column 'label': labels '") && e.message.contains("same number"), "\(e.message)")
        } catch { Issue.record("\(error)") }
    }
}
