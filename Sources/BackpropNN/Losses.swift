import Backprop

/// Loss functions, each a composition of differentiable tensor ops (so its gradient
/// comes from the graph, never from a hand-written formula).
///
/// Predictions and targets must have exactly the same shape: `[n, 1]` against `[n]` is
/// an error, never a silent broadcast to `[n, n]`. Label-based losses take class indices.
public enum Loss {
    /// ½ sum of squares, as in the 2-2-2 examples of the notes.
    ///
    /// ```
    /// E = ½ Σᵢ Σ_c (ŷ − y)²          ∂E/∂ŷ = ŷ − y
    /// ```
    public static func halfSumOfSquares<S: TensorScalar>(_ prediction: Tensor<S>, _ target: Tensor<S>,
                                                         file: StaticString = #fileID, line: UInt = #line) -> Tensor<S> {
        requireSameShape("halfSumOfSquares", prediction, target, file: file, line: line)
        let d = prediction - target
        return (d * d).sum() * S(0.5)
    }

    /// Sum of squared errors (the SSE of the regression notes, `000_…`).
    ///
    /// ```
    /// E = Σᵢ Σ_c (ŷ − y)²            ∂E/∂ŷ = 2(ŷ − y)
    /// ```
    public static func sumOfSquares<S: TensorScalar>(_ prediction: Tensor<S>, _ target: Tensor<S>,
                                                     file: StaticString = #fileID, line: UInt = #line) -> Tensor<S> {
        requireSameShape("sumOfSquares", prediction, target, file: file, line: line)
        let d = prediction - target
        return (d * d).sum()
    }

    /// Mean squared error with 1/m, m the number of examples (rows), as the notes write it.
    /// PyTorch's `MSELoss` divides by the number of elements instead: pass
    /// `reduction: .meanOverElements` for that (the two agree for one output).
    ///
    /// ```
    /// E = (1/m) Σᵢ Σ_c (ŷ − y)²      ∂E/∂ŷ = (2/m)(ŷ − y)        (.meanOverRows)
    /// ```
    public static func meanSquaredError<S: TensorScalar>(_ prediction: Tensor<S>, _ target: Tensor<S>,
                                                         reduction: LossReduction = .meanOverRows,
                                                         file: StaticString = #fileID, line: UInt = #line) -> Tensor<S> {
        requireSameShape("meanSquaredError", prediction, target, file: file, line: line)
        let d = prediction - target
        return reduction.reduced(d * d, rows: rows(prediction))
    }

    /// Binary log loss on probabilities (the notes' "binomial log loss").
    ///
    /// ```
    /// E = −(1/m) Σᵢ [y log p + (1 − y) log(1 − p)]
    /// ```
    /// `p` must lie in (0, 1); prefer ``binaryCrossEntropy(logits:targets:file:line:)``, which is stable.
    public static func binaryLogLoss<S: TensorScalar>(probabilities p: Tensor<S>, targets y: Tensor<S>,
                                                      reduction: LossReduction = .meanOverRows,
                                                      file: StaticString = #fileID, line: UInt = #line) -> Tensor<S> {
        requireSameShape("binaryLogLoss", p, y, file: file, line: line)
        let terms = y * p.log() + (S(1) - y) * (S(1) - p).log()
        return reduction.reduced(-terms, rows: rows(p))
    }

    /// The "multinomial log loss" exactly as `000_c92abe6349066ab2.txt` writes it: the sum over
    /// classes of per-class binary log losses (not the usual categorical cross-entropy,
    /// which keeps only the y log p terms; see ``softmaxCrossEntropy(logits:labels:file:line:)``).
    ///
    /// ```
    /// E = −(1/m) Σ_c Σᵢ [y_c log p_c + (1 − y_c) log(1 − p_c)]
    /// ```
    public static func multinomialLogLoss<S: TensorScalar>(probabilities p: Tensor<S>, oneHotTargets y: Tensor<S>,
                                                           file: StaticString = #fileID, line: UInt = #line) -> Tensor<S> {
        requireSameShape("multinomialLogLoss", p, y, file: file, line: line)
        let terms = y * p.log() + (S(1) - y) * (S(1) - p).log()
        return -terms.sum() / S(rows(p))
    }

    /// Softmax cross-entropy with integer class labels, through logSoftmax (stable for any logits).
    ///
    /// ```
    /// E = −(1/m) Σᵢ log softmax(zᵢ)[yᵢ]      ∂E/∂zᵢ = (softmax(zᵢ) − onehot(yᵢ)) / m
    /// ```
    /// Preconditions: `logits` is `[m, classes]`, `labels.count == m`, every label in `0..<classes`.
    public static func softmaxCrossEntropy<S: TensorScalar>(logits: Tensor<S>, labels: [Int],
                                                            reduction: LossReduction = .meanOverRows,
                                                            file: StaticString = #fileID, line: UInt = #line) -> Tensor<S> {
        guard logits.rank == 2, logits.shape[0] == labels.count else {
            lossError("softmaxCrossEntropy: logits of shape \(logits.shape) need to be [\(labels.count), classes] for \(labels.count) labels",
                      file: file, line: line)
        }
        if let bad = labels.first(where: { $0 < 0 || $0 >= logits.shape[1] }) {
            lossError("softmaxCrossEntropy: label \(bad) is out of range for \(logits.shape[1]) classes", file: file, line: line)
        }
        let logp = logits.logSoftmax(alongAxis: 1)
        return reduction.reduced(-logp.gathered(atClassIndices: labels), rows: labels.count)
    }

