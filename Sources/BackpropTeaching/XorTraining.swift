import Backprop

/// Full-batch gradient descent on the XOR table with scalar `Value`s: one graph per
/// sample on shared parameter leaves, so their gradients add up to the batch gradient.
///
/// ```
/// E = Σ_samples ½ (ŷ − t)²     w ← w − η ∂E/∂w     (every epoch)
/// ```
struct XorTraining {
    /// The four samples of the XOR truth table.
    static let samples: [([Double], Double)] = [([0, 0], 0), ([1, 0], 1), ([0, 1], 1), ([1, 1], 0)]

    static let naming = LayeredNetwork.Naming(
        input: { "x_\($0)" }, weight: { $0 == 1 ? "w_\($1)\($2)" : "v_\($2)" }, bias: { $0 == 1 ? "b_\($1)" : "c" },
        sum: { $0 == 1 ? "s_\($1)" : "s_y" }, output: { $0 == 1 ? "h_\($1)" : "ŷ" }, loss: "E")

    /// The parameters being trained.
    let parameters: LayeredNetwork.Parameters
    let activations: [LayeredNetwork.Activation]

    /// A network with `hidden` sigmoid units (none: a single sigmoid unit, the
    /// perceptron), weights uniform in [−1, 1] from `SplitMix64(seed)`.
    init(hidden: Int, seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        func draw(_ n: Int) -> [Double] { (0..<n).map { _ in rng.nextDouble(in: -1...1) } }
        if hidden == 0 {
            parameters = .init(weights: [[draw(2)]], biases: [draw(1)], naming: XorTraining.naming)
            activations = [.sigmoid]
        } else {
            parameters = .init(weights: [(0..<hidden).map { _ in draw(2) }, [draw(hidden)]],
                               biases: [draw(hidden), draw(1)], naming: XorTraining.naming)
            activations = [.sigmoid, .sigmoid]
        }
    }

    /// The network on one sample.
    func network(_ k: Int) -> LayeredNetwork {
        LayeredNetwork(inputs: XorTraining.samples[k].0, parameters: parameters, activations: activations,
                       targets: [XorTraining.samples[k].1], naming: XorTraining.naming)
    }

    /// E over the four samples, without recording.
    var loss: Double { withoutGradients { (0..<4).reduce(0) { $0 + network($1).loss.value } } }

    /// The outputs on the four samples.
    var outputs: [Double] { withoutGradients { (0..<4).map { network($0).outputs[0].value } } }

    /// How many samples the output, thresholded at 0.5, classifies correctly.
    var correct: Int { zip(outputs, XorTraining.samples).filter { ($0 > 0.5) == ($1.1 == 1) }.count }

    /// One full-batch step; returns E before it.
    @discardableResult
    func step(learningRate eta: Double) -> Double {
        var e = 0.0
        for k in 0..<4 {
            let net = network(k)
            e += net.loss.value
            net.loss.backward()
        }
        parameters.descend(learningRate: eta)
        parameters.all.zeroGradients()
        return e
    }

    /// The loss over the four samples as a function of the parameters (for checkGradients).
    func lossFunction() -> ([Value]) -> Value {
        let p = parameters, f = activations
        return { q in
            let replaced = p.replaced(by: q)
            var total: Value?
            for (x, t) in XorTraining.samples {
                let e = LayeredNetwork(inputs: x, parameters: replaced, activations: f, targets: [t], naming: XorTraining.naming).loss
                total = total.map { $0 + e } ?? e
            }
            return total!
        }
    }
}
