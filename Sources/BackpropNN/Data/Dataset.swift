import Backprop

/// A table of examples: numeric features, and either class labels or numeric targets.
///
/// Features are stored row-major in Double (one row per example) and converted to the
/// model's element type batch by batch. Classification sets carry `labels` (class
/// indices `0..<classCount`); regression sets carry `targets` (`targetCount` per row).
public struct Dataset: Sendable {
    /// Row-major features, `count × featureCount`.
    public var features: [Double]
    /// Features per example.
    public var featureCount: Int
    /// Class index of each example (classification), else empty.
    public var labels: [Int]
    /// Targets, `count × targetCount` (regression), else empty.
    public var targets: [Double]
    /// Targets per example (0 for classification).
    public var targetCount: Int
    /// Feature names (CSV header), if known.
    public var featureNames: [String]
    /// Class names in index order, for classification.
    public var classNames: [String]

    /// A classification set.
    ///
    /// Precondition: `features.count == labels.count × featureCount`; labels in `0..<classNames.count`.
    public init(features: [Double], featureCount: Int, labels: [Int], classNames: [String],
                featureNames: [String] = []) {
        nnPrecondition(featureCount > 0 && features.count == labels.count * featureCount,
                     "Dataset: \(features.count) feature values for \(labels.count) examples of \(featureCount) features")
        if let i = labels.firstIndex(where: { $0 < 0 || $0 >= classNames.count }) {
            nnPrecondition(false, "Dataset: label \(labels[i]) of example \(i) is outside 0..<\(classNames.count) (\(classNames.count) classes)")
        }
        Dataset.requireFinite(features, featureCount)
        self.features = features
        self.featureCount = featureCount
        self.labels = labels
        self.targets = []
        self.targetCount = 0
        self.featureNames = featureNames
        self.classNames = classNames
    }

    /// A regression set.
    ///
    /// Precondition: `features.count == n × featureCount` and `targets.count == n × targetCount`.
    public init(features: [Double], featureCount: Int, targets: [Double], targetCount: Int = 1,
                featureNames: [String] = []) {
        nnPrecondition(featureCount > 0 && targetCount > 0, "Dataset: feature and target counts must be positive")
        nnPrecondition(features.count % featureCount == 0 && targets.count % targetCount == 0
                     && features.count / featureCount == targets.count / targetCount,
                     "Dataset: \(features.count / featureCount) feature rows but \(targets.count / targetCount) target rows")
        Dataset.requireFinite(features, featureCount)
        if let i = targets.firstIndex(where: { !$0.isFinite }) {
            nnPrecondition(false, "Dataset: target \(targets[i]) of example \(i / targetCount) is not finite")
        }
        self.features = features
        self.featureCount = featureCount
        self.labels = []
        self.targets = targets
        self.targetCount = targetCount
        self.featureNames = featureNames
        self.classNames = []
    }

    /// Number of examples.
    public var count: Int { features.count / featureCount }

    /// Stops with a message naming the first NaN or infinite feature value.
    static func requireFinite(_ features: [Double], _ featureCount: Int) {
        if let i = features.firstIndex(where: { !$0.isFinite }) {
            nnPrecondition(false, "Dataset: feature \(i % featureCount) of example \(i / featureCount) is \(features[i]), not finite")
        }
    }

    /// Stops with a message naming the first row index outside `0..<count`.
    @usableFromInline
    func requireRows(_ rows: [Int], _ name: String, file: StaticString, line: UInt) {
        if let bad = rows.first(where: { $0 < 0 || $0 >= count }) {
            nnPrecondition(false, "Dataset.\(name): row \(bad) is out of range for \(count) examples", file: file, line: line)
        }
    }

    /// Whether the examples carry class labels.
    public var isClassification: Bool { !classNames.isEmpty }

    /// Number of classes (0 for regression).
    public var classCount: Int { classNames.count }

    /// The examples at `indices`, in that order.
    public func subset(_ indices: [Int], file: StaticString = #fileID, line: UInt = #line) -> Dataset {
        requireRows(indices, "subset", file: file, line: line)
        var copy = self
        copy.features = []
        copy.features.reserveCapacity(indices.count * featureCount)
        for i in indices { copy.features.append(contentsOf: features[(i * featureCount)..<((i + 1) * featureCount)]) }
        if isClassification {
            copy.labels = indices.map { labels[$0] }
        } else {
            copy.targets = []
            for i in indices { copy.targets.append(contentsOf: targets[(i * targetCount)..<((i + 1) * targetCount)]) }
        }
        return copy
    }

