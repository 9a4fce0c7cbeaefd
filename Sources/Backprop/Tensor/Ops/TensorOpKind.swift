/// The kind of a tensor op: its name, without parameters. Ops defined as a
/// `TensorOperation` declare their kind in their own file.
///
/// ```
/// Elementwise(.leakyRelu, 0.1).kind == .leakyRelu      .leakyRelu.rawValue == "leakyRelu"
/// ```
public struct TensorOpKind: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The op's name.
    public let rawValue: String

    /// The kind named `rawValue`.
    ///
    /// ```
    /// TensorOpKind(rawValue: "add") == .add
    /// ```
    public init(rawValue: String) { self.rawValue = rawValue }

    /// The op's name.
    public var description: String { rawValue }
}

extension TensorOpKind {
    /// Broadcasting binary ops.
    public static let add = TensorOpKind(rawValue: "add"), subtract = TensorOpKind(rawValue: "subtract"),
        multiply = TensorOpKind(rawValue: "multiply"), divide = TensorOpKind(rawValue: "divide"),
        power = TensorOpKind(rawValue: "power")
    /// Elementwise unary ops.
    public static let negate = TensorOpKind(rawValue: "negate"), exp = TensorOpKind(rawValue: "exp"),
        log = TensorOpKind(rawValue: "log"), squareRoot = TensorOpKind(rawValue: "squareRoot"),
        abs = TensorOpKind(rawValue: "abs"), sin = TensorOpKind(rawValue: "sin"), cos = TensorOpKind(rawValue: "cos"),
        tanh = TensorOpKind(rawValue: "tanh"), sigmoid = TensorOpKind(rawValue: "sigmoid"),
        relu = TensorOpKind(rawValue: "relu")
    /// Parameterised elementwise ops.
    public static let leakyRelu = TensorOpKind(rawValue: "leakyRelu"), step = TensorOpKind(rawValue: "step"),
        clamp = TensorOpKind(rawValue: "clamp")
    /// Linear algebra and shape ops.
    public static let matmul = TensorOpKind(rawValue: "matmul"), linear = TensorOpKind(rawValue: "linear"),
        permute = TensorOpKind(rawValue: "permute"), reshape = TensorOpKind(rawValue: "reshape"),
        broadcast = TensorOpKind(rawValue: "broadcast")
    /// Reductions and the softmax family.
    public static let sum = TensorOpKind(rawValue: "sum"), mean = TensorOpKind(rawValue: "mean"),
        max = TensorOpKind(rawValue: "max"), min = TensorOpKind(rawValue: "min"),
        softmax = TensorOpKind(rawValue: "softmax"), logSoftmax = TensorOpKind(rawValue: "logSoftmax"),
        logSumExp = TensorOpKind(rawValue: "logSumExp")
    /// Indexing and joining.
    public static let slice = TensorOpKind(rawValue: "slice"), pad = TensorOpKind(rawValue: "pad"),
        selectRows = TensorOpKind(rawValue: "selectRows"), scatterRows = TensorOpKind(rawValue: "scatterRows"),
        gather = TensorOpKind(rawValue: "gather"), scatterClasses = TensorOpKind(rawValue: "scatterClasses"),
        concatenate = TensorOpKind(rawValue: "concatenate"), select = TensorOpKind(rawValue: "select")
    /// User-defined ops.
    public static let custom = TensorOpKind(rawValue: "custom")
    /// Other functions of the elementwise table (softplus).
    public static let elementwise = TensorOpKind(rawValue: "elementwise")
}