    /// Softmax cross-entropy with one-hot (or any probability-row) targets, through
    /// logSoftmax. Equal to ``softmaxCrossEntropy(logits:labels:file:line:)`` for one-hot
    /// rows; the targets are a tensor, so a compiled training step takes them as an input.
    ///
    /// ```
    /// E = −(1/m) Σᵢ Σ_c y_ic · log softmax(zᵢ)_c      ∂E/∂zᵢ = (softmax(zᵢ)·Σ_c y_ic − yᵢ) / m
    /// ```
    /// Preconditions: `logits` is `[m, classes]` and `targets` has the same shape.
    public static func softmaxCrossEntropy<S: TensorScalar>(logits: Tensor<S>, oneHotTargets targets: Tensor<S>,
                                                            reduction: LossReduction = .meanOverRows,
                                                            file: StaticString = #fileID, line: UInt = #line) -> Tensor<S> {
        guard logits.rank == 2 else {
            lossError("softmaxCrossEntropy: logits of shape \(logits.shape) need to be [examples, classes]", file: file, line: line)
        }
        requireSameShape("softmaxCrossEntropy", logits, targets, file: file, line: line)
        if reduction == .meanOverRows { return -(targets * logits.logSoftmax(alongAxis: 1)).sum() / S(rows(logits)) }
        return reduction.reduced(-(targets * logits.logSoftmax(alongAxis: 1)).sum(alongAxes: [1]), rows: rows(logits))
    }

    /// Binary cross-entropy on logits, stable for any z (never evaluates log 0).
    ///
    /// ```
    /// E = (1/m) Σ [max(z, 0) − z·y + log(1 + e^(−|z|))]      ∂E/∂z = (σ(z) − y)/m
    /// ```
    public static func binaryCrossEntropy<S: TensorScalar>(logits z: Tensor<S>, targets y: Tensor<S>,
                                                           reduction: LossReduction = .meanOverRows,
                                                           file: StaticString = #fileID, line: UInt = #line) -> Tensor<S> {
        requireSameShape("binaryCrossEntropy", z, y, file: file, line: line)
        let terms = z.relu() - z * y + ((-z.abs()).exp() + S(1)).log()
        return reduction.reduced(terms, rows: rows(z))
    }

    static func rows<S: TensorScalar>(_ t: Tensor<S>) -> Int { t.rank == 0 ? 1 : Swift.max(t.shape[0], 1) }

    static func requireSameShape<S: TensorScalar>(_ name: String, _ a: Tensor<S>, _ b: Tensor<S>,
                                                  file: StaticString, line: UInt) {
        if a.shape != b.shape {
            var hint = ""
            if a.shape.count != b.shape.count, a.count == b.count {
                hint = " (reshape one of them: the shapes would broadcast to a matrix, not compare row by row)"
            }
            lossError("\(name): prediction has shape \(a.shape) but target has shape \(b.shape)\(hint)", file: file, line: line)
        }
    }
}

/// How a loss combines its terms (one per element; one per row for the cross-entropies,
/// whose terms are already summed over the classes).
///
/// ```
/// .meanOverRows      E = (1/m) Σ terms        m = rows (examples): the lecture notes' convention, the default
/// .meanOverElements  E = (1/N) Σ terms        N = number of terms: PyTorch's reduction="mean"
/// .sum               E = Σ terms              PyTorch's reduction="sum"
/// .none              E = terms                unreduced, same shape as the terms: PyTorch's reduction="none"
/// ```
/// For the cross-entropies the terms are per row, so `.meanOverRows` and
/// `.meanOverElements` agree.
public enum LossReduction: Sendable, Equatable {
    /// Divide the sum by the number of rows (examples).
    case meanOverRows
    /// Divide the sum by the number of terms.
    case meanOverElements
    /// The sum of the terms.
    case sum
    /// The terms themselves (call `backward(upstream:)` or reduce them yourself).
    case none

    /// `terms` combined by this reduction.
    func reduced<S: TensorScalar>(_ terms: Tensor<S>, rows: Int) -> Tensor<S> {
        switch self {
        case .meanOverRows: return terms.sum() / S(rows)
        case .meanOverElements: return terms.sum() / S(Swift.max(terms.count, 1))
        case .sum: return terms.sum()
        case .none: return terms
        }
    }
}

/// Stops with a message naming the loss, the shapes and the caller's location.
func lossError(_ message: String, file: StaticString, line: UInt) -> Never {
    fatalError(message, file: file, line: line)
}
