import Backprop
import BackpropNN
import Foundation

/// `backprop evaluate MODEL CSV [--label COLUMN]`: the accuracy and confusion counts (or
/// the mean squared error) of a model saved with `backprop train … --save` on labelled rows.
enum EvaluateCommand {
    static let usage = """
        usage: backprop evaluate MODEL.safetensors DATA.csv [--label COLUMN]
          classification: the accuracy and the confusion counts (rows: true class,
          columns: predicted class); regression: the mean squared error, in the
          target's units
          MODEL            saved by backprop train … --save
          DATA.csv         has the model's feature columns by name and the label column
          --label COLUMN   the column of true labels (default: the one the model was
                           trained on)
        """

    static func run(_ arguments: [String], console: Console) throws {
        var rest = arguments
        let labelFlag = try BackpropCommand.option("--label", in: &rest)
        if let unknown = rest.first(where: { $0.hasPrefix("-") && $0.count > 1 }) {
            throw CommandFailure(message: "unknown option '\(unknown)'")
        }
        guard rest.count == 2 else {
            throw CommandFailure(message: rest.count < 2 ? "evaluate needs a MODEL file and a CSV file"
                                 : "unexpected argument '\(rest[2])'")
        }
        let (modelPath, csv) = (rest[0], rest[1])
        let saved = try SavedModel(path: modelPath)
        guard let label = labelFlag ?? saved.description.labelColumn else {
            throw CommandFailure(message: "\(modelPath) does not name its label column: say --label COLUMN")
        }
        let columns = try saved.read(csv, label: label, console: console)
        guard let labels = columns.labels else {
            throw CommandFailure(message: "\(csv): no column '\(terminalSafe(label, limit: 60))' of true labels "
                                 + "(to predict without them: backprop predict)")
        }
        guard columns.count > 0 else { throw CommandFailure(message: "\(csv): no data rows after the header") }
        let outputs = saved.outputs(for: columns), k = saved.outputCount
        let names = saved.description.classNames
        console.print("evaluate: \(terminalSafe(modelPath)) on \(terminalSafe(csv)), \(columns.count) rows, "
                      + (names.isEmpty ? "regression" : "\(names.count) classes"))
        if names.isEmpty {
            var sum = 0.0
            for (r, cell) in labels.enumerated() {
                guard let y = Double(cell), y.isFinite else {
                    throw CommandFailure(message: "\(csv):\(columns.lines[r]): target '\(terminalSafe(cell, limit: 60))' "
                                         + "in column '\(terminalSafe(label, limit: 60))' is not a finite number")
                }
                let e = saved.value(outputs[r]) - y
                sum += e * e
            }
            let mse = sum / Double(columns.count)
            console.print(String(format: "MSE %.6f (root %.6g), in the target's units", mse, mse.squareRoot()))
            return
        }
        let truth = try labels.enumerated().map { r, cell in
            guard let c = classIndex(of: cell, in: names) else {
                throw CommandFailure(message: "\(csv):\(columns.lines[r]): label '\(terminalSafe(cell, limit: 60))' is not "
                                     + "one of the model's classes (\(listed(names)))")
            }
            return c
        }
        var confusion = Array(repeating: Array(repeating: 0, count: names.count), count: names.count)
        for r in 0..<columns.count {
            let p = min(SavedModel.predictedClass(outputs[(r * k)..<((r + 1) * k)]), names.count - 1)
            confusion[truth[r]][p] += 1
        }
        let correct = names.indices.reduce(0) { $0 + confusion[$1][$1] }
        console.print(String(format: "accuracy %.2f %% (%d of %d)", 100 * Double(correct) / Double(columns.count),
                             correct, columns.count))
        for line in confusionTable(confusion, names: names) { console.print(line) }
    }

    /// The class a label names: the same text, else, for numbers, the one class of equal
    /// value ("1.0" for "1").
    static func classIndex(of label: String, in names: [String]) -> Int? {
        if let i = names.firstIndex(of: label) { return i }
        guard let v = Double(label) else { return nil }
        let equal = names.indices.filter { Double(names[$0]) == v }
        return equal.count == 1 ? equal[0] : nil
    }

    /// The confusion counts as lines of at most 100 columns: a table (rows: true class,
    /// columns: predicted class, numbered as the rows) when it fits, else one line per
    /// true class with its counts by predicted class number.
    static func confusionTable(_ counts: [[Int]], names: [String]) -> [String] {
        let n = names.count
        let labels = names.enumerated().map { "\($0.offset) \(terminalSafe($0.element, limit: 24))" }
        let nameWidth = max(labels.map(\.count).max() ?? 0, "true \\ predicted".count)
        let cellWidth = max(String(n - 1).count, String(counts.joined().max() ?? 0).count) + 2
        func padLeft(_ s: String, _ w: Int) -> String { String(repeating: " ", count: max(0, w - s.count)) + s }
        func padRight(_ s: String, _ w: Int) -> String { s + String(repeating: " ", count: max(0, w - s.count)) }
        if nameWidth + n * cellWidth <= 100 {
            var lines = ["confusion counts (rows: true class; columns: predicted class):"]
            lines.append(padRight("true \\ predicted", nameWidth) + (0..<n).map { padLeft(String($0), cellWidth) }.joined())
            for (i, row) in counts.enumerated() {
                lines.append(padRight(labels[i], nameWidth) + row.map { padLeft(String($0), cellWidth) }.joined())
            }
            return lines
        }
        var lines = ["confusion counts (per true class: predicted class number × count, all nonzero):"]
        for (i, row) in counts.enumerated() {
            var line = labels[i] + ":"
            for (j, c) in row.enumerated() where c > 0 {
                let item = " \(j)×\(c)"
                if line.count + item.count > 100 { lines.append(line); line = "   " }
                line += item
            }
            lines.append(line)
        }
        return lines
    }
}
