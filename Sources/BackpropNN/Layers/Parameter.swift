import Backprop

/// A trainable tensor: a graph leaf whose gradient accumulates, shared by reference
/// between the layer that owns it and the optimiser that updates it.
public final class Parameter<Scalar: TensorScalar> {
    /// Not checked for exclusive access at run time: the check costs more than reading
    /// a tiny parameter, and a parameter is used by one training loop at a time.
    @exclusivity(unchecked) @usableFromInline var tensor: Tensor<Scalar>

    /// The tensor. Assigning replaces the values: the parameter gets a fresh leaf (its own
    /// gradient, none accumulated yet) holding them, even when the new value is another
    /// parameter's tensor, so `copy.value = original.value` makes an independent copy
    /// (the values are shared until either is updated); the shape must not change.
    /// Parameters that should be one (tied weights) are one `Parameter` object, used twice.
    public var value: Tensor<Scalar> {
        get { tensor }
        set {
            nnPrecondition(newValue.shape == tensor.shape,
                         "Parameter: new value has shape \(newValue.shape), the parameter has shape \(tensor.shape)")
            tensor = newValue.detached().requiringGradient()
        }
    }

    /// Creates a parameter holding `value` (as a leaf that requires gradients).
    public init(_ value: Tensor<Scalar>) {
        tensor = value.detached().requiringGradient()
    }

    /// Updates the values in place (no allocation unless a live graph still shares them).
    ///
    /// ```swift
    /// p.update { w in for i in w.indices { w[i] *= 0.5 } }
    /// ```
    @inlinable
    public func update(_ body: (inout UnsafeMutableBufferPointer<Scalar>) -> Void) {
        tensor.withUnsafeMutableBufferPointer(body)
    }

    /// Rewrites the values from the old ones in one pass, keeping the parameter's
    /// identity: `body` reads `old` and must write every element of `new`. While the last
    /// step's graph still holds the old values, `new` is fresh storage and the old values
    /// are read, not copied first; otherwise the update is in place.
    ///
    /// ```
    /// new[i] = f(old[i], …)      SGD: new[i] = old[i] − α·g[i]
    /// ```
    @inlinable
    public func update(_ body: (_ old: UnsafeBufferPointer<Scalar>, _ new: UnsafeMutableBufferPointer<Scalar>) -> Void) {
        tensor.updateElements(body)
    }

    /// The gradient accumulated by backward passes, or nil before the first one.
    @inlinable
    public var gradient: Tensor<Scalar>? { tensor.gradient }

    /// Clears the accumulated gradient.
    @inlinable public func zeroGradients() { tensor.zeroGradients() }

    /// Shape of the tensor.
    public var shape: [Int] { tensor.shape }
}

/// Anything that maps a tensor to a tensor and owns named parameters.
///
/// Parameters are listed explicitly (no reflection), with names unique within the layer:
/// `W` and `b` for `Linear`, `0.W`, `0.b`, `2.W`, … inside a `Sequential`. Save, load and
/// the walkthroughs find parameters by these names. A parameter, state or sublayer held
/// in a stored property but missing from these lists is not trained, saved or switched:
/// ``unregisteredParts(in:)`` finds such omissions (and `train` warns about them).
public protocol Layer<Scalar> {
    /// The element type.
    associatedtype Scalar: TensorScalar
    /// Applies the layer to a batch (rows are examples).
    func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar>
    /// The layer's parameters with their names, in a fixed order.
    var namedParameters: [(name: String, parameter: Parameter<Scalar>)] { get }
    /// The layer's non-trainable state (running statistics, masks) with names, in a fixed
    /// order; none by default. See ``LayerState``.
    var namedStates: [(name: String, state: LayerState<Scalar>)] { get }
    /// The switches of the layer's mode-dependent parts (dropout, batch normalisation),
    /// its own and its sublayers', in a fixed order; none by default. See ``LayerMode``.
    var modeSwitches: [LayerModeSwitch] { get }
}

extension Layer {
    /// The distinct parameters, in order of first appearance: a parameter the model
    /// uses in two places (tied weights, a layer applied twice) is listed once, as in
    /// PyTorch's `parameters()`, so an optimiser updates it once per step with the sum of
    /// the gradients of both uses.
    ///
    /// ```
    /// parameters = unique(namedParameters.map(\.parameter))   (by identity)
    /// ```
    public var parameters: [Parameter<Scalar>] {
        var seen = Set<ObjectIdentifier>()
        return namedParameters.compactMap { seen.insert(ObjectIdentifier($0.parameter)).inserted ? $0.parameter : nil }
    }

    /// The parameter called `name`, or nil.
    public func parameter(named name: String) -> Parameter<Scalar>? {
        namedParameters.first { $0.name == name }?.parameter
    }

    /// Clears every parameter's gradient.
    @inlinable public func zeroGradients() { for p in parameters { p.zeroGradients() } }

    /// Total number of scalar parameters.
    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.value.count } }
}
