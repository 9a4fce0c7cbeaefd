import Backprop

/// A fully connected network of scalar `Value`s, layer by layer, with every node
/// labelled in a document's notation:
///
/// ```
/// sum_j^(l)    = Σ_i W^(l)[j][i] · a_i^(l−1) + b_j^(l)      a^(0) = x
/// a_j^(l)      = f_l(sum_j^(l))
/// loss         = ½ Σ_k (a_k^(L) − y_k)²     (or Σ_k (y_k − a_k^(L))²)
/// ```
///
/// The parameters are leaves held in ``Parameters``; building several networks on
/// the same parameters (one per training sample) accumulates their gradients, which
/// is how the training walkthroughs take full-batch steps.
public struct LayeredNetwork {
    /// A unit's activation function.
    public enum Activation: Sendable {
        /// σ(z) = 1/(1 + e^(−z)).
        case sigmoid
        /// tanh(z).
        case tanh
        /// The identity (a linear unit).
        case identity

        /// Applies the activation to `z`, recording it on the graph.
        public func callAsFunction(_ z: Value) -> Value {
            switch self {
            case .sigmoid: return z.sigmoid()
            case .tanh: return z.tanh()
            case .identity: return z
            }
        }

        /// The symbol used in explanations ("σ", "tanh", "id").
        public var symbol: String {
            switch self {
            case .sigmoid: return "σ"
            case .tanh: return "tanh"
            case .identity: return "id"
            }
        }
    }

    /// The error being minimised.
    public enum Loss: Sendable {
        /// `½ Σ_k (a_k − y_k)²`.
        case halfSumOfSquares
        /// `Σ_k (y_k − a_k)²`.
        case sumOfSquares
    }

    /// How a document names the nodes. Layers and units count from 1.
    public struct Naming: Sendable {
        /// Input i ("x_1").
        public var input: @Sendable (_ i: Int) -> String
        /// Weight into unit j of layer l from unit i of the layer below.
        public var weight: @Sendable (_ layer: Int, _ j: Int, _ i: Int) -> String
        /// Bias of unit j of layer l.
        public var bias: @Sendable (_ layer: Int, _ j: Int) -> String
        /// Weighted sum (pre-activation) of unit j of layer l.
        public var sum: @Sendable (_ layer: Int, _ j: Int) -> String
        /// Activation of unit j of layer l.
        public var output: @Sendable (_ layer: Int, _ j: Int) -> String
        /// The loss.
        public var loss: String
        /// Added to layer numbers in δ names: 1 when the notes count the inputs as layer 1.
        public var layerOffset = 0

        /// Creates a naming.
        public init(input: @escaping @Sendable (Int) -> String,
                    weight: @escaping @Sendable (Int, Int, Int) -> String,
                    bias: @escaping @Sendable (Int, Int) -> String,
                    sum: @escaping @Sendable (Int, Int) -> String,
                    output: @escaping @Sendable (Int, Int) -> String, loss: String) {
            self.input = input
            self.weight = weight
            self.bias = bias
            self.sum = sum
            self.output = output
            self.loss = loss
        }

        /// The bracket notation of document 001: `z[l]_j`, `a[l]_j`, `w[l]_ji`, `b[l]_j`, loss `L`.
        public static let bracket = Naming(
            input: { "x_\($0)" }, weight: { "w[\($0)]_\($1)\($2)" }, bias: { "b[\($0)]_\($1)" },
            sum: { "z[\($0)]_\($1)" }, output: { "a[\($0)]_\($1)" }, loss: "L")

        /// The parenthesis notation of document 002 (Bishop's): pre-activations `a(l)_j`,
        /// activations `z(l)_j`, outputs `h_k`, weights `w(l)_ji`, loss `E_n`.
        public static let bishop = Naming(
            input: { "x_\($0)" }, weight: { "w(\($0))_\($1)\($2)" }, bias: { "b(\($0))_\($1)" },
            sum: { "a(\($0))_\($1)" }, output: { $0 == 2 ? "h_\($1)" : "z(\($0))_\($1)" }, loss: "E_n")
    }

    /// The parameter leaves of a network: weights `W[l][j][i]` and biases `b[l][j]`.
    public struct Parameters {
        /// Weight leaves, layer by layer, `[unit][input]`.
        public let weights: [[[Value]]]
        /// Bias leaves, layer by layer (an empty array: the layer has no bias; one
        /// bias for several units: shared by the layer, as in lecture 8).
        public let biases: [[Value]]

        /// Creates labelled leaves with the given values.
        public init(weights: [[[Double]]], biases: [[Double]], naming: Naming) {
            self.weights = weights.enumerated().map { l, matrix in
                matrix.enumerated().map { j, row in
                    row.enumerated().map { i, w in Value(w, label: naming.weight(l + 1, j + 1, i + 1)) }
                }
            }
            self.biases = biases.enumerated().map { l, row in
                row.enumerated().map { j, b in Value(b, label: naming.bias(l + 1, j + 1)) }
            }
        }

        /// Wraps existing leaves.
        public init(weights: [[[Value]]], biases: [[Value]]) {
            self.weights = weights
            self.biases = biases
        }

        /// Every parameter: each layer's weights row by row, then its biases.
        public var all: [Value] {
            zip(weights, biases).flatMap { w, b in w.flatMap { $0 } + b }
        }

