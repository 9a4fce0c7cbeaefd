import Backprop
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

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
/// try step(x, y, updating: optimizer)    // the same in one call, gradients not stored
/// ```
///
/// ```
/// p.gradient += ∂loss(model(x), y)/∂p   for every parameter p
/// ```
/// Programs are keyed by the shapes and by the model's modes (``LayerMode``, one per
/// ``LayerModeSwitch``): switching the model between training and evaluation between
/// calls selects (or traces) the program of the new modes; the two are never mixed.
/// Random numbers come in through keyed draws (``RandomKey``, as ``Dropout`` does),
/// whose key is a state: a fresh mask at every call, the same as eagerly.
/// The parameters' and states' (``LayerState``) current values are read at every call,
/// so updates between calls are seen; the states the forward pass assigns are written
/// back after each call. At the second call of each shape the step traces again and
/// compares: a value that changed between the calls without being an input (captured
/// labels, a temperature) is a `TensorProgramError`, not a frozen value. Tracing follows `TensorProgram`'s rules: the model and the loss must be
/// tensor functions of the input, the target and the parameters (labels as one-hot
/// targets, see ``Loss/softmaxCrossEntropy(logits:oneHotTargets:file:line:)``).
/// Gradients come from the same rule table as eager backward passes; the results
/// agree with eager training to rounding.
public final class CompiledTrainingStep<Model: Layer> {
    /// The element type.
    public typealias Scalar = Model.Scalar

    /// The model whose parameters are trained.
    public let model: Model
    @usableFromInline let loss: @Sendable (Tensor<Scalar>, Tensor<Scalar>) -> Tensor<Scalar>
    @usableFromInline let parameters: [Parameter<Scalar>]
    /// The model's states: program inputs after the parameters, written back from the
    /// outputs after the gradients.
    @usableFromInline let states: [LayerState<Scalar>]
    /// The model's mode switches: their modes are part of every program's key.
    @usableFromInline let modeSwitches: [LayerModeSwitch]
    /// Compiled programs by input and target shape and the model's modes, with the
    /// number of runs so far (the second run of each is checked against a second trace).
    @usableFromInline var programs: [ProgramKey: (program: TensorProgram<Scalar>, runs: Int)] = [:]
    /// The program of the last call and its shapes (looked up without hashing), and the
    /// same program once it has passed the second-trace check (until then calls take the
    /// slow path).
    @exclusivity(unchecked) @usableFromInline var lastProgram: TensorProgram<Scalar>?
    @exclusivity(unchecked) @usableFromInline var lastCheckedProgram: TensorProgram<Scalar>?
    @exclusivity(unchecked) @usableFromInline var lastInputShape: [Int] = []
    @exclusivity(unchecked) @usableFromInline var lastTargetShape: [Int] = []
    @exclusivity(unchecked) @usableFromInline var lastModes: [LayerMode] = []
    /// The last optimiser's parameters, and where their gradients are among the outputs.
    @exclusivity(unchecked) @usableFromInline var cachedOptimizerParameters: [Parameter<Scalar>] = []
    @exclusivity(unchecked) @usableFromInline var cachedOutputIndices: [Int] = []

    /// A step for `model` minimising `loss(prediction, target)`.
    ///
    /// The loss is `@Sendable`, so the compiler refuses a captured `var` (a temperature,
    /// labels of the current batch): a program would replay its value at the trace.
    /// Whatever changes between calls comes in as the target or as a ``LayerState``.
    public init(model: Model, loss: @escaping @Sendable (_ prediction: Tensor<Scalar>, _ target: Tensor<Scalar>) -> Tensor<Scalar>) {
        self.model = model
        self.loss = loss
        parameters = model.parameters
        states = model.states
        modeSwitches = model.modeSwitches
    }

    /// What a program is compiled for: the input and target shapes and the modes.
    @usableFromInline
    struct ProgramKey: Hashable {
        let shapes: [[Int]]
        let modes: [LayerMode]
    }

