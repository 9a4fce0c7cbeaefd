import Backprop

/// One row of a model summary: a layer's index, what it is, its output shape (when
/// known) and its parameter count.
struct SummaryRow {
    let name: String
    let kind: String
    let output: String
    let parameters: Int
}

/// What a layer is, in a few words: `Linear(784 → 128)`, `Activation(relu)`, or the
/// type's name without its generic arguments.
func layerKind<Scalar: TensorScalar>(_ layer: any Layer<Scalar>) -> String {
    switch layer {
    case let linear as Linear<Scalar>: return "Linear(\(linear.inputSize) → \(linear.outputSize))"
    case let activation as ActivationLayer<Scalar>: return "Activation(\(activation.activation))"
    case let sequential as Sequential<Scalar>: return "Sequential(\(sequential.layers.count) layers)"
    case let mlp as MLP<Scalar>: return "MLP(\(mlp.sizes))"
    case let conv as Conv2d<Scalar>:
        return "Conv2d(\(conv.inputChannels) → \(conv.outputChannels), \(conv.kernelSize)×\(conv.kernelSize)"
            + (conv.stride != 1 ? ", stride \(conv.stride)" : "") + (conv.padding != 0 ? ", pad \(conv.padding)" : "") + ")"
    case let pool as Pool2d<Scalar>:
        return "\(pool.kind == .maximum ? "MaxPool" : "AvgPool")(\(pool.kernelSize)×\(pool.kernelSize)"
            + (pool.stride != pool.kernelSize ? ", stride \(pool.stride)" : "") + ")"
    case let reshape as Reshape<Scalar>: return "Reshape(\(reshape.shape))"
    case let layer as any SummarizedLayer: return layer.summaryKind
    default:
        let name = String(describing: type(of: layer))
        return String(name.prefix { $0 != "<" })
    }
}

/// The output shape of `layer` for an input of shape `input` (nil: unknown), known
/// without running it: a linear layer gives [batch, out], an activation keeps its input's.
func inferredOutput<Scalar: TensorScalar>(_ layer: any Layer<Scalar>, from input: [String]?) -> [String]? {
    switch layer {
    case let linear as Linear<Scalar>: return [input?.first ?? "batch", "\(linear.outputSize)"]
    case is ActivationLayer<Scalar>: return input
    case let sequential as Sequential<Scalar>: return sequential.layers.reduce(input) { inferredOutput($1, from: $0) }
    case let mlp as MLP<Scalar>: return inferredOutput(mlp.body, from: input)
    case is LayerNorm<Scalar>, is BatchNorm<Scalar>, is Dropout<Scalar>: return input
    case let reshape as Reshape<Scalar>:
        let batch = input?.first ?? "batch"
        guard reshape.shape.contains(-1) else { return [batch] + reshape.shape.map(String.init) }
        guard let rest = input?.dropFirst().map({ Int($0) }), rest.allSatisfy({ $0 != nil }) else { return nil }
        let count = rest.reduce(1) { $0 * $1! }, known = reshape.shape.filter { $0 != -1 }.reduce(1, *)
        return [batch] + reshape.shape.map { String($0 == -1 ? count / Swift.max(known, 1) : $0) }
    case let conv as Conv2d<Scalar>:
        guard let input, input.count == 4, let h = Int(input[2]), let w = Int(input[3]) else { return nil }
        let (k, s, p) = (conv.kernelSize, conv.stride, conv.padding)
        return [input[0], "\(conv.outputChannels)", "\((h + 2 * p - k) / s + 1)", "\((w + 2 * p - k) / s + 1)"]
    case let pool as Pool2d<Scalar>:
        guard let input, input.count == 4, let h = Int(input[2]), let w = Int(input[3]) else { return nil }
        let (k, s) = (pool.kernelSize, pool.stride)
        return [input[0], input[1], "\((h - k) / s + 1)", "\((w - k) / s + 1)"]
    case let layer as any SummarizedLayer: return layer.summaryOutput(from: input)
    default: return nil
    }
}

/// The output shape after each of `layers` applied in turn, as text (`?` where unknown).
func inferredOutputs<Scalar: TensorScalar>(_ layers: [any Layer<Scalar>]) -> [String] {
    var shape: [String]? = nil
    return layers.map { layer in
        shape = inferredOutput(layer, from: shape)
        return shape.map { "[" + $0.joined(separator: ", ") + "]" } ?? "?"
    }
}

/// The parameters of `layer`, each counted once.
func distinctParameterCount<Scalar: TensorScalar>(_ layer: any Layer<Scalar>) -> Int {
    var seen = Set<ObjectIdentifier>()
    return layer.namedParameters.reduce(0) { total, entry in
        seen.insert(ObjectIdentifier(entry.parameter)).inserted ? total + entry.parameter.value.count : total
    }
}

/// `n` with thousands separators: 101770 → "101,770".
func groupedDigits(_ n: Int) -> String {
    let digits = Array(String(n))
    var out = ""
    for (i, d) in digits.enumerated() {
        if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
        out.append(d)
    }
    return out
}

