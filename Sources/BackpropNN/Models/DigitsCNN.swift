import Backprop

/// A small convolutional network for the shipped 8×8 digits (``Datasets/digits()``):
/// two 3×3 convolutions with relu and 2×2 max pooling, then one linear layer to ten logits.
///
/// ```
/// [B, 64] → [B, 1, 8, 8] → conv 3×3, 16, pad 1 → relu → max 2×2 → [B, 16, 4, 4]
///         → conv 3×3, 32, pad 1 → relu → max 2×2 → [B, 32, 2, 2] → [B, 128] → linear → [B, 10]
/// ```
/// Parameters are named as in its `Sequential` body (`1.W`, `1.b`, `4.W`, …); 6,090 in all.
/// Pixels should be standardised (or scaled to 0…1) before training.
public struct DigitsCNN<Scalar: TensorScalar>: Layer {
    /// The layers.
    public let body: Sequential<Scalar>

    /// The network with He-initialised filters from `seed`; `channels` sets the widths of
    /// the two convolutions.
    public init(channels: (Int, Int) = (16, 32), seed: UInt64 = 1) {
        var rng = SeededGenerator(seed: seed)
        body = Sequential([
            Reshape<Scalar>([1, 8, 8]),
            Conv2d<Scalar>(inputChannels: 1, outputChannels: channels.0, kernelSize: 3, padding: 1, rng: &rng),
            ActivationLayer<Scalar>(.relu),
            Pool2d<Scalar>(.maximum, kernelSize: 2),
            Conv2d<Scalar>(inputChannels: channels.0, outputChannels: channels.1, kernelSize: 3, padding: 1, rng: &rng),
            ActivationLayer<Scalar>(.relu),
            Pool2d<Scalar>(.maximum, kernelSize: 2),
            Reshape<Scalar>([-1]),
            Linear<Scalar>(inputSize: channels.1 * 4, outputSize: 10, initializer: .xavier, rng: &rng),
        ])
    }

    /// Ten logits per image, for images given as rows of 64 pixels.
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> { body(input) }

    /// The body's parameters.
    public var namedParameters: [(name: String, parameter: Parameter<Scalar>)] { body.namedParameters }
}
