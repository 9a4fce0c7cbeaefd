import Backprop
import Foundation

/// What a trained MLP needs to be used on its own, stored as strings in the safetensors
/// `__metadata__` next to its parameters: the architecture and activation, the names of
/// the feature columns and the standardisation fitted on them, and either the class
/// names (classification) or the target's scaling (regression).
///
/// A prediction for a row x of raw features:
///
/// ```
/// z = (x − μ) / σ                 (per feature; μ, σ fitted on the training rows)
/// classification: argmax_c MLP(z)_c → classNames[c],   p = softmax(MLP(z))
/// regression:     ŷ = MLP(z)·s + m  (the model learnt the target scaled: (y − m)/s)
/// ```
///
/// ```swift
/// import BackpropNN
///
/// let description = ModelDescription(
///     sizes: [2, 8, 3], activation: .tanh, featureNames: ["x", "y"], labelColumn: "kind",
///     task: .classification(classNames: ["a", "b", "c"]),
///     standardizer: Standardizer(means: [0.5, -1], deviations: [2, 0.25]))
/// let metadata = description.metadata                         // strings, for save(to:metadata:)
/// let back = try ModelDescription(metadata: metadata, source: "model.safetensors")
/// assert(back == description)
/// let model: MLP<Float> = back.makeMLP()                      // then model.load(from:)
/// ```
public struct ModelDescription: Sendable, Equatable {
    /// What the outputs mean.
    public enum Task: Sendable, Equatable {
        /// One output (logit) per class, in the order of `classNames`.
        case classification(classNames: [String])
        /// One output: the target scaled to (y − targetMean) / targetScale.
        case regression(targetMean: Double, targetScale: Double)
    }

    /// Layer widths, input first (features, hidden layers…, outputs).
    public var sizes: [Int]
    /// The activation between the linear layers (the output layer has none).
    public var activation: Activation
    /// The feature columns, in the order the model reads them.
    public var featureNames: [String]
    /// The label (or target) column of the training data, if known.
    public var labelColumn: String?
    /// Classification with class names, or regression with the target's scaling.
    public var task: Task
    /// The feature standardisation fitted on the training rows, or nil if the model
    /// reads raw features.
    public var standardizer: Standardizer?

    /// The format tag stored under `format`.
    public static let formatTag = "backprop-mlp/1"

    /// Creates a description; see the properties.
    public init(sizes: [Int], activation: Activation, featureNames: [String], labelColumn: String? = nil,
                task: Task, standardizer: Standardizer?) {
        self.sizes = sizes
        self.activation = activation
        self.featureNames = featureNames
        self.labelColumn = labelColumn
        self.task = task
        self.standardizer = standardizer
    }

    /// Whether the model classifies (else it regresses one target).
    public var isClassification: Bool {
        if case .classification = task { return true }
        return false
    }

    /// The class names (empty for regression).
    public var classNames: [String] {
        if case .classification(let names) = task { return names }
        return []
    }

    /// The metadata strings that ``init(metadata:source:)`` reads back. Numbers are
    /// written in Swift's shortest form that reads back to the same `Double`; names as
    /// JSON arrays of strings.
    public var metadata: [String: String] {
        var m: [String: String] = [
            "format": Self.formatTag,
            "sizes": sizes.map(String.init).joined(separator: ","),
            "activation": activation.savedName,
            "features": jsonArray(featureNames),
        ]
        if let labelColumn { m["label"] = labelColumn }
        switch task {
        case .classification(let names):
            m["task"] = "classification"
            m["classes"] = jsonArray(names)
        case .regression(let mean, let scale):
            m["task"] = "regression"
            m["target_mean"] = "\(mean)"
            m["target_scale"] = "\(scale)"
        }
        if let standardizer {
            m["feature_means"] = standardizer.means.map { "\($0)" }.joined(separator: ",")
            m["feature_scales"] = standardizer.deviations.map { "\($0)" }.joined(separator: ",")
        }
        return m
    }

