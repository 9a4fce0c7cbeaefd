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
///
/// try step(x, y, updating: &optimizer)   // the same in one call, gradients not stored
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
    @exclusivity(unchecked) @usableFromInline var lastProgram: TensorProgram<Scalar>?
    @exclusivity(unchecked) @usableFromInline var lastInputShape: [Int] = []
    @exclusivity(unchecked) @usableFromInline var lastTargetShape: [Int] = []
    /// The last optimiser's parameters, and where their gradients are among the outputs.
    @exclusivity(unchecked) @usableFromInline var cachedOptimizerParameters: [Parameter<Scalar>] = []
    @exclusivity(unchecked) @usableFromInline var cachedOutputIndices: [Int] = []

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
        let program = try run(input, target)
        for k in 0..<parameters.count where !program.independentInputs.contains(k) {
            parameters[k].tensor.accumulateGradient(program.output(at: k + 1))
        }
        return program.output(at: 0).scalar
    }

    /// One whole training step: forward, backward, and the optimiser's update from the
    /// gradients just computed, which go straight to `optimizer.step(gradients:)`
    /// (the parameters' accumulated gradients are neither read nor changed, so there
    /// is nothing to zero). Returns the loss before the update.
    ///
    /// ```
    /// E = loss(model(input), target);   p ← update(p, ∂E/∂p)
    /// ```
    /// Parameters of the optimiser that the model does not have are skipped. Throws when
    /// the model or the loss cannot be traced (see `TensorProgram`).
    @inlinable
    @discardableResult
    public func callAsFunction<Opt: Optimizer>(
        _ input: Tensor<Scalar>, _ target: Tensor<Scalar>, updating optimizer: inout Opt
    ) throws -> Scalar where Opt.Scalar == Scalar {
        let program = try run(input, target)
        let loss = program.output(at: 0).scalar
        let map = outputIndices(of: optimizer)
        // The optimiser reads the gradients in the program's own buffers (valid until
        // the next run): nothing is copied or stored.
        optimizer.step(gradients: { k in
            let o = map[k]
            return o < 0 ? nil : program.unsafeOutputBuffer(at: o)
        })
        return loss
    }

    /// Binds the parameters and the batch, and runs the program for their shapes.
    @inlinable
    func run(_ input: Tensor<Scalar>, _ target: Tensor<Scalar>) throws -> TensorProgram<Scalar> {
        let program: TensorProgram<Scalar>
        if let p = lastProgram, lastInputShape == input.shape, lastTargetShape == target.shape {
            program = p
        } else {
            program = try self.program(input: input, target: target)
            lastProgram = program
            cachedOptimizerParameters = []  // the gradient map is per program
            lastInputShape = input.shape
            lastTargetShape = target.shape
        }
        let count = parameters.count
        for k in 0..<count { program.setInput(parameters[k].tensor, at: k) }
        program.setInput(input, at: count)
        program.setInput(target, at: count + 1)
        program.run()
        return program
    }

    /// For each of the optimiser's parameters, the program output holding its gradient
    /// (−1: not a parameter of this model). Cached for the last optimiser's parameter list.
    @inlinable
    func outputIndices<Opt: Optimizer>(of optimizer: Opt) -> [Int] where Opt.Scalar == Scalar {
        let theirs = optimizer.parameters
        if theirs.count == cachedOptimizerParameters.count
            && zip(theirs, cachedOptimizerParameters).allSatisfy({ $0 === $1 }) {
            return cachedOutputIndices
        }
        cachedOptimizerParameters = theirs
        // Parameters the loss does not depend on get no gradient (skipped, as after an
        // eager backward pass), not a zero one: momentum and Adam would still move them.
        let independent = lastProgram?.independentInputs ?? []
        cachedOutputIndices = theirs.map { p in
            guard let k = parameters.firstIndex(where: { $0 === p }), !independent.contains(k) else { return -1 }
            return k + 1
        }
        return cachedOutputIndices
    }
}
