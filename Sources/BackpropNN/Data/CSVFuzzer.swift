import Backprop
import Foundation

/// Mutation fuzzing of the CSV loader: flipped and inserted bytes (quotes, commas, CR,
/// LF, NUL, a byte-order mark, invalid UTF-8), deleted and duplicated spans, truncations,
/// and cells replaced by awkward numbers (nan, inf, 1e309, hex, padded). Every case must
/// give a dataset or a `DataError`; a loaded dataset must be consistent (finite features,
/// a whole number of rows, one label per row, labels within the classes). Used by the
/// tests (a few hundred cases) and by `backprop-bench fuzz-csv` (10⁴ and more).
public enum CSVFuzzer {
    /// Counts of outcomes. A crash would end the process; `crashes` counts cases that threw
    /// something other than `DataError`, `inconsistent` loaded datasets that break an
    /// invariant.
    public struct Outcome: Sendable, CustomStringConvertible {
        /// Cases that loaded.
        public var valid = 0
        /// Cases rejected with a `DataError`.
        public var errors = 0
        /// Cases that threw anything else.
        public var crashes = 0
        /// Loaded datasets that break an invariant.
        public var inconsistent = 0
        /// `valid, errors, crashes, inconsistent`, in words.
        public var description: String {
            "\(valid) valid, \(errors) clear errors, \(crashes) crashes, \(inconsistent) inconsistent"
        }
    }

    /// The seed files: a header with a label column `y`, quoted cells, CRLF, Unicode.
    public static let seeds: [String] = [
        "x1,x2,y\n1,2,a\n3,4,b\n5.5,-6e-3,a\n",
        "a,b,y\r\n0.5,\"1\",\"cat\"\r\n2,3,\"dog, big\"\r\n",
        "\"p\",\"q\",y\n 1 , 2 ,1\n3,4,2\n\n5,6,10\n",
        "x,y\n1,\"multi\nline\"\n2,\"quote \"\" inside\"\n",
        "größe,y\n1,é\n2,日本\n3,é\n",
    ]

    /// Loads `cases` mutations of the seeds (every 16th through a file with
    /// ``CSVLoader/load(_:labelColumn:regression:)``, the rest through
    /// ``CSVLoader/parse(_:source:labelColumn:regression:)``), as classification and as
    /// regression alternately.
    public static func run(cases: Int, seed: UInt64, directory: String = NSTemporaryDirectory()) -> Outcome {
        var rng = SeededGenerator(seed: seed)
        var outcome = Outcome()
        let path = (directory as NSString).appendingPathComponent("csv-fuzz-\(getpid())-\(seed).csv")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let seedBytes = seeds.map { Array($0.utf8) }
        for k in 0..<cases {
            let bytes = mutate(seedBytes[rng.nextInt(below: seedBytes.count)], &rng)
            let regression = k % 2 == 1
            do {
                let data: Dataset
                if k % 16 == 0 {
                    guard writeFuzzCase(bytes, to: path) else { outcome.crashes += 1; continue }
                    data = try CSVLoader.load(path, labelColumn: "y", regression: regression)
                } else {
                    data = try CSVLoader.parse(String(decoding: bytes, as: UTF8.self), source: "fuzz",
                                               labelColumn: "y", regression: regression)
                }
                if consistent(data, regression: regression) { outcome.valid += 1 } else { outcome.inconsistent += 1 }
            } catch is DataError {
                outcome.errors += 1
            } catch {
                outcome.crashes += 1
            }
        }
        return outcome
    }

    /// Whether a loaded dataset keeps the loader's promises.
    static func consistent(_ d: Dataset, regression: Bool) -> Bool {
        guard d.featureCount >= 1, d.features.count % d.featureCount == 0, d.count >= 1,
              d.features.allSatisfy(\.isFinite), d.featureNames.count == d.featureCount else { return false }
        if regression { return d.targets.count == d.count && d.targets.allSatisfy(\.isFinite) && !d.isClassification }
        return d.labels.count == d.count && d.labels.allSatisfy { $0 >= 0 && $0 < d.classCount }
            && Set(d.classNames).count == d.classNames.count
    }

    static let specials: [[UInt8]] = [
        [0x22], [0x2C], [0x0A], [0x0D], [0x0D, 0x0A], [0x00], [0xEF, 0xBB, 0xBF], [0xFF], [0xC3], [0x20], [0x09],
        Array("nan".utf8), Array("inf".utf8), Array("-inf".utf8), Array("1e309".utf8), Array("0x1p3".utf8),
        Array("-0".utf8), Array("1_000".utf8), Array("\u{202E}".utf8), Array("\u{1B}[2J".utf8), Array("\"\"".utf8),
    ]

    static func mutate(_ original: [UInt8], _ rng: inout SeededGenerator) -> [UInt8] {
        var b = original
        for _ in 0...rng.nextInt(below: 3) {
            let at = b.isEmpty ? 0 : rng.nextInt(below: b.count + 1)
            switch rng.nextInt(below: 7) {
            case 0:  // truncate
                b = Array(b.prefix(at))
            case 1:  // flip a byte
                if at < b.count { b[at] ^= UInt8(1 + rng.nextInt(below: 255)) }
            case 2, 3:  // insert a special
                b.insert(contentsOf: specials[rng.nextInt(below: specials.count)], at: at)
            case 4:  // delete a span
                let end = Swift.min(b.count, at + 1 + rng.nextInt(below: 6))
                if at < end { b.removeSubrange(at..<end) }
            case 5:  // duplicate a span (rows, cells)
                let end = Swift.min(b.count, at + 1 + rng.nextInt(below: 12))
                if at < end { b.insert(contentsOf: Array(b[at..<end]), at: at) }
            default:  // replace a digit run by a special number
                if let i = b.indices.filter({ (0x30...0x39).contains(b[$0]) }).randomElement(using: &rng) {
                    var j = i
                    while j < b.count && (0x30...0x39).contains(b[j]) { j += 1 }
                    b.replaceSubrange(i..<j, with: specials[11 + rng.nextInt(below: 7)])
                }
            }
        }
        return b
    }
}
