import Backprop

/// A layer that names itself and infers its output shape in a model summary (`print(model)`),
/// for layers whose type is generic over more than the element type.
protocol SummarizedLayer {
    /// What the layer is, in a few words: `Embedding(27 × 10)`, `LSTM(4 → 8)`.
    var summaryKind: String { get }
    /// The output shape for an input of shape `input` (nil: unknown).
    func summaryOutput(from input: [String]?) -> [String]?
}

extension Embedding: SummarizedLayer {
    /// `Embedding(V × d)`.
    var summaryKind: String { "Embedding(\(vocabularySize) × \(embeddingSize))" }
    /// The indices' shape and the embedding: `[batch, k]` → `[batch, k, d]`.
    func summaryOutput(from input: [String]?) -> [String]? { input.map { $0 + ["\(embeddingSize)"] } }
}

extension RNNCell: SummarizedLayer {
    /// `RNNCell(I → H)`.
    var summaryKind: String { "RNNCell(\(inputSize) → \(hiddenSize))" }
    /// `[batch, H]`.
    func summaryOutput(from input: [String]?) -> [String]? { [input?.first ?? "batch", "\(hiddenSize)"] }
}

extension LSTMCell: SummarizedLayer {
    /// `LSTMCell(I → H)`.
    var summaryKind: String { "LSTMCell(\(inputSize) → \(hiddenSize))" }
    /// `[batch, H]`.
    func summaryOutput(from input: [String]?) -> [String]? { [input?.first ?? "batch", "\(hiddenSize)"] }
}

extension RecurrentLayer: SummarizedLayer {
    /// `RNN(I → H)` or `LSTM(I → H)` (the cell's name without "Cell").
    var summaryKind: String {
        let name = String(String(describing: type(of: cell)).prefix { $0 != "<" })
        return "\(name.hasSuffix("Cell") ? String(name.dropLast(4)) : name)(\(cell.inputSize) → \(cell.hiddenSize))"
    }
    /// `[batch, T, I]` → `[batch, T, H]`, or `[batch, H]` for the last step only.
    func summaryOutput(from input: [String]?) -> [String]? {
        let batch = input?.first ?? "batch"
        if output == .lastStep { return [batch, "\(cell.hiddenSize)"] }
        return [batch, input.map { $0.count > 1 ? $0[1] : "T" } ?? "T", "\(cell.hiddenSize)"]
    }
}
