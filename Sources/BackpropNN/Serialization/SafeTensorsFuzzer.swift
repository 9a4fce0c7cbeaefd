import Backprop

/// Mutation fuzzing of the safetensors reader: truncations, flipped bytes, rewritten
/// header lengths, corrupted JSON, shifted and overlapping offsets. Used by the tests (a
/// few hundred cases) and by `backprop-bench fuzz-safetensors` (10⁴ and more).
public enum SafeTensorsFuzzer {
    /// Counts of outcomes. A crash would end the process, so `crashes` counts cases that
    /// threw something other than `SafeTensorsError`.
    public struct Outcome: Sendable, CustomStringConvertible {
        public var valid = 0, errors = 0, crashes = 0
        public var description: String { "\(valid) valid, \(errors) clear errors, \(crashes) crashes" }
    }

    /// Parses `cases` mutations of the `seeds` files.
    public static func run(cases: Int, seeds: [[UInt8]], seed: UInt64) -> Outcome {
        var rng = SeededGenerator(seed: seed)
        var outcome = Outcome()
        for _ in 0..<cases {
            let bytes = mutate(seeds[rng.nextInt(below: seeds.count)], &rng)
            do {
                let file = try SafeTensorsFile.parse(bytes, source: "fuzz")
                for e in file.entries where e.dtype == .F32 || e.dtype == .F64 { _ = try file.doubles(e) }
                outcome.valid += 1
            } catch is SafeTensorsError {
                outcome.errors += 1
            } catch {
                outcome.crashes += 1
            }
        }
        return outcome
    }

    static func mutate(_ original: [UInt8], _ rng: inout SeededGenerator) -> [UInt8] {
        var b = original
        let headerLength = (0..<8).reduce(0) { $0 | Int(b[$1]) << (8 * $1) }
        switch rng.nextInt(below: 8) {
        case 0:  // truncate
            b = Array(b.prefix(rng.nextInt(below: b.count)))
        case 1:  // flip random bytes anywhere
            for _ in 0...rng.nextInt(below: 4) { b[rng.nextInt(below: b.count)] ^= UInt8(1 + rng.nextInt(below: 255)) }
        case 2:  // rewrite the header length
            let choices: [UInt64] = [0, 1, UInt64(headerLength - 1), UInt64(headerLength + 1), UInt64(b.count), UInt64.max,
                                     UInt64(rng.next() % 1_000_000)]
            let n = choices[rng.nextInt(below: choices.count)]
            for k in 0..<8 { b[k] = UInt8(truncatingIfNeeded: n >> (8 * UInt64(k))) }
        case 3:  // flip a byte inside the JSON
            if headerLength > 0 { b[8 + rng.nextInt(below: headerLength)] ^= UInt8(1 + rng.nextInt(below: 255)) }
        case 4:  // replace a digit in the JSON (offsets and shapes)
            let digits = (8..<(8 + headerLength)).filter { b[$0] >= 0x30 && b[$0] <= 0x39 }
            if let i = digits.randomElement(using: &rng) { b[i] = 0x30 + UInt8(rng.nextInt(below: 10)) }
        case 5:  // append or remove data bytes
            if rng.nextInt(below: 2) == 0 { b += [UInt8](repeating: 7, count: 1 + rng.nextInt(below: 9)) } else if b.count > 8 + headerLength { b.removeLast() }
        case 6:  // structural JSON damage: delete a brace, quote, colon or comma
            let marks = (8..<(8 + headerLength)).filter { [0x7b, 0x7d, 0x22, 0x3a, 0x2c, 0x5b, 0x5d].contains(b[$0]) }
            if let i = marks.randomElement(using: &rng) { b[i] = 0x20 }
        default:  // swap two data_offsets digits runs by rewriting a number to overlap
            if let text = String(bytes: b[8..<(8 + headerLength)], encoding: .utf8),
               let r = text.range(of: "\"data_offsets\":[") {
                let start = 8 + text.utf8.distance(from: text.startIndex, to: r.upperBound)
                if start < 8 + headerLength { b[start] = 0x30 }  // begin becomes 0…: overlaps the first tensor
            }
        }
        return b
    }
}