/// The summary table of `layers`, under `title`, at most 100 columns wide.
///
/// ```
/// Layer  Type                Output shape   Parameters
/// 0      Linear(784 → 128)   [batch, 128]      100,480
/// ```
func summaryTable<Scalar: TensorScalar>(title: String, layers: [any Layer<Scalar>], outputs: [String], total: Int) -> String {
    func clipped(_ s: String, _ width: Int) -> String { s.count <= width ? s : String(s.prefix(width - 1)) + "…" }
    let rows = layers.enumerated().map { i, layer in
        SummaryRow(name: "\(i)", kind: clipped(layerKind(layer), 44), output: clipped(outputs[i], 26),
                   parameters: distinctParameterCount(layer))
    }
    let header = SummaryRow(name: "Layer", kind: "Type", output: "Output shape", parameters: 0)
    let nameWidth = max(header.name.count, rows.map(\.name.count).max() ?? 0)
    let kindWidth = max(header.kind.count, rows.map(\.kind.count).max() ?? 0)
    let outputWidth = max(header.output.count, rows.map(\.output.count).max() ?? 0)
    let countWidth = max("Parameters".count, rows.map { groupedDigits($0.parameters).count }.max() ?? 0)
    func padded(_ s: String, _ width: Int) -> String { s + String(repeating: " ", count: max(0, width - s.count)) }
    func right(_ s: String, _ width: Int) -> String { String(repeating: " ", count: max(0, width - s.count)) + s }
    func line(_ name: String, _ kind: String, _ output: String, _ count: String) -> String {
        padded(name, nameWidth) + "  " + padded(kind, kindWidth) + "  " + padded(output, outputWidth) + "  "
            + right(count, countWidth)
    }
    let width = nameWidth + kindWidth + outputWidth + countWidth + 6
    var lines = [title, String(repeating: "=", count: width), line("Layer", "Type", "Output shape", "Parameters"),
                 String(repeating: "-", count: width)]
    lines += rows.map { line($0.name, $0.kind, $0.output, groupedDigits($0.parameters)) }
    lines.append(String(repeating: "=", count: width))
    let rowSum = rows.reduce(0) { $0 + $1.parameters }
    lines.append("Total parameters: \(groupedDigits(total))"
                 + (rowSum != total ? " (shared parameters counted once; the rows add up to \(groupedDigits(rowSum)))" : ""))
    return lines.joined(separator: "\n")
}

extension Sequential: CustomStringConvertible {
    /// A table of the layers, like Keras' `model.summary()`: each layer's index, type,
    /// output shape (known without running the model for linear layers and the
    /// activations after them; `?` otherwise, see `summary(forInputShape:)`) and
    /// parameter count, then the total. At most 100 columns wide.
    ///
    /// ```
    /// total = Σ distinct parameters p: p.count
    /// ```
    public var description: String {
        summaryTable(title: "Sequential<\(Scalar.self)>: \(layers.count) layers", layers: layers,
                     outputs: inferredOutputs(layers), total: parameterCount)
    }

    /// The summary table with every output shape measured by running the layers, one after
    /// another, on zeros of shape `inputShape` (without recording gradients).
    ///
    /// ```swift
    /// let model = MLP<Float>([4, 8, 3], activation: .relu)
    /// print(model.body.summary(forInputShape: [32, 4]))   // output shapes [32, 8], …, [32, 3]
    /// ```
    /// Precondition: each layer accepts the previous one's output (a layer stops with its
    /// own message otherwise).
    public func summary(forInputShape inputShape: [Int]) -> String {
        var x = Tensor<Scalar>.zeros(shape: inputShape)
        let outputs = layers.map { layer -> String in
            x = withoutGradients { layer(x) }
            return "\(x.shape)"
        }
        return summaryTable(title: "Sequential<\(Scalar.self)>: \(layers.count) layers, input \(inputShape)",
                            layers: layers, outputs: outputs, total: parameterCount)
    }
}

extension MLP: CustomStringConvertible {
    /// The summary table of the body (see `Sequential.description`), titled with the sizes.
    ///
    /// ```
    /// MLP<Float>([784, 128, 10]): 3 layers
    /// …
    /// Total parameters: 101,770        (784·128 + 128 + 128·10 + 10)
    /// ```
    public var description: String {
        summaryTable(title: "MLP<\(Scalar.self)>(\(sizes)): \(body.layers.count) layers", layers: body.layers,
                     outputs: inferredOutputs(body.layers), total: parameterCount)
    }

    /// The body's summary with measured output shapes (see `Sequential.summary(forInputShape:)`).
    public func summary(forInputShape inputShape: [Int]) -> String { body.summary(forInputShape: inputShape) }
}

extension DigitsCNN: CustomStringConvertible {
    /// The summary table of the body (see `Sequential.description`); every output shape is
    /// known from the 8×8 input.
    public var description: String {
        summaryTable(title: "DigitsCNN<\(Scalar.self)>: \(body.layers.count) layers", layers: body.layers,
                     outputs: inferredOutputs(body.layers), total: parameterCount)
    }
}
