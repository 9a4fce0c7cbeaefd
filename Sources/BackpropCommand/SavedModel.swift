import Backprop
import BackpropNN
import Foundation

/// A model saved by `backprop train … --save`, loaded for `predict` and `evaluate`: its
/// description (architecture, features, standardisation, classes or target scaling) and
/// its parameters.
struct SavedModel {
    /// The file it was read from.
    let path: String
    /// What the model reads and what its outputs mean.
    let description: ModelDescription
    /// The network, with the saved parameters.
    let model: MLP<Float>

    /// Reads `path`; a file without a description, or whose parameters do not fit it, is a
    /// usage error naming the file.
    init(path: String) throws {
        do {
            description = try ModelDescription.read(path)
            let model: MLP<Float> = description.makeMLP()
            try model.load(from: path)
            self.model = model
        } catch let e as SafeTensorsError {
            throw CommandFailure(message: e.message)
        }
        self.path = path
    }

    /// Reads the model's feature columns (and `label`, if given and present) from the CSV
    /// file `csv`; a column the file has but the model does not read gets a note.
    func read(_ csv: String, label: String?, console: Console) throws -> CSVColumns {
        let columns: CSVColumns
        do {
            columns = try CSVLoader.loadColumns(csv, features: description.featureNames, label: label)
        } catch let e as DataError {
            throw CommandFailure(message: e.message)
        }
        let ignored = columns.otherColumns.filter { $0 != description.labelColumn }
        if !ignored.isEmpty {
            console.error("backprop: note: \(csv): not read (the model does not use them): \(listed(ignored))\n")
        }
        return columns
    }

    /// The model's outputs for every row, `outputs` per row: features standardised as in
    /// training, then the network run 1024 rows at a time (as `accuracy(of:on:)` does).
    func outputs(for columns: CSVColumns) -> [Float] {
        let d = description.featureNames.count
        var z = columns.features
        if let s = description.standardizer {
            for r in 0..<columns.count { for j in 0..<d { z[r * d + j] = (z[r * d + j] - s.means[j]) / s.deviations[j] } }
        }
        var out: [Float] = []
        out.reserveCapacity(columns.count * outputCount)
        for start in stride(from: 0, to: columns.count, by: 1024) {
            let end = min(start + 1024, columns.count)
            let x = Tensor<Float>(shape: [end - start, d], scalars: z[(start * d)..<(end * d)].map { Float($0) })
            out += withoutGradients { model(x) }.scalars
        }
        return out
    }

    /// Outputs per row: the class count, or 1 for regression.
    var outputCount: Int { description.sizes[description.sizes.count - 1] }

    /// The class index predicted from one row's outputs: the first largest logit (one
    /// output: 1 when it is ≥ 0.5), as `accuracy(of:on:)` decides.
    static func predictedClass(_ row: ArraySlice<Float>) -> Int {
        guard row.count > 1 else { return row[row.startIndex] >= 0.5 ? 1 : 0 }
        var best = row.startIndex
        for c in row.indices where row[c] > row[best] { best = c }
        return best - row.startIndex
    }

    /// The prediction in the target's units from one regression output.
    ///
    /// ```
    /// ŷ = output·s + m
    /// ```
    func value(_ output: Float) -> Double {
        guard case .regression(let mean, let scale) = description.task else { return Double(output) }
        return Double(output) * scale + mean
    }
}

/// `cell` quoted for a CSV line when it holds a comma, a quote or a line break (RFC 4180),
/// escaped for the terminal.
func csvCell(_ cell: String) -> String {
    let safe = terminalSafe(cell)
    guard safe.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return safe }
    return "\"" + safe.replacingOccurrences(of: "\"", with: "\"\"") + "\""
}
