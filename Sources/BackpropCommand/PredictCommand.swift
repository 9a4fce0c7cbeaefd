import Backprop
import BackpropNN
import Foundation

/// `backprop predict MODEL CSV [--probabilities]`: one prediction per row of CSV by a model
/// saved with `backprop train … --save`.
enum PredictCommand {
    static let usage = """
        usage: backprop predict MODEL.safetensors DATA.csv [--probabilities]
          prints one prediction per row of DATA.csv, in order: the class name, or the
          value for a regression model (in the target's units)
          MODEL            saved by backprop train … --save (it holds the architecture,
                           the standardisation and the class names)
          DATA.csv         has the model's feature columns by name, in any order; the
                           label column may be there or not (it is not read)
          --probabilities  classification: a CSV with a header, the predicted class and
                           one probability (softmax) per class
        """

    static func run(_ arguments: [String], console: Console) throws {
        var rest = arguments
        let probabilities = BackpropCommand.flag("--probabilities", in: &rest)
        if let unknown = rest.first(where: { $0.hasPrefix("-") && $0.count > 1 }) {
            throw CommandFailure(message: "unknown option '\(unknown)'")
        }
        guard rest.count == 2 else {
            throw CommandFailure(message: rest.count < 2 ? "predict needs a MODEL file and a CSV file"
                                 : "unexpected argument '\(rest[2])'")
        }
        let saved = try SavedModel(path: rest[0])
        let names = saved.description.classNames
        if probabilities && names.isEmpty {
            throw CommandFailure(message: "--probabilities: \(rest[0]) is a regression model (it predicts a value)")
        }
        let columns = try saved.read(rest[1], label: nil, console: console)
        let outputs = saved.outputs(for: columns), k = saved.outputCount
        if probabilities {
            console.print((["prediction"] + names).map(csvCell).joined(separator: ","))
        }
        var lines: [String] = []
        lines.reserveCapacity(columns.count)
        for r in 0..<columns.count {
            let row = outputs[(r * k)..<((r + 1) * k)]
            if names.isEmpty {
                lines.append(String(format: "%.7g", saved.value(row[row.startIndex])))
                continue
            }
            let name = csvCell(names[min(SavedModel.predictedClass(row), names.count - 1)])
            guard probabilities else { lines.append(name); continue }
            lines.append(([name] + softmax(row).map { String(format: "%.4f", $0) }).joined(separator: ","))
        }
        if !lines.isEmpty { console.print(lines.joined(separator: "\n")) }
    }

    /// The softmax of one row of logits, in Double; one output is read as σ(x) for class 1.
    ///
    /// ```
    /// pᵢ = e^(xᵢ − max x) / Σⱼ e^(xⱼ − max x)
    /// ```
    static func softmax(_ logits: ArraySlice<Float>) -> [Double] {
        let x = logits.map(Double.init)
        if x.count == 1 { let p = 1 / (1 + exp(-x[0])); return [p] }
        let m = x.max()!
        let e = x.map { exp($0 - m) }
        let sum = e.reduce(0, +)
        return e.map { $0 / sum }
    }
}
