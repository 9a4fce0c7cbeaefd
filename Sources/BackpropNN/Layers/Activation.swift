import Backprop

/// An elementwise (or, for softmax, row-wise) activation as a layer without parameters.
///
/// ```
/// identity  x                     1
/// step      1 if x ≥ 0 else 0     0 (no gradient through a jump)
/// sigmoid   σ(x)                  σ(x)(1 − σ(x))
/// tanh      tanh x                1 − tanh² x
/// relu      max(0, x)             1 if x > 0 else 0
/// leakyRelu x or αx               1 or α
/// softmax   eˣⁱ / Σⱼ eˣʲ (rows)   diag(s) − s sᵀ
/// ```
public enum Activation: Sendable, Equatable {
    case identity, step, sigmoid, tanh, relu
    case leakyRelu(slope: Double)
    case softmax

    /// Parses `identity`, `step`, `sigmoid`, `tanh`, `relu`, `leaky-relu`, `softmax`.
    public init?(name: String) {
        switch name.lowercased() {
        case "identity", "linear": self = .identity
        case "step": self = .step
        case "sigmoid": self = .sigmoid
        case "tanh": self = .tanh
        case "relu": self = .relu
        case "leaky-relu", "leakyrelu": self = .leakyRelu(slope: 0.01)
        case "softmax": self = .softmax
        default: return nil
        }
    }

    /// Applies the activation.
    public func apply<Scalar: TensorScalar>(_ x: Tensor<Scalar>) -> Tensor<Scalar> {
        switch self {
        case .identity: return x
        case .step: return x.step()
        case .sigmoid: return x.sigmoid()
        case .tanh: return x.tanh()
        case .relu: return x.relu()
        case .leakyRelu(let slope): return x.leakyRelu(alpha: Scalar(slope))
        case .softmax: return x.softmax(alongAxis: -1)
        }
    }
}

/// An activation as a layer.
public struct ActivationLayer<Scalar: TensorScalar>: Layer {
    /// The function applied.
    public let activation: Activation
    /// Wraps `activation`.
    public init(_ activation: Activation) { self.activation = activation }
    /// Applies the activation.
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> { activation.apply(input) }
    /// None.
    public var namedParameters: [(name: String, parameter: Parameter<Scalar>)] { [] }
}
