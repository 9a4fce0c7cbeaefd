import Backprop

/// Layers applied one after another; parameters are named `index.name` (`0.W`, `0.b`, `2.W`, …).
public struct Sequential<Scalar: TensorScalar>: Layer {
    /// The layers in order.
    public var layers: [any Layer<Scalar>]

    /// A container of `layers`.
    public init(_ layers: [any Layer<Scalar>]) { self.layers = layers }

    /// Applies every layer in order.
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        var x = input
        for layer in layers { x = layer(x) }
        return x
    }

    /// Every layer's parameters, prefixed by the layer's index.
    public var namedParameters: [(name: String, parameter: Parameter<Scalar>)] {
        layers.enumerated().flatMap { i, layer in layer.namedParameters.map { ("\(i).\($0.name)", $0.parameter) } }
    }

    /// The layers' states, named `index.name`.
    public var namedStates: [(name: String, state: LayerState<Scalar>)] {
        layers.enumerated().flatMap { i, layer in layer.namedStates.map { ("\(i).\($0.name)", $0.state) } }
    }

    /// The layers' mode switches, in order.
    public var modeSwitches: [LayerModeSwitch] { layers.flatMap(\.modeSwitches) }
}

/// A multilayer perceptron: `Linear` layers of the given sizes with an activation between
/// them, e.g. `MLP<Float>([784, 128, 10], activation: .relu)` for 784 inputs, one hidden
/// layer of 128 units and 10 outputs (logits: the output activation defaults to identity).
///
/// Parameters are named as in its `Sequential` body: `0.W`, `0.b`, `2.W`, `2.b`, …
public struct MLP<Scalar: TensorScalar>: Layer {
    /// The layers: Linear, activation, Linear, …
    public var body: Sequential<Scalar>
    /// Layer widths, input first.
    public let sizes: [Int]

    /// Builds the network; weights come from `initializer` (He for relu, Xavier otherwise,
    /// by default) through a generator seeded with `seed`, biases start at zero.
    public init(_ sizes: [Int], activation: Activation, outputActivation: Activation = .identity,
                initializer: Initializer? = nil, seed: UInt64 = 0) {
        nnPrecondition(sizes.count >= 2 && sizes.allSatisfy { $0 > 0 },
                     "MLP: needs at least an input and an output size, all positive; got \(sizes)")
        var rng = SeededGenerator(seed: seed)
        let initial: Initializer
        if let initializer { initial = initializer } else {
            switch activation {
            case .relu, .leakyRelu: initial = .he
            default: initial = .xavier
            }
        }
        var layers: [any Layer<Scalar>] = []
        for i in 0..<(sizes.count - 1) {
            layers.append(Linear<Scalar>(inputSize: sizes[i], outputSize: sizes[i + 1], initializer: initial, rng: &rng))
            let f = i == sizes.count - 2 ? outputActivation : activation
            if f != .identity { layers.append(ActivationLayer<Scalar>(f)) }
        }
        body = Sequential(layers)
        self.sizes = sizes
    }

    /// Applies the network.
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> { body(input) }

    /// The body's parameters.
    public var namedParameters: [(name: String, parameter: Parameter<Scalar>)] { body.namedParameters }

    /// The states of the layers (none for an MLP's own layers).
    public var namedStates: [(name: String, state: LayerState<Scalar>)] { body.namedStates }

    /// The body's mode switches (none for an MLP's own layers).
    public var modeSwitches: [LayerModeSwitch] { body.modeSwitches }
}
