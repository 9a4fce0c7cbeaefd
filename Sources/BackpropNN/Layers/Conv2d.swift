import Backprop

/// A 2-D convolution (cross-correlation, as in PyTorch) over batches laid out
/// `[batch, channels, height, width]`, composed from engine ops: the input is cut into
/// patch rows by `unfolded` (im2col, with the zero padding), and one `linear` op (a GEMM
/// with the bias) applies the filters to every patch at once. Every gradient comes from
/// those ops' rules (the patches' is `folded`, col2im).
///
/// ```
/// y[n, o, i, j] = b[o] + Σ_{c, u, v} W[o, c, u, v] · x̂[n, c, s·i + u, s·j + v]
///     x̂ = x padded with p zeros on each side,  s = stride
/// output size:  H' = ⌊(H + 2p − k) / s⌋ + 1   (and W' likewise)
/// ```
/// Precondition: the input is `[batch, inputChannels, H, W]` with H + 2p ≥ k and W + 2p ≥ k.
public struct Conv2d<Scalar: TensorScalar>: Layer {
    /// The filters, `[outputChannels, inputChannels, k, k]`.
    public let weight: Parameter<Scalar>
    /// One bias per output channel, `[outputChannels]`.
    public let bias: Parameter<Scalar>
    /// The step between patches, in both directions.
    public let stride: Int
    /// The zeros added on each side of both spatial axes.
    public let padding: Int

    /// A layer with filters drawn by `initializer` (fan-in = inputChannels·k², as PyTorch
    /// counts it) and zero biases.
    ///
    /// Precondition: channels and `kernelSize` positive, `stride ≥ 1`, `padding ≥ 0`.
    public init(inputChannels: Int, outputChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0,
                initializer: Initializer = .he, rng: inout SeededGenerator) {
        nnPrecondition(inputChannels > 0 && outputChannels > 0 && kernelSize > 0 && stride >= 1 && padding >= 0,
                       "Conv2d: channels \(inputChannels) → \(outputChannels) and kernel size \(kernelSize) must be positive, "
                       + "stride \(stride) ≥ 1 and padding \(padding) ≥ 0")
        let fanIn = inputChannels * kernelSize * kernelSize
        weight = Parameter(initializer.weights(out: outputChannels, in: fanIn, using: &rng)
            .reshaped(to: [outputChannels, inputChannels, kernelSize, kernelSize]))
        bias = Parameter(Tensor.zeros(shape: [outputChannels]))
        self.stride = stride
        self.padding = padding
    }

    /// A layer with the given filters `[out, in, k, k]` and biases `[out]`.
    public init(weight: Tensor<Scalar>, bias: Tensor<Scalar>, stride: Int = 1, padding: Int = 0) {
        nnPrecondition(weight.rank == 4 && weight.shape[2] == weight.shape[3] && bias.shape == [weight.shape[0]]
                       && stride >= 1 && padding >= 0,
                       "Conv2d: weight \(weight.shape) must be [out, in, k, k] with bias [out] (got \(bias.shape)), "
                       + "stride \(stride) ≥ 1, padding \(padding) ≥ 0")
        self.weight = Parameter(weight)
        self.bias = Parameter(bias)
        self.stride = stride
        self.padding = padding
    }

    /// Input channels.
    public var inputChannels: Int { weight.shape[1] }
    /// Output channels.
    public var outputChannels: Int { weight.shape[0] }
    /// The side of the square kernel.
    public var kernelSize: Int { weight.shape[2] }

    /// The convolution of `input` `[batch, inputChannels, H, W]`: `[batch, outputChannels, H', W']`.
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        nnPrecondition(input.rank == 4 && input.shape[1] == inputChannels,
                       "Conv2d: input has shape \(input.shape), expected [batch, \(inputChannels), height, width]")
        let k = kernelSize
        nnPrecondition(input.shape[2] + 2 * padding >= k && input.shape[3] + 2 * padding >= k,
                       "Conv2d: a \(input.shape[2])×\(input.shape[3]) image with padding \(padding) is smaller than the \(k)×\(k) kernel")
        // [B, H', W', C·k²]: one row per output position, then one GEMM with the filters.
        let patches = input.unfolded(kernelSize: k, stride: stride, padding: padding)
        let (batch, height, width) = (patches.shape[0], patches.shape[1], patches.shape[2])
        let columns = patches.reshaped(to: [batch * height * width, inputChannels * k * k])
        let filters = weight.value.reshaped(to: [outputChannels, inputChannels * k * k])
        return columns.linear(weight: filters, bias: bias.value)
            .reshaped(to: [batch, height, width, outputChannels])
            .permuted([0, 3, 1, 2])
    }

    /// `W` and `b`.
    public var namedParameters: [(name: String, parameter: Parameter<Scalar>)] { [("W", weight), ("b", bias)] }
}