    /// The model's modes now (empty for a model without mode-dependent layers).
    @inlinable
    var currentModes: [LayerMode] { modeSwitches.isEmpty ? [] : modeSwitches.map(\.mode) }

    /// Whether the modes are those of the last checked program (no allocation).
    @inlinable @inline(__always)
    func modesUnchanged() -> Bool {
        if modeSwitches.isEmpty { return true }
        for (k, s) in modeSwitches.enumerated() where s.mode != lastModes[k] { return false }
        return true
    }

    /// The program for these shapes and the model's current modes (traced and compiled
    /// on first use).
    ///
    /// ```
    /// program(p₁, …, pₖ, s₁, …, sₘ, x, y) = [E, ∂E/∂p₁, …, ∂E/∂pₖ, s′₁, …, s′ₘ],   E = loss(model(x), y)
    /// ```
    /// where s′ⱼ is the value the forward pass leaves in state j.
    /// Throws when the model or the loss cannot be traced (see `TensorProgram`).
    public func program(input: Tensor<Scalar>, target: Tensor<Scalar>) throws -> TensorProgram<Scalar> {
        let key = ProgramKey(shapes: [input.shape, target.shape], modes: currentModes)
        if let p = programs[key] { return p.program }
        let program = try trace(input: input, target: target)
        programs[key] = (program, 0)
        return program
    }