    /// A seeded random split into a training and a test set.
    ///
    /// - Parameter testFraction: The share of examples held out (0…1).
    public func split(testFraction: Double, seed: UInt64) -> (train: Dataset, test: Dataset) {
        nnPrecondition(testFraction >= 0 && testFraction < 1, "split: testFraction \(testFraction) is not in [0, 1)")
        var rng = SeededGenerator(seed: seed)
        let order = shuffledIndices(count, using: &rng)
        let testCount = Int((Double(count) * testFraction).rounded())
        return (subset(Array(order[testCount...])), subset(Array(order[..<testCount])))
    }

    /// The features as a `[rows, featureCount]` tensor for the given rows.
    @inlinable
    public func featureTensor<Scalar: TensorScalar>(rows: [Int]? = nil, as: Scalar.Type = Scalar.self,
                                              file: StaticString = #fileID, line: UInt = #line) -> Tensor<Scalar> {
        let rows = rows ?? Array(0..<count)
        requireRows(rows, "featureTensor", file: file, line: line)
        return Dataset.gatheredRows(features, width: featureCount, rows: rows)
    }

    /// The targets as a `[rows, targetCount]` tensor (regression sets).
    @inlinable
    public func targetTensor<Scalar: TensorScalar>(rows: [Int]? = nil, as: Scalar.Type = Scalar.self,
                                              file: StaticString = #fileID, line: UInt = #line) -> Tensor<Scalar> {
        let rows = rows ?? Array(0..<count)
        requireRows(rows, "targetTensor", file: file, line: line)
        return Dataset.gatheredRows(targets, width: targetCount, rows: rows)
    }

    /// Rows `rows` of a row-major table of `width` columns, as a `[rows, width]` tensor.
    @inlinable
    static func gatheredRows<Scalar: TensorScalar>(_ table: [Double], width: Int, rows: [Int]) -> Tensor<Scalar> {
        // Called from generic code (such as `train`), a per-element generic conversion and
        // append cost more than the rest of a small training step: the two element types
        // get loops over concrete types.
        let n = rows.count * width
        let values: [Scalar]
        if Scalar.self == Float.self {
            let floats = [Float](unsafeUninitializedCapacity: n) { out, initialized in
                table.withUnsafeBufferPointer { t in
                    var k = 0
                    for r in rows {
                        for j in 0..<width { out[k + j] = Float(t[r * width + j]) }
                        k += width
                    }
                }
                initialized = n
            }
            values = unsafeBitCast(floats, to: [Scalar].self)
        } else if Scalar.self == Double.self {
            let doubles = [Double](unsafeUninitializedCapacity: n) { out, initialized in
                table.withUnsafeBufferPointer { t in
                    var k = 0
                    for r in rows {
                        for j in 0..<width { out[k + j] = t[r * width + j] }
                        k += width
                    }
                }
                initialized = n
            }
            values = unsafeBitCast(doubles, to: [Scalar].self)
        } else {
            values = rows.flatMap { r in (0..<width).map { Scalar(table[r * width + $0]) } }
        }
        return Tensor(shape: [rows.count, width], scalars: values)
    }
}

/// Feature standardisation: x′ = (x − μ) / σ per feature, with μ and σ fitted on one set
/// (the training set) and applied to others. Constant features get σ = 1.
public struct Standardizer: Sendable, Equatable {
    /// Per-feature means.
    public var means: [Double]
    /// Per-feature standard deviations (population), 1 where a feature is constant.
    public var deviations: [Double]

    /// A standardisation with known μ and σ (one of each per feature), such as one read
    /// from a model file.
    ///
    /// Precondition: as many deviations as means, each finite and positive.
    public init(means: [Double], deviations: [Double]) {
        nnPrecondition(means.count == deviations.count,
                       "Standardizer: \(means.count) means but \(deviations.count) deviations")
        nnPrecondition(means.allSatisfy(\.isFinite) && deviations.allSatisfy { $0.isFinite && $0 > 0 },
                       "Standardizer: means must be finite and deviations finite and positive")
        self.means = means
        self.deviations = deviations
    }

