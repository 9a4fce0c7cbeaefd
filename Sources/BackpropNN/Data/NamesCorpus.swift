import Backprop
import Foundation

/// A list of names for character-level language modelling, in the makemore tradition:
/// each name is a word of lowercase letters, and a model learns to predict each next
/// character from the ones before it.
///
/// ``census1990()`` loads the corpus shipped with the package: the female and male
/// first-name lists of the 1990 US Census (public domain; see
/// `Sources/BackpropNN/Resources/README.md`).
public struct NamesCorpus: Sendable {
    /// The names: lowercase, each character in the vocabulary, no duplicates, in the order
    /// first seen.
    public let names: [String]
    /// The characters: the boundary "." (index 0) and every letter used by a name.
    public let vocabulary: CharacterVocabulary

    /// A corpus of `names`, lowercased, duplicates dropped (first occurrence kept).
    ///
    /// Throws when a name is empty or holds a character other than the letters a…z.
    public init(names: [String]) throws {
        var seen = Set<String>(), kept: [String] = []
        for (i, raw) in names.enumerated() {
            let name = raw.lowercased()
            if name.isEmpty { throw DataError(message: "NamesCorpus: name \(i + 1) is empty") }
            if let bad = name.unicodeScalars.first(where: { !("a"..."z").contains($0) }) {
                throw DataError(message: "NamesCorpus: name \(i + 1) (\(terminalSafe(raw, limit: 40))) holds "
                                    + "\(terminalSafe(String(bad), limit: 8)); only the letters a…z are allowed")
            }
            if seen.insert(name).inserted { kept.append(name) }
        }
        self.names = kept
        vocabulary = CharacterVocabulary.lowercaseLetters
    }

    /// The first names of the 1990 US Census: the female list, then the male list's names
    /// not already in it (5,163 names in all).
    public static func census1990() throws -> NamesCorpus {
        var all: [String] = []
        for file in ["census-1990-female-first", "census-1990-male-first"] {
            guard let url = Bundle.module.url(forResource: file, withExtension: "txt") else {
                throw DataError(message: "NamesCorpus: the bundled file \(file).txt is missing from the package resources")
            }
            let text = try String(contentsOf: url, encoding: .utf8)
            for (number, line) in text.split(whereSeparator: \.isNewline).enumerated() {
                // NAME  frequency  cumulative  rank
                guard let name = line.split(separator: " ").first else {
                    throw DataError(message: "NamesCorpus: \(file).txt line \(number + 1) is blank")
                }
                all.append(String(name))
            }
        }
        return try NamesCorpus(names: all)
    }

    /// The names split into training, development and test lists by a seeded shuffle
    /// (80 %, 10 %, 10 % by default), as makemore splits its corpus.
    ///
    /// Precondition: the fractions are non-negative and sum to at most 1.
    public func split(trainingFraction: Double = 0.8, developmentFraction: Double = 0.1,
                      seed: UInt64 = 42) -> (training: [String], development: [String], test: [String]) {
        nnPrecondition(trainingFraction >= 0 && developmentFraction >= 0 && trainingFraction + developmentFraction <= 1,
                       "NamesCorpus.split: fractions \(trainingFraction) and \(developmentFraction) must be ≥ 0 with a sum ≤ 1")
        var rng = SeededGenerator(seed: seed)
        var shuffled = names
        // Fisher–Yates with the package's generator, so the split is the same everywhere.
        for i in stride(from: shuffled.count - 1, to: 0, by: -1) {
            let j = Int(rng.next() % UInt64(i + 1))
            shuffled.swapAt(i, j)
        }
        let a = Int((Double(shuffled.count) * trainingFraction).rounded())
        let b = Swift.min(shuffled.count, a + Int((Double(shuffled.count) * developmentFraction).rounded()))
        return (Array(shuffled[..<a]), Array(shuffled[a..<b]), Array(shuffled[b...]))
    }
}

/// The characters a character-level model reads and writes: index 0 is the boundary "."
/// that pads the context before a name and marks its end; the letters follow.
public struct CharacterVocabulary: Sendable, Equatable {
    /// The characters by index; `characters[0] == "."`.
    public let characters: [Character]
    private let indices: [Character: Int]

    /// A vocabulary of the boundary "." followed by `letters` (which must not hold ".").
    public init(letters: [Character]) {
        nnPrecondition(!letters.contains("."), "CharacterVocabulary: \".\" is the boundary and cannot be a letter")
        characters = ["."] + letters
        indices = Dictionary(uniqueKeysWithValues: characters.enumerated().map { ($1, $0) })
    }

    /// "." and a…z: 27 characters.
    public static let lowercaseLetters = CharacterVocabulary(letters: (UInt8(ascii: "a")...UInt8(ascii: "z")).map { Character(UnicodeScalar($0)) })

    /// The number of characters, boundary included.
    public var count: Int { characters.count }

    /// The index of `character`, or nil when it is not in the vocabulary.
    public func index(of character: Character) -> Int? { indices[character] }

    /// The examples of next-character prediction in `names`: for every character of every
    /// name, and for the end of each name, the `contextLength` characters before it as
    /// one-hot blocks (padded with "."), and the character (or the end, ".") as the label.
    ///
    /// ```
    /// "emma", context 3:  ... → e,  ..e → m,  .em → m,  emm → a,  mma → .
    /// features: [contextLength · count] one-hot,  labels: index of the next character
    /// ```
    /// A name of n characters gives n + 1 examples. Precondition: `contextLength ≥ 1` and
    /// every character of every name is in the vocabulary.
    public func contextDataset(_ names: [String], contextLength: Int) -> Dataset {
        nnPrecondition(contextLength >= 1, "contextDataset: contextLength \(contextLength) must be at least 1")
        let v = count, width = contextLength * v
        var features: [Double] = [], labels: [Int] = []
        features.reserveCapacity(names.reduce(0) { $0 + $1.count + 1 } * width)
        for name in names {
            var context = [Int](repeating: 0, count: contextLength)
            for character in Array(name) + ["."] {
                guard let next = index(of: character) else {
                    nnFailure("contextDataset: \(terminalSafe(name, limit: 40)) holds \(terminalSafe(String(character), limit: 8)), "
                           + "which is not in the vocabulary")
                }
                var row = [Double](repeating: 0, count: width)
                for (k, c) in context.enumerated() { row[k * v + c] = 1 }
                features += row
                labels.append(next)
                context.removeFirst()
                context.append(next)
            }
        }
        let names = characters.map(String.init)
        return Dataset(features: features, featureCount: width, labels: labels, classNames: names,
                       featureNames: (0..<contextLength).flatMap { k in names.map { "c\(k)=\($0)" } })
    }
}
