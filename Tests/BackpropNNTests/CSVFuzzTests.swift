import Backprop
import Foundation
import Testing
import BackpropTestSupport
@testable import BackpropNN

@Suite("CSV fuzzing")
struct CSVFuzzTests {
    @Test("fuzz: 2,000 mutated CSV files never crash; each loads a consistent dataset or is a DataError")
    func fuzz() {
        let outcome = CSVFuzzer.run(cases: 2000, seed: 12345, directory: (temporaryPath("d") as NSString).deletingLastPathComponent)
        #expect(outcome.crashes == 0 && outcome.inconsistent == 0, "\(outcome)")
        #expect(outcome.errors > 300 && outcome.valid > 100, "both verdicts are reached: \(outcome)")
        #expect(outcome.valid + outcome.errors == 2000)
    }

    @Test("the consistency check catches a dataset that breaks the loader's promises")
    func consistencyCanFail() {
        let good = Dataset(features: [1, 2, 3, 4], featureCount: 2, labels: [0, 1], classNames: ["a", "b"], featureNames: ["x", "y"])
        #expect(CSVFuzzer.consistent(good, regression: false))
        var bad = good
        bad.features[1] = .nan
        #expect(!CSVFuzzer.consistent(bad, regression: false))
        bad = good
        bad.labels[1] = 2
        #expect(!CSVFuzzer.consistent(bad, regression: false))
    }
}