    /// Fits μ and σ on `data`.
    public init(fittingOn data: Dataset) {
        nnPrecondition(data.count > 0, "Standardizer: cannot fit on an empty data set")
        let n = Double(data.count), d = data.featureCount
        var mean = Array(repeating: 0.0, count: d), sq = Array(repeating: 0.0, count: d)
        for r in 0..<data.count { for j in 0..<d { mean[j] += data.features[r * d + j] } }
        for j in 0..<d { mean[j] /= n }
        for r in 0..<data.count {
            for j in 0..<d { let c = data.features[r * d + j] - mean[j]; sq[j] += c * c }
        }
        means = mean
        deviations = sq.map { let s = ($0 / n).squareRoot(); return s > 1e-12 ? s : 1 }
        for j in 0..<d where !(means[j].isFinite && deviations[j].isFinite) {
            // A value near the top of Double's range overflows the sums or the squares
            // (1e155² = ∞, which would make σ infinite and zero the feature): compute this
            // feature again in units of its largest magnitude.
            (means[j], deviations[j]) = Standardizer.scaledMoments(of: data, feature: j)
        }
    }

    /// μ and σ of one feature computed in units of its largest magnitude m, so that no
    /// sum or square overflows for finite values.
    ///
    /// ```
    /// μ = m·mean(x/m),   σ = m·σ(x/m)
    /// ```
    static func scaledMoments(of data: Dataset, feature j: Int) -> (mean: Double, deviation: Double) {
        let n = Double(data.count), d = data.featureCount
        var m = 0.0
        for r in 0..<data.count { m = Swift.max(m, Swift.abs(data.features[r * d + j])) }
        guard m > 0 else { return (0, 1) }
        var mean = 0.0, sq = 0.0
        for r in 0..<data.count { mean += data.features[r * d + j] / m }
        mean /= n
        for r in 0..<data.count { let c = data.features[r * d + j] / m - mean; sq += c * c }
        let sigma = (sq / n).squareRoot() * m
        return (mean * m, sigma > 1e-12 ? sigma : 1)
    }

    /// Features in which one value dominates: after standardisation it lies at almost
    /// the largest distance n − 1 rows allow, so every other row of that feature is
    /// squeezed to nearly one value and the feature carries almost nothing but that
    /// row (a typo or a unit error such as 1e155 in one cell). Sets of fewer than 10
    /// rows are not judged.
    ///
    /// ```
    /// |zᵣⱼ| ≥ 0.99·√(n − 1),   zᵣⱼ = (xᵣⱼ − μⱼ)/σⱼ   (√(n − 1) is the bound for one outlier)
    /// ```
    public func dominatingValues(in data: Dataset) -> [(feature: Int, row: Int, value: Double)] {
        guard data.count >= 10, data.featureCount == means.count else { return [] }
        let d = data.featureCount, bound = 0.99 * Double(data.count - 1).squareRoot()
        var found: [(feature: Int, row: Int, value: Double)] = []
        for j in 0..<d {
            for r in 0..<data.count {
                let x = data.features[r * d + j]
                if Swift.abs((x - means[j]) / deviations[j]) >= bound {
                    found.append((j, r, x))
                    break
                }
            }
        }
        return found
    }

    /// `data` with every feature standardised.
    public func applied(to data: Dataset) -> Dataset {
        nnPrecondition(data.featureCount == means.count,
                     "Standardizer: fitted on \(means.count) features, applied to \(data.featureCount)")
        var copy = data
        let d = data.featureCount
        for r in 0..<data.count { for j in 0..<d { copy.features[r * d + j] = (data.features[r * d + j] - means[j]) / deviations[j] } }
        return copy
    }
}

/// A uniformly random permutation of `0..<n` (Fisher–Yates with the seeded generator,
/// so the same seed gives the same order on every platform).
public func shuffledIndices(_ n: Int, using rng: inout SeededGenerator) -> [Int] {
    var a = Array(0..<n)
    if n < 2 { return a }
    for i in stride(from: n - 1, to: 0, by: -1) {
        let j = rng.nextInt(below: i + 1)
        a.swapAt(i, j)
    }
    return a
}