/// How pooling combines a window.
public enum PoolingKind: Sendable {
    /// The largest element (ties share the gradient evenly; PyTorch gives it to one).
    case maximum
    /// The mean of the window's k² elements.
    case average
}

/// Max or average pooling over `k × k` windows taken every `stride` steps (by default
/// `stride = k`, windows that do not overlap), per channel, without padding.
///
/// ```
/// max:      y[n, c, i, j] = max_{u, v < k} x[n, c, s·i + u, s·j + v]
/// average:  y[n, c, i, j] = (1/k²) Σ_{u, v < k} x[n, c, s·i + u, s·j + v]
/// output size:  H' = ⌊(H − k) / s⌋ + 1
/// ```
/// Precondition: the input is `[batch, channels, H, W]` with H, W ≥ k.
public struct Pool2d<Scalar: TensorScalar>: Layer {
    /// Maximum or average.
    public let kind: PoolingKind
    /// The window side.
    public let kernelSize: Int
    /// The step between windows.
    public let stride: Int

    /// A pooling layer; `stride` defaults to `kernelSize`.
    public init(_ kind: PoolingKind, kernelSize: Int, stride: Int? = nil) {
        nnPrecondition(kernelSize > 0 && (stride ?? 1) > 0,
                       "Pool2d: kernel size \(kernelSize) and stride \(stride ?? kernelSize) must be positive")
        self.kind = kind
        self.kernelSize = kernelSize
        self.stride = stride ?? kernelSize
    }

    /// The pooled input, `[batch, channels, H', W']`.
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        nnPrecondition(input.rank == 4, "Pool2d: input has shape \(input.shape), expected [batch, channels, height, width]")
        let k = kernelSize
        let (n, c, h, w) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3])
        nnPrecondition(h >= k && w >= k, "Pool2d: a \(h)×\(w) image is smaller than the \(k)×\(k) window")
        // Every channel as an image of its own: [B·C, H', W', k²], one window per row,
        // reduced along its last (contiguous) axis.
        let windows = input.reshaped(to: [n * c, 1, h, w]).unfolded(kernelSize: k, stride: stride)
        let pooled = kind == .maximum ? windows.max(alongAxes: [3]) : windows.mean(alongAxes: [3])
        return pooled.reshaped(to: [n, c, windows.shape[1], windows.shape[2]])
    }

    /// None.
    public var namedParameters: [(name: String, parameter: Parameter<Scalar>)] { [] }
}

/// Reshapes each example (all axes but the first) to `shape`: `[batch, …] → [batch] + shape`,
/// for example rows of 64 pixels to `[1, 8, 8]` images, or feature maps to flat rows
/// (`Reshape([-1])` flattens).
///
/// Precondition: the example's element count equals `shape`'s product (−1 stands for the rest).
public struct Reshape<Scalar: TensorScalar>: Layer {
    /// The shape of one example; one extent may be −1.
    public let shape: [Int]

    /// A layer reshaping each example to `shape`.
    public init(_ shape: [Int]) {
        nnPrecondition(shape.filter { $0 == -1 }.count <= 1 && shape.allSatisfy { $0 > 0 || $0 == -1 },
                       "Reshape: \(shape) may hold one −1 and otherwise positive extents")
        self.shape = shape
    }

    /// `input` reshaped to `[batch] + shape`.
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        nnPrecondition(input.rank >= 1, "Reshape: input is a scalar, expected a batch")
        let batch = input.shape[0], count = input.shape.dropFirst().reduce(1, *)
        let known = shape.filter { $0 != -1 }.reduce(1, *)
        let resolved = shape.map { $0 == -1 ? (known > 0 ? count / known : 0) : $0 }
        nnPrecondition(resolved.reduce(1, *) == count,
                       "Reshape: an example of shape \(Array(input.shape.dropFirst())) cannot become \(shape)")
        return input.reshaped(to: [batch] + resolved)
    }

    /// None.
    public var namedParameters: [(name: String, parameter: Parameter<Scalar>)] { [] }
}