        /// New leaves with the same shapes and labels, taking values from `values`
        /// (in the order of ``all``).
        public func replaced(by values: [Value]) -> Parameters {
            var k = 0
            func next() -> Value { defer { k += 1 }; return values[k] }
            var w: [[[Value]]] = [], b: [[Value]] = []
            for (matrix, row) in zip(weights, biases) {
                w.append(matrix.map { $0.map { _ in next() } })
                b.append(row.map { _ in next() })
            }
            return Parameters(weights: w, biases: b)
        }

        /// A gradient-descent step on every parameter: `p ← p − η·∂E/∂p`.
        public func descend(learningRate eta: Double) {
            for p in all { p.value -= eta * p.grad }
        }

        /// A deep copy: fresh leaves with the same values and labels.
        public func copied() -> Parameters {
            replaced(by: all.map { Value($0.value, label: $0.label) })
        }
    }

    /// One layer's nodes.
    public struct Layer {
        /// `weights[j][i]`: into unit j from unit i of the layer below.
        public let weights: [[Value]]
        /// The biases (empty when the layer has none).
        public let biases: [Value]
        /// Weighted sums (pre-activations).
        public let sums: [Value]
        /// Activations (the same nodes as ``sums`` for linear units).
        public let outputs: [Value]
        /// The activation function.
        public let activation: Activation
    }

    /// The input leaves.
    public let inputs: [Value]
    /// The layers, first hidden layer first.
    public let layers: [Layer]
    /// The targets.
    public let targets: [Double]
    /// The loss node.
    public let loss: Value
    /// The parameters the network was built on.
    public let parameters: Parameters
    /// The names used.
    public let naming: Naming
    /// The activation of every layer.
    public let activations: [Activation]
    /// The loss kind.
    public let lossKind: Loss

    /// Builds the graph on the given parameter leaves.
    public init(inputs: [Double], parameters: Parameters, activations: [Activation],
                targets: [Double], loss: Loss = .halfSumOfSquares, naming: Naming) {
        precondition(parameters.weights.count == activations.count, "LayeredNetwork: one activation per layer")
        self.parameters = parameters
        self.naming = naming
        self.activations = activations
        self.targets = targets
        lossKind = loss
        let x = inputs.enumerated().map { Value($1, label: naming.input($0 + 1)) }
        self.inputs = x
        var below = x
        var built: [Layer] = []
        for (l, (matrix, f)) in zip(parameters.weights, activations).enumerated() {
            let bias = parameters.biases[l]
            var sums: [Value] = [], outs: [Value] = []
            for (j, row) in matrix.enumerated() {
                precondition(row.count == below.count, "LayeredNetwork: layer \(l + 1) expects \(below.count) inputs")
                var s = row[0] * below[0]
                for i in 1..<row.count { s = s + row[i] * below[i] }
                if !bias.isEmpty { s = s + bias[bias.count == 1 ? 0 : j] }   // one bias: shared by the layer
                if case .identity = f {
                    s = s.labeled(naming.output(l + 1, j + 1))
                    sums.append(s)
                    outs.append(s)
                } else {
                    s = s.labeled(naming.sum(l + 1, j + 1))
                    sums.append(s)
                    outs.append(f(s).labeled(naming.output(l + 1, j + 1)))
                }
            }
            built.append(Layer(weights: matrix, biases: bias, sums: sums, outputs: outs, activation: f))
            below = outs
        }
        layers = built
        precondition(targets.count == below.count, "LayeredNetwork: one target per output")
        var total: Value?
        for (a, y) in zip(below, targets) {
            let term: Value
            switch loss {
            case .halfSumOfSquares: term = 0.5 * (a - y).squared()
            case .sumOfSquares: term = (y - a).squared()
            }
            total = total.map { $0 + term } ?? term
        }
        self.loss = total!.labeled(naming.loss)
    }

    /// Builds the graph with fresh labelled parameter leaves.
    public init(inputs: [Double], weights: [[[Double]]], biases: [[Double]], activations: [Activation],
                targets: [Double], loss: Loss = .halfSumOfSquares, naming: Naming) {
        self.init(inputs: inputs, parameters: Parameters(weights: weights, biases: biases, naming: naming),
                  activations: activations, targets: targets, loss: loss, naming: naming)
    }

    /// The network outputs.
    public var outputs: [Value] { layers.last!.outputs }

    /// The same network on other inputs and targets, sharing the parameter leaves.
    public func on(inputs: [Double], targets: [Double]) -> LayeredNetwork {
        LayeredNetwork(inputs: inputs, parameters: parameters, activations: activations,
                       targets: targets, loss: lossKind, naming: naming)
    }

    /// The loss as a function of the parameters, for ``checkGradients(at:labels:options:of:)``.
    public func lossFunction() -> ([Value]) -> Value {
        let x = inputs.map(\.value), p = parameters, f = activations, y = targets, kind = lossKind, n = naming
        return { q in
            LayeredNetwork(inputs: x, parameters: p.replaced(by: q), activations: f,
                           targets: y, loss: kind, naming: n).loss
        }
    }

    /// Central differences against reverse mode for every parameter.
    public func gradientCheck() -> GradientCheckReport {
        let all = parameters.all
        return checkGradients(at: all.map(\.value), labels: all.map { $0.label ?? "?" }, of: lossFunction())
    }
}