    /// Traces the model and the loss on these shapes and compiles them.
    func trace(input: Tensor<Scalar>, target: Tensor<Scalar>) throws -> TensorProgram<Scalar> {
        let examples = parameters.map(\.value) + states.map(\.tensor) + [input, target]
        let savedParameters = parameters.map(\.tensor), savedStates = states.map(\.tensor)
        let count = parameters.count, stateCount = states.count
        defer {
            for (p, t) in zip(parameters, savedParameters) { p.tensor = t }
            for (s, t) in zip(states, savedStates) { s.tensor = t }
        }
        return try TensorProgram(valueAndGradientsOf: { x in
            // The model reads its parameters and states through their objects: point them
            // at the placeholders while the trace runs.
            for k in 0..<count { self.parameters[k].tensor = x[k] }
            for j in 0..<stateCount { self.states[j].tensor = x[count + j] }
            let value = self.loss(self.model(x[count + stateCount]), x[count + stateCount + 1])
            return (value, self.states.map(\.tensor))
        }, at: examples, withRespectTo: Array(0..<count))
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
        _ input: Tensor<Scalar>, _ target: Tensor<Scalar>, updating optimizer: Opt
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

    /// The whole step with the optimiser passed `inout`, as before optimisers were classes.
    @available(*, deprecated, message: "pass the optimizer without &: optimizers are classes")
    @discardableResult
    public func callAsFunction<Opt: Optimizer>(
        _ input: Tensor<Scalar>, _ target: Tensor<Scalar>, updating optimizer: inout Opt
    ) throws -> Scalar where Opt.Scalar == Scalar {
        try self(input, target, updating: optimizer)
    }

    /// Binds the parameters, states and the batch, and runs the program for their shapes.
    @inlinable @inline(__always)
    func run(_ input: Tensor<Scalar>, _ target: Tensor<Scalar>) throws -> TensorProgram<Scalar> {
        if let program = lastCheckedProgram, lastInputShape == input.shape, lastTargetShape == target.shape,
           modesUnchanged() {
            bindAndRun(program, input, target)
            return program
        }
        return try runFirstCalls(input, target)
    }

    /// Binds the inputs, runs, and writes the states back.
    @inlinable @inline(__always)
    func bindAndRun(_ program: TensorProgram<Scalar>, _ input: Tensor<Scalar>, _ target: Tensor<Scalar>) {
        let count = parameters.count, stateCount = states.count
        for k in 0..<count { program.setInput(parameters[k].tensor, at: k) }
        if stateCount > 0 {
            for j in 0..<stateCount { program.setInput(states[j].tensor, at: count + j) }
        }
        program.setInput(input, at: count + stateCount)
        program.setInput(target, at: count + stateCount + 1)
        program.run()
        if stateCount > 0 {
            for j in 0..<stateCount { states[j].tensor = program.output(at: count + 1 + j) }
        }
    }

    /// Whether two runs gave the same results: equal element by element, NaN matching
    /// NaN (so +0 matches −0 and any NaN any other). Equal bytes settle it at the speed
    /// of `memcmp`; only when they differ is each element compared. (The element-wise
    /// loop alone, in this class's unspecialised generic code, took 3 s at the second call
    /// of a 10.5 M-parameter model.)
    ///
    /// ```
    /// same ⇔ ∀i: aᵢ = bᵢ ∨ (aᵢ, bᵢ both NaN)
    /// ```
    static func sameResults(_ a: [Scalar], _ b: [Scalar]) -> Bool {
        guard a.count == b.count else { return false }
        return a.withUnsafeBytes { x in
            b.withUnsafeBytes { y in
                if x.count == 0 || memcmp(x.baseAddress!, y.baseAddress!, x.count) == 0 { return true }
                let p = x.assumingMemoryBound(to: Scalar.self), q = y.assumingMemoryBound(to: Scalar.self)
                for i in 0..<p.count where !(p[i] == q[i] || (p[i].isNaN && q[i].isNaN)) { return false }
                return true
            }
        }
    }

    /// A call whose shapes are not those of the last checked program: traces on first use
    /// of the shapes, and at their second run traces again and compares the two programs
    /// on the same inputs. They differ when the model or the loss uses a value that
    /// changed between the calls (captured labels, a temperature, a flag, random numbers
    /// drawn outside the library's generators), which a program would freeze.
    @usableFromInline
    func runFirstCalls(_ input: Tensor<Scalar>, _ target: Tensor<Scalar>) throws -> TensorProgram<Scalar> {
        let key = ProgramKey(shapes: [input.shape, target.shape], modes: currentModes)
        let program = try self.program(input: input, target: target)
        let runs = programs[key]!.runs
        var expected: [[Scalar]]? = nil
        if runs == 1 {
            let fresh = try trace(input: input, target: target)
            let count = parameters.count, stateCount = states.count
            for k in 0..<count { fresh.setInput(parameters[k].tensor, at: k) }
            for j in 0..<stateCount { fresh.setInput(states[j].tensor, at: count + j) }
            fresh.setInput(input, at: count + stateCount)
            fresh.setInput(target, at: count + stateCount + 1)
            fresh.run()
            expected = (0..<fresh.outputShapes.count).map { fresh.output(at: $0).scalars }
        }
        let savedStates = states.map(\.tensor)
        bindAndRun(program, input, target)
        if let expected {
            let same = (0..<expected.count).allSatisfy { k in
                Self.sameResults(program.output(at: k).scalars, expected[k])
            }
            if !same {
                for (s, t) in zip(states, savedStates) { s.tensor = t }
                throw TensorProgramError(description:
                    "CompiledTrainingStep: tracing the model and the loss again at the second call (input shape \(input.shape), target shape \(target.shape)) gives a program that computes different results from the first on the same inputs: they use a value that changed between the calls, which a compiled program would freeze (labels or other values captured by the loss, a temperature, a layer's flag, random numbers). Pass what changes as the target tensor or as a LayerState, or train eagerly")
            }
        }
        programs[key]!.runs = runs + 1
        if lastProgram !== program {
            lastProgram = program
            cachedOptimizerParameters = []  // the gradient map is per program
            lastInputShape = input.shape
            lastTargetShape = target.shape
            lastModes = key.modes
        }
        lastCheckedProgram = runs + 1 >= 2 ? program : nil
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
