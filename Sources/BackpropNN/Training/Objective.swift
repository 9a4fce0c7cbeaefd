import Backprop

/// What a training run minimises, and how its predictions are scored.
public enum Objective: Sendable {
    /// Softmax cross-entropy on logits with integer labels (classification).
    case softmaxCrossEntropy
    /// Mean squared error, 1/m (regression).
    case meanSquaredError
    /// ½ sum of squares (the lecture examples).
    case halfSumOfSquares

    /// The loss of `output` on rows `rows` of `data`.
    public func loss<S: TensorScalar>(_ output: Tensor<S>, _ data: Dataset, rows: [Int]) -> Tensor<S> {
        switch self {
        case .softmaxCrossEntropy:
            nnPrecondition(data.isClassification, "softmaxCrossEntropy needs a data set with class labels")
            return Loss.softmaxCrossEntropy(logits: output, labels: rows.map { data.labels[$0] })
        case .meanSquaredError:
            return Loss.meanSquaredError(output, targets(data, rows, like: output))
        case .halfSumOfSquares:
            return Loss.halfSumOfSquares(output, targets(data, rows, like: output))
        }
    }

    /// The loss of `output` against tensor targets (from ``targets(_:rows:as:)``): the same
    /// loss as ``loss(_:_:rows:)``, with class labels as one-hot rows, so a compiled
    /// training step can take the targets as an input. Softmax cross-entropy goes through
    /// ``Loss/softmaxCrossEntropy(logits:oneHotTargets:file:line:)``, which equals the
    /// label form to rounding.
    ///
    /// ```
    /// loss(output, targets: targets(data, rows: rows, as: S.self)) ≈ loss(output, data, rows: rows)
    /// ```
    public func loss<S: TensorScalar>(_ output: Tensor<S>, targets: Tensor<S>) -> Tensor<S> {
        switch self {
        case .softmaxCrossEntropy: return Loss.softmaxCrossEntropy(logits: output, oneHotTargets: targets)
        case .meanSquaredError: return Loss.meanSquaredError(output, targets)
        case .halfSumOfSquares: return Loss.halfSumOfSquares(output, targets)
        }
    }

    /// The targets of rows `rows` of `data` as a tensor, for ``loss(_:targets:)``: one-hot
    /// rows `[rows.count, classes]` for a classification set, the regression targets otherwise.
    ///
    /// Precondition: softmax cross-entropy needs a data set with class labels.
    public func targets<S: TensorScalar>(_ data: Dataset, rows: [Int], as type: S.Type = S.self) -> Tensor<S> {
        if case .softmaxCrossEntropy = self {
            nnPrecondition(data.isClassification, "softmaxCrossEntropy needs a data set with class labels")
        }
        return Objective.targetTensor(data, rows, as: type)
    }

    /// Regression targets, or one-hot labels for a classification set.
    func targets<S: TensorScalar>(_ data: Dataset, _ rows: [Int], like output: Tensor<S>) -> Tensor<S> {
        Objective.targetTensor(data, rows, as: S.self)
    }

    /// Regression targets, or one-hot labels for a classification set (`classes` columns,
    /// by default the set's class count; at least that many).
    static func targetTensor<S: TensorScalar>(_ data: Dataset, _ rows: [Int], as type: S.Type,
                                              classes: Int? = nil) -> Tensor<S> {
        if data.isClassification {
            let width = Swift.max(classes ?? data.classCount, data.classCount)
            var v = [S](repeating: 0, count: rows.count * width)
            for (i, r) in rows.enumerated() { v[i * width + data.labels[r]] = 1 }
            return Tensor(shape: [rows.count, width], scalars: v)
        }
        return data.targetTensor(rows: rows)
    }
}

/// The share of examples whose largest output is the true class (for one output: output ≥ 0.5
/// means class 1). The model runs on `batchSize` rows at a time, so memory holds one
/// batch's outputs (`batchSize × classes`), not the whole set's.
///
/// ```
/// accuracy = (1/m) Σᵢ [argmax_c ŷᵢ꜀ = yᵢ]
/// ```
public func accuracy<Model: Layer>(of model: Model, on data: Dataset, batchSize: Int = 1024) -> Double {
    nnPrecondition(data.isClassification, "accuracy: the data set has no class labels")
    var correct = 0
    forEachBatch(of: model, on: data, batchSize: batchSize, caller: "accuracy") { rows, output in
        let classes = output.shape[1], values = output.scalars
        for (i, r) in rows.enumerated() {
            let predicted: Int
            if classes == 1 {
                predicted = values[i] >= 0.5 ? 1 : 0
            } else {
                var best = 0
                for c in 1..<classes where values[i * classes + c] > values[i * classes + best] { best = c }
                predicted = best
            }
            if predicted == data.labels[r] { correct += 1 }
        }
    }
    return Double(correct) / Double(data.count)
}

/// The mean squared error (1/m) of a regression model on `data`, computed `batchSize` rows
/// at a time and combined by rows.
///
/// ```
/// E = (1/m) Σ_b m_b·E_b,   E_b the mean squared error of batch b of m_b rows
/// ```
public func meanSquaredError<Model: Layer>(of model: Model, on data: Dataset, batchSize: Int = 1024) -> Double {
    nnPrecondition(!data.isClassification, "meanSquaredError: the data set has class labels, not targets")
    var total = 0.0
    forEachBatch(of: model, on: data, batchSize: batchSize, caller: "meanSquaredError") { rows, output in
        let batch = Double(Loss.meanSquaredError(output, data.targetTensor(rows: rows, as: Model.Scalar.self)).scalar)
        total += batch * Double(rows.count)
    }
    return total / Double(data.count)
}

/// Runs `model` on `data` `batchSize` rows at a time, in evaluation mode (``LayerMode``:
/// no dropout, batch normalisation by its running statistics, which stay unchanged) and
/// without recording gradients, and hands each batch's row indices and outputs to
/// `body`: memory holds one batch's outputs, never rows × outputs. The model's modes are
/// put back afterwards.
///
/// ```
/// body(rows_b, model(X[rows_b]))   for b = 0, 1, …   (rows_b = [b·B, min((b+1)·B, m)))
/// ```
func forEachBatch<Model: Layer>(
    of model: Model, on data: Dataset, batchSize: Int, caller: String,
    _ body: (_ rows: [Int], _ output: Tensor<Model.Scalar>) -> Void
) {
    nnPrecondition(batchSize > 0, "\(caller): batchSize \(batchSize) must be positive")
    let batchSize = Swift.min(batchSize, Swift.max(data.count, 1))   // no overflow in the stride
    model.withMode(.evaluation) {
        for start in stride(from: 0, to: data.count, by: batchSize) {
            let rows = Array(start..<Swift.min(start + batchSize, data.count))
            body(rows, withoutGradients { model(data.featureTensor(rows: rows, as: Model.Scalar.self)) })
        }
    }
}
