import Backprop

/// A trainable tensor: a graph leaf whose gradient accumulates, shared by reference
/// between the layer that owns it and the optimiser that updates it.
public final class Parameter<Scalar: TensorScalar> {
    /// The tensor. Assigning replaces the values (the new tensor is made a leaf that
    /// requires gradients); the shape must not change.
    public var value: Tensor<Scalar> {
        didSet {
            nnPrecondition(value.shape == oldValue.shape,
                         "Parameter: new value has shape \(value.shape), the parameter has shape \(oldValue.shape)")
            if !value.requiresGradient || !value.isLeaf { value = value.detached().requiringGradient() }
        }
    }

    /// Creates a parameter holding `value` (as a leaf that requires gradients).
    public init(_ value: Tensor<Scalar>) {
        self.value = value.detached().requiringGradient()
    }

    /// The gradient accumulated by backward passes, or nil before the first one.
    public var gradient: Tensor<Scalar>? { value.gradient }

    /// Clears the accumulated gradient.
    public func zeroGradients() { value.zeroGradients() }

    /// Shape of the tensor.
    public var shape: [Int] { value.shape }
}

/// Anything that maps a tensor to a tensor and owns named parameters.
///
/// Parameters are listed explicitly (no reflection), with names unique within the layer:
/// `W` and `b` for `Linear`, `0.W`, `0.b`, `2.W`, … inside a `Sequential`. Save, load and
/// the walkthroughs find parameters by these names.
public protocol Layer<Scalar> {
    /// The element type.
    associatedtype Scalar: TensorScalar
    /// Applies the layer to a batch (rows are examples).
    func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar>
    /// The layer's parameters with their names, in a fixed order.
    var namedParameters: [(name: String, parameter: Parameter<Scalar>)] { get }
}

extension Layer {
    /// The parameters, in order.
    public var parameters: [Parameter<Scalar>] { namedParameters.map(\.parameter) }

    /// The parameter called `name`, or nil.
    public func parameter(named name: String) -> Parameter<Scalar>? {
        namedParameters.first { $0.name == name }?.parameter
    }

    /// Clears every parameter's gradient.
    public func zeroGradients() { for p in parameters { p.zeroGradients() } }

    /// Total number of scalar parameters.
    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.value.count } }
}
