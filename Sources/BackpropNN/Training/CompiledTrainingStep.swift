import Backprop

/// A model's forward pass, loss and backward pass compiled into one `TensorProgram`
/// per input shape (traced on first use of a shape, like `jax.jit`). Each call adds
/// the gradients to the parameters, as `loss.backward()` would, so any `Optimizer`
/// steps from them as usual:
///
/// ```swift
/// let step = CompiledTrainingStep(model: model) { Loss.halfSumOfSquares($0, $1) }
/// optimizer.zeroGradients()
/// let loss = try step(x, y)        // forward + backward, no graph recorded
/// optimizer.step()
/// ```
///
/// ```
/// p.gradient += ∂loss(model(x), y)/∂p   for every parameter p
/// ```
/// The parameters' current values are read at every call, so updates between calls
/// are seen. Tracing follows `TensorProgram`'s rules: the model and the loss must be
/// tensor functions of the input, the target and the parameters (labels as one-hot
/// targets, see ``Loss/softmaxCrossEntropy(logits:oneHotTargets:file:line:)``).
/// Gradients come from the same rule table as eager backward passes; the results
/// agree with eager training to rounding.
public final class CompiledTrainingStep<Model: Layer> {
    /// The element type.
    public typealias Scalar = Model.Scalar

    /// The model whose parameters are trained.
    public let model: Model
    @usableFromInline let loss: (Tensor<Scalar>, Tensor<Scalar>) -> Tensor<Scalar>
    @usableFromInline let parameters: [Parameter<Scalar>]
    /// Compiled programs by input and target shape.
    @usableFromInline var programs: [[[Int]]: TensorProgram<Scalar>] = [:]
    /// The program of the last call and its shapes (looked up without hashing).
    @exclusivity(unchecked) @usableFromInline var last: (input: [Int], target: [Int], program: TensorProgram<Scalar>)?

    /// A step for `model` minimising `loss(prediction, target)`.
    public init(model: Model, loss: @escaping (_ prediction: Tensor<Scalar>, _ target: Tensor<Scalar>) -> Tensor<Scalar>) {
        self.model = model
        self.loss = loss
        parameters = model.parameters
    }

    /// The program for these shapes (traced and compiled on first use).
    ///
    /// ```
    /// program(p₁, …, pₖ, x, y) = [E, ∂E/∂p₁, …, ∂E/∂pₖ],   E = loss(model(x), y)
    /// ```
    /// Throws when the model or the loss cannot be traced (see `TensorProgram`).
    public func program(input: Tensor<Scalar>, target: Tensor<Scalar>) throws -> TensorProgram<Scalar> {
        let key = [input.shape, target.shape]
        if let p = programs[key] { return p }
        let examples = parameters.map(\.value) + [input, target]
        let saved = parameters.map(\.tensor)
        let count = parameters.count
        defer { for (p, t) in zip(parameters, saved) { p.tensor = t } }
        let program = try TensorProgram(valueAndGradientsOf: { x in
            // The model reads its parameters through the `Parameter` objects: point them
            // at the placeholders while the trace runs.
            for k in 0..<count { self.parameters[k].tensor = x[k] }
            return self.loss(self.model(x[count]), x[count + 1])
        }, at: examples, withRespectTo: Array(0..<count))
        programs[key] = program
        return program
    }

    /// Runs forward and backward for one batch: adds each parameter's gradient and
    /// returns the loss.
    ///
    /// ```
    /// E = loss(model(input), target);   p.gradient += ∂E/∂p
    /// ```
    /// Throws when the model or the loss cannot be traced (see `TensorProgram`).
    @inlinable
    @discardableResult
    public func callAsFunction(_ input: Tensor<Scalar>, _ target: Tensor<Scalar>) throws -> Scalar {
        let program: TensorProgram<Scalar>
        if let last, last.input == input.shape, last.target == target.shape {
            program = last.program
        } else {
            program = try self.program(input: input, target: target)
            last = (input.shape, target.shape, program)
        }
        let count = parameters.count
        for k in 0..<count { program.setInput(parameters[k].tensor, at: k) }
        program.setInput(input, at: count)
        program.setInput(target, at: count + 1)
        program.run()
        for k in 0..<count { parameters[k].tensor.accumulateGradient(program.output(at: k + 1)) }
        return program.output(at: 0).scalar
    }
}