    /// Reads a description from safetensors metadata; `source` (the file) names it in
    /// errors. Everything is checked against everything else: the feature count against
    /// the input width and the standardisation, the classes against the output width,
    /// every scale finite and positive. A file saved without a description (by
    /// `Layer.save` alone, or an older `backprop train`) is an error that says so.
    public init(metadata m: [String: String], source: String) throws {
        func fail(_ problem: String) -> SafeTensorsError { SafeTensorsError("\(source): \(problem)") }
        guard let format = m["format"] else {
            throw fail("no model description in the metadata (sizes, activation, features, classes or "
                       + "target scaling): it was saved without them; train again with backprop train … --save")
        }
        guard format == Self.formatTag else {
            throw fail("model format '\(terminalSafe(format, limit: 40))' is not \(Self.formatTag)")
        }
        func field(_ key: String) throws -> String {
            guard let v = m[key] else { throw fail("the model description has no '\(key)'") }
            return v
        }
        func numbers(_ key: String) throws -> [Double] {
            let text = try field(key)
            let parts = text.split(separator: ",", omittingEmptySubsequences: false)
            let values = parts.map { Double($0) }
            guard let i = values.firstIndex(where: { $0 == nil || !$0!.isFinite }) else { return values.map { $0! } }
            throw fail("'\(key)': '\(terminalSafe(parts[i], limit: 40))' is not a finite number")
        }
        func names(_ key: String) throws -> [String] {
            let text = try field(key)
            guard let array = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String] else {
                throw fail("'\(key)' is not a JSON array of strings")
            }
            return array
        }
        let sizeText = try field("sizes")
        let sizes = sizeText.split(separator: ",", omittingEmptySubsequences: false).map { Int($0) }
        guard sizes.count >= 2, sizes.allSatisfy({ ($0 ?? 0) > 0 }) else {
            throw fail("'sizes' is '\(terminalSafe(sizeText, limit: 40))', not positive widths like 4,16,3")
        }
        self.sizes = sizes.map { $0! }
        let activationName = try field("activation")
        guard let activation = Activation(savedName: activationName) else {
            throw fail("unknown activation '\(terminalSafe(activationName, limit: 40))'")
        }
        self.activation = activation
        featureNames = try names("features")
        guard featureNames.count == self.sizes[0] else {
            throw fail("\(featureNames.count) feature names for a model of \(self.sizes[0]) inputs")
        }
        labelColumn = m["label"]
        let outputs = self.sizes[self.sizes.count - 1]
        switch try field("task") {
        case "classification":
            let classes = try names("classes")
            guard classes.count == outputs, Set(classes).count == classes.count else {
                throw fail("\(classes.count) class names (\(Set(classes).count) distinct) for a model of \(outputs) outputs")
            }
            task = .classification(classNames: classes)
        case "regression":
            let mean = try numbers("target_mean"), scale = try numbers("target_scale")
            guard mean.count == 1, scale.count == 1, scale[0] > 0, outputs == 1 else {
                throw fail("regression needs one output, one target_mean and one positive target_scale")
            }
            task = .regression(targetMean: mean[0], targetScale: scale[0])
        case let other:
            throw fail("unknown task '\(terminalSafe(other, limit: 40))' (classification or regression)")
        }
        switch (m["feature_means"], m["feature_scales"]) {
        case (nil, nil):
            standardizer = nil
        case (.some, .some):
            let means = try numbers("feature_means"), scales = try numbers("feature_scales")
            guard means.count == featureNames.count, scales.count == featureNames.count else {
                throw fail("\(means.count) feature means and \(scales.count) scales for \(featureNames.count) features")
            }
            guard scales.allSatisfy({ $0 > 0 }) else { throw fail("'feature_scales' must all be positive") }
            standardizer = Standardizer(means: means, deviations: scales)
        default:
            throw fail("feature_means and feature_scales must be saved together")
        }
    }

    /// Reads the description of the model saved in `path`.
    public static func read(_ path: String) throws -> ModelDescription {
        try ModelDescription(metadata: try SafeTensorsFile.read(path).metadata, source: path)
    }

    /// A fresh MLP of this architecture (load its parameters with `load(from:)`).
    public func makeMLP<Scalar: TensorScalar>(seed: UInt64 = 0, as: Scalar.Type = Scalar.self) -> MLP<Scalar> {
        MLP<Scalar>(sizes, activation: activation, seed: seed)
    }
}

extension Activation {
    /// The name stored in a model file: the name ``init(name:)`` reads (`leaky-relu` for
    /// slope 0.01), or `leaky-relu:SLOPE` for another slope.
    public var savedName: String {
        switch self {
        case .identity: return "identity"
        case .step: return "step"
        case .sigmoid: return "sigmoid"
        case .tanh: return "tanh"
        case .relu: return "relu"
        case .leakyRelu(let slope): return slope == 0.01 ? "leaky-relu" : "leaky-relu:\(slope)"
        case .softmax: return "softmax"
        }
    }

    /// Reads ``savedName``.
    init?(savedName: String) {
        if savedName.hasPrefix("leaky-relu:") {
            guard let slope = Double(savedName.dropFirst("leaky-relu:".count)), slope.isFinite else { return nil }
            self = .leakyRelu(slope: slope)
        } else {
            self.init(name: savedName)
        }
    }
}

/// `names` as a JSON array of strings.
private func jsonArray(_ names: [String]) -> String {
    let data = (try? JSONSerialization.data(withJSONObject: names, options: [.withoutEscapingSlashes])) ?? Data("[]".utf8)
    return String(decoding: data, as: UTF8.self)
}
