import Backprop

/// A named parameter: a weight or bias as the lecture notes write it.
public struct NamedParameter: Sendable {
    /// The notes' name ("w5", "b1").
    public var name: String
    /// Its value.
    public var value: Double

    /// Creates a named parameter.
    public init(_ name: String, _ value: Double) {
        self.name = name
        self.value = value
    }
}

/// The lecture notes' 2-2-2 network: two inputs, two sigmoid hidden units, two sigmoid
/// outputs, and the error ½ Σ (target − output)², built from scalar `Value`s with the
/// notes' names on every node so explanations read in their notation.
///
/// ```
/// sum_hj = Σᵢ W1[j][i]·iᵢ + b1      output_hj = σ(sum_hj)
/// sum_ok = Σⱼ W2[k][j]·output_hj + b2   output_ok = σ(sum_ok)
/// E_k = ½ (target_k − output_ok)²    E_total = E_1 + E_2
/// ```
///
/// The documents wire the hidden weights differently (lecture 8 feeds i2 into h1
/// through w3, the other notes through w2), so the weight matrices carry names.
public struct SigmoidNetwork222 {
    /// How the notes name pre-activations and activations ("sum"/"output" or "net"/"out").
    public struct Notation: Sendable {
        /// Prefix of weighted sums ("sum", "net").
        public var sum: String
        /// Prefix of activations ("output", "out").
        public var output: String
        /// Creates a notation.
        public init(sum: String, output: String) {
            self.sum = sum
            self.output = output
        }
    }

    /// Inputs i1, i2.
    public let inputs: [Value]
    /// W1[j][i]: from input i to hidden unit j.
    public let hiddenWeights: [[Value]]
    /// W2[k][j]: from hidden unit j to output k.
    public let outputWeights: [[Value]]
    /// b1 (shared by the hidden units) and b2 (shared by the outputs).
    public let hiddenBias: Value, outputBias: Value
    /// Weighted sums and activations of the hidden and output layers.
    public let hiddenSums: [Value], hiddenOutputs: [Value], outputSums: [Value], outputs: [Value]
    /// Per-output errors E_1, E_2 and their sum E_total.
    public let errors: [Value], total: Value
    /// The targets.
    public let targets: [Double]

    /// Builds the graph.
    ///
    /// - Parameters:
    ///   - inputs: i1, i2.
    ///   - hidden: W1 as named parameters, `hidden[j][i]` from input i to hidden unit j.
    ///   - output: W2, `output[k][j]` from hidden unit j to output k.
    ///   - biases: b1 and b2.
    ///   - targets: target_1, target_2.
    public init(inputs: [Double], hidden: [[NamedParameter]], output: [[NamedParameter]],
                biases: (NamedParameter, NamedParameter), targets: [Double], notation: Notation) {
        precondition(inputs.count == 2 && hidden.count == 2 && output.count == 2 && targets.count == 2,
                     "SigmoidNetwork222: 2 inputs, 2 hidden units, 2 outputs, 2 targets")
        self.targets = targets
        let i = inputs.enumerated().map { Value($1, label: "i\($0 + 1)") }
        let w1 = hidden.map { row in row.map { Value($0.value, label: $0.name) } }
        let w2 = output.map { row in row.map { Value($0.value, label: $0.name) } }
        let b1 = Value(biases.0.value, label: biases.0.name)
        let b2 = Value(biases.1.value, label: biases.1.name)
        let s = notation.sum, o = notation.output
        let sumsH = (0..<2).map { j in (i[0] * w1[j][0] + i[1] * w1[j][1] + b1).labeled("\(s)_h\(j + 1)") }
        let outsH = (0..<2).map { sumsH[$0].sigmoid().labeled("\(o)_h\($0 + 1)") }
        let sumsO = (0..<2).map { k in (outsH[0] * w2[k][0] + outsH[1] * w2[k][1] + b2).labeled("\(s)_o\(k + 1)") }
        let outsO = (0..<2).map { sumsO[$0].sigmoid().labeled("\(o)_o\($0 + 1)") }
        let e = (0..<2).map { k in (0.5 * (targets[k] - outsO[k]).squared()).labeled("E_\(k + 1)") }
        self.inputs = i
        hiddenWeights = w1
        outputWeights = w2
        hiddenBias = b1
        outputBias = b2
        hiddenSums = sumsH
        hiddenOutputs = outsH
        outputSums = sumsO
        outputs = outsO
        errors = e
        total = (e[0] + e[1]).labeled("E_total")
    }

    /// Every weight and bias, in the notes' order (w1…w8, then b1, b2).
    public var parameters: [Value] {
        let weights = (hiddenWeights + outputWeights).flatMap { $0 }
        return weights.sorted { ($0.label ?? "") < ($1.label ?? "") } + [hiddenBias, outputBias]
    }

    /// The weights w1…w8 in the notes' order.
    public var weights: [Value] { Array(parameters.prefix(8)) }
}
