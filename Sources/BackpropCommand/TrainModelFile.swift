import Backprop
import BackpropNN
import Foundation

/// What `train --load FILE` and `train --save FILE` need besides the parameters: the saved
/// architecture (checked against the flags and the data), the standardisation and the
/// target's scaling.
extension TrainCommand {
    /// The architecture saved in a model file: the full description when the file has one,
    /// else only the `sizes` and `activation` that older files carry (or nothing).
    struct SavedArchitecture {
        var description: ModelDescription?
        var sizes: [Int]?
        var activation: Activation?

        /// The hidden widths (sizes without the first and the last).
        var hidden: [Int]? { sizes.map { Array($0.dropFirst().dropLast()) } }
    }

    /// Reads what `path` says about the model it holds, for `--load`.
    static func savedArchitecture(_ path: String) throws -> SavedArchitecture {
        let file: SafeTensorsFile
        do { file = try SafeTensorsFile.read(path) } catch let e as SafeTensorsError { throw CommandFailure(message: e.message) }
        if file.metadata["format"] != nil {
            do {
                let d = try ModelDescription(metadata: file.metadata, source: path)
                return SavedArchitecture(description: d, sizes: d.sizes, activation: d.activation)
            } catch let e as SafeTensorsError { throw CommandFailure(message: "--load \(e.message)") }
        }
        // Files saved before the description: "sizes" 2,4,2 and "activation" as Swift printed it.
        let sizes = file.metadata["sizes"].map { $0.split(separator: ",").compactMap { Int($0) } }.flatMap { $0.count >= 2 ? $0 : nil }
        let activation = file.metadata["activation"].flatMap { name in
            Activation(name: name) ?? (name.hasPrefix("leakyRelu(slope: ") ? Activation(name: "leaky-relu") : nil)
        }
        return SavedArchitecture(description: nil, sizes: sizes, activation: activation)
    }

    /// The hidden widths and activation to build: the flags', the file's (with `--load`), or
    /// the data set's defaults; a flag that disagrees with the file is an error naming both.
    static func architecture(flags options: Options, saved: SavedArchitecture?, path: String?,
                             defaults: (hidden: [Int], activation: Activation)) throws -> (hidden: [Int], activation: Activation) {
        let path = path ?? ""
        if let flag = options.hidden, let file = saved?.hidden, flag != file {
            throw CommandFailure(message: "--hidden \(widths(flag)) disagrees with \(path), saved with --hidden \(widths(file)); "
                                 + "leave --hidden out to continue training the saved model")
        }
        if let flag = options.activation, let file = saved?.activation, flag != file {
            throw CommandFailure(message: "--activation \(flag.savedName) disagrees with \(path), saved with --activation "
                                 + "\(file.savedName); leave --activation out to continue training the saved model")
        }
        return (options.hidden ?? saved?.hidden ?? defaults.hidden, options.activation ?? saved?.activation ?? defaults.activation)
    }

    /// Checks that a loaded model reads the same inputs and means the same outputs as the
    /// data: the number of features and outputs, and with a description their names and
    /// the class names (the same class count in another order would be silently wrong).
    static func checkSaved(_ saved: SavedArchitecture, path: String, against data: Dataset, set: String) throws {
        let outputs = data.isClassification ? data.classCount : data.targetCount
        if let sizes = saved.sizes, sizes.first != data.featureCount || sizes.last != outputs {
            throw CommandFailure(message: "\(path) is an MLP \(widths(sizes, separator: "-")) (\(sizes[0]) inputs, "
                                 + "\(sizes[sizes.count - 1]) outputs); \(set) has \(data.featureCount) features and "
                                 + (data.isClassification ? "\(data.classCount) classes" : "\(outputs) targets"))
        }
        guard let d = saved.description else { return }
        if d.isClassification != data.isClassification {
            throw CommandFailure(message: "\(path) is a \(d.isClassification ? "classification" : "regression") model; "
                                 + "\(set) is read for \(data.isClassification ? "classification" : "regression")")
        }
        let names = featureNames(of: data)
        if d.featureNames != names {
            throw CommandFailure(message: "\(path) reads the features \(listed(d.featureNames)); \(set) has \(listed(names))")
        }
        if d.classNames != data.classNames {
            throw CommandFailure(message: "\(path) has the classes \(listed(d.classNames)); \(set) has \(listed(data.classNames))")
        }
    }

    /// The data's feature names, or x1, x2, … when it has none.
    static func featureNames(of data: Dataset) -> [String] {
        data.featureNames.count == data.featureCount ? data.featureNames : (1...data.featureCount).map { "x\($0)" }
    }

    /// μ and σ (population; 1 for a constant target) of a regression set's single target.
    static func targetScaling(of data: Dataset) -> (mean: Double, scale: Double) {
        let n = Double(data.targets.count)
        let mean = data.targets.reduce(0, +) / n
        let variance = data.targets.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / n
        let scale = variance.squareRoot()
        return (mean, scale > 1e-12 && scale.isFinite ? scale : 1)
    }

    /// `data` with its targets scaled to (y − mean) / scale.
    static func scalingTargets(_ data: Dataset, mean: Double, scale: Double) -> Dataset {
        var copy = data
        copy.targets = data.targets.map { ($0 - mean) / scale }
        return copy
    }

    /// Refuses a class column that looks like a regression target: every label a number
    /// and more than ``maximumNumericClasses`` distinct values. The user chooses with
    /// `--regression` or `--classification`.
    static func checkTargetKind(_ data: Dataset, label: String, options: Options) throws {
        guard data.isClassification, !options.classification, data.classCount > maximumNumericClasses,
              data.classNames.allSatisfy({ Double($0) != nil }) else { return }
        throw CommandFailure(message: "column '\(terminalSafe(label, limit: 60))' holds \(data.classCount) distinct numbers "
                             + "in \(data.count) rows: a regression target? Say --regression (predict the number) "
                             + "or --classification (one class per value)")
    }

    /// Above this many distinct numeric labels, `train csv` asks for `--regression` or
    /// `--classification`.
    static let maximumNumericClasses = 20

    /// The description saved with the model.
    static func description(sizes: [Int], activation: Activation, data: Dataset, label: String?,
                            standardizer: Standardizer?, targetScaling: (mean: Double, scale: Double)?) -> ModelDescription {
        let task: ModelDescription.Task = data.isClassification
            ? .classification(classNames: data.classNames)
            : .regression(targetMean: targetScaling?.mean ?? 0, targetScale: targetScaling?.scale ?? 1)
        return ModelDescription(sizes: sizes, activation: activation, featureNames: featureNames(of: data),
                                labelColumn: label, task: task, standardizer: standardizer)
    }
}

/// `[16, 16]` as `16,16` (or with another separator).
func widths(_ sizes: [Int], separator: String = ",") -> String { sizes.map(String.init).joined(separator: separator) }

/// Names for a message: quoted, escaped, at most 8 then "… (N in all)".
func listed(_ names: [String]) -> String {
    let shown = names.prefix(8).map { "'\(terminalSafe($0, limit: 30))'" }.joined(separator: ", ")
    return names.count > 8 ? "\(shown), … (\(names.count) in all)" : (names.isEmpty ? "none" : shown)
}
