import CBackpropKernels

/// Why a function could not be compiled into a `TensorProgram`.
public struct TensorProgramError: Error, CustomStringConvertible, Sendable {
    /// What went wrong, naming the value or op.
    public let description: String

    /// An error with this description (for layers above that compile programs).
    public init(description: String) { self.description = description }
}

/// A tensor function traced once and compiled into a flat list of kernel calls over
/// buffers allocated once (like `jax.jit`): calling it runs no graph recording, no
/// node allocation and no reference counting per op, so small models run many times
/// faster than eagerly.
///
/// Tracing runs `function` once on placeholder copies of the example inputs, with
/// recording on. Ops recorded from the placeholders become the program; tensors that
/// do not depend on them become constants. Gradients are traced too: call
/// `gradients(of:withRespectTo:createGraph: true)` inside the function (or use
/// `init(valueAndGradientsOf:at:withRespectTo:)`), and the backward pass is recorded as
/// ops of the same program, using the same rule table as eager backward passes.
///
/// ```
/// program(x₁, …, xₙ) = function(x₁, …, xₙ)     for inputs of the traced shapes
/// ```
///
/// Rules, like any tracing compiler's:
/// - The inputs must have the example shapes, every call.
/// - Values that do not depend on the inputs are frozen at trace time: constants
///   captured from outside and integer payloads such as class labels (`gathered`).
///   Pass anything that changes between calls as an input (labels as one-hot tensors).
/// - Reading the values of a traced tensor (`scalars`, `scalar`, a subscript,
///   `description`) is an error naming the op the tensor came from and its call site
///   (like JAX's `ConcretizationTypeError`), and so is drawing random numbers from a
///   `SeededGenerator`. A custom op's `forward` runs eagerly at every run; a `backward`
///   that reads values does too (and cannot be differentiated again in a program).
/// - A tensor that requires gradients but is not an input (a captured parameter) is an
///   error: a program cannot see its later values. Pass parameters as inputs.
/// - An op that computes a constant from traced values inside `withoutGradients` is an
///   error, since the program would silently replay the first call's value.
///   `detached()` copies are fine: the program recomputes them from their source
///   (gradients do not flow through them, as in eager mode).
/// - `Tensor.where` with a mask computed from the inputs is an error (the mask is an
///   op parameter, not an input of the op).
/// - Programs run no anomaly detection; debug a model eagerly.
///
/// A program is not thread-safe: use one per thread (compiling is cheap).
public final class TensorProgram<Scalar: TensorScalar> {
    /// Shapes of the inputs, in order.
    public let inputShapes: [[Int]]
    /// Shapes of the outputs, in order.
    public let outputShapes: [[Int]]
    /// For a program made by `init(valueAndGradientsOf:at:withRespectTo:)`: the inputs
    /// (among those differentiated) that the value does not depend on at all. Their
    /// gradient outputs are zeros; an eager `backward()` would leave such a parameter's
    /// gradient nil, and optimisers skip it.
    ///
    /// ```
    /// i ∈ independentInputs  ⇔  no path from input i to the value
    /// ```
    public internal(set) var independentInputs: Set<Int> = []

    /// What the program runs, in order.
    let instructions: [Instruction]
    /// The instructions as the run loop reads them (`instructions.count` of them).
    let steps: UnsafeMutablePointer<Step>
    /// Per slot: the values (inputs are bound per call, constants fixed, results
    /// written in place) and their base address.
    /// (Raw memory rather than arrays: an array element written in place pays a
    /// uniqueness check of the whole array first.)
    let storages: UnsafeMutablePointer<TensorStorage<Scalar>>
    /// Whether each input is bound for the next run.
    let isBound: UnsafeMutablePointer<Bool>
    /// The results of the last run.
    @usableFromInline let outputs: UnsafeMutablePointer<TensorStorage<Scalar>>
    @usableFromInline let pointers: UnsafeMutablePointer<UnsafeMutablePointer<Scalar>>
    let slotCount: Int
    /// Slots the outputs are read from, and their element counts.
    @usableFromInline let outputSlots: [Int]
    @usableFromInline let outputCounts: [Int]
    /// Outputs that are inputs (kept in `outputs` after the run lets go of its inputs).
    let inputOutputs: [Int]
    /// Output slots written in place, whose buffers may be held by the caller after a call.
    let handedOutSlots: [Int]
    /// Slots of the constants (for `description`).
    let constantSlots: Set<Int>

    deinit {
        steps.deallocate()
        pointers.deallocate()
        storages.deinitialize(count: slotCount)
        storages.deallocate()
        isBound.deallocate()
        outputs.deinitialize(count: outputSlots.count)
        outputs.deallocate()
    }

    /// Traces `function` on copies of `examples` and compiles it.
    ///
    /// ```
    /// program = compile(trace(function, examples))
    /// ```
    /// Throws when the trace reads a parameter that is not an input, or computes a value
    /// from the inputs that a replay could not recompute (see the type's rules).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public init(inputs examples: [Tensor<Scalar>], _ function: ([Tensor<Scalar>]) throws -> [Tensor<Scalar>]) throws {
        let tracer = GraphTracer<Scalar>()
        var placeholders: [Tensor<Scalar>] = []
        for (i, example) in examples.enumerated() {
            // A private copy, so that each input has a buffer of its own to be known by.
            let copy = TensorStorage<Scalar>(example.scalars)
            let leaf = TensorNode<Scalar>(leafShape: example.shape)
            tracer.inputByNode[ObjectIdentifier(leaf)] = i
            if copy.count > 0 { tracer.inputByBuffer[ObjectIdentifier(copy.buffer)] = i }
            placeholders.append(Tensor(storage: copy, shape: example.shape, node: leaf))
        }
        let previous = bp_set_tracer(Unmanaged.passUnretained(tracer as AnyGraphTracer).toOpaque())
        let results: [Tensor<Scalar>]
        do {
            results = try function(placeholders)
        } catch {
            _ = bp_set_tracer(previous)
            throw error
        }
        _ = bp_set_tracer(previous)
        if !tracer.problems.isEmpty {
            throw TensorProgramError(description: "TensorProgram: cannot compile the function: " + tracer.problems.joined(separator: "; "))
        }
        var builder = TensorProgramBuilder(tracer: tracer, inputCount: examples.count)
        let resultSlots = try results.map { try builder.slot(for: $0) }
        if ProgramFusion.isEnabled.load(ordering: .relaxed) {
            builder.fuseEpilogues(keeping: Set(resultSlots))
            builder.moveReductionsNextToTheirInput()
            builder.moveUnreadProductsNextToTheirInputs(keeping: Set(resultSlots))
            if ProgramPairs.isEnabled.load(ordering: .relaxed) { builder.pairIndependentProducts() }
        }
        builder.shareDeadBuffers(keeping: Set(resultSlots))
        inputShapes = examples.map(\.shape)
        outputShapes = results.map(\.shape)
        instructions = builder.instructions
        steps = .allocate(capacity: Swift.max(1, instructions.count))
        for (i, instruction) in instructions.enumerated() { (steps + i).initialize(to: Step(instruction, at: i)) }
        slotCount = builder.storages.count
        storages = .allocate(capacity: Swift.max(1, slotCount))
        storages.initialize(from: builder.storages, count: slotCount)
        constantSlots = builder.constantSlots
        outputSlots = resultSlots
        outputCounts = results.map(\.count)
        inputOutputs = resultSlots.indices.filter { resultSlots[$0] < examples.count }
        handedOutSlots = Array(Set(resultSlots.filter { builder.inPlace.contains($0) })).sorted()
        isBound = .allocate(capacity: Swift.max(1, examples.count))
        isBound.initialize(repeating: false, count: examples.count)
        outputs = .allocate(capacity: Swift.max(1, resultSlots.count))
        outputs.initialize(repeating: TensorStorage(), count: resultSlots.count)
        pointers = .allocate(capacity: Swift.max(1, slotCount))
        for s in 0..<slotCount { pointers[s] = storages[s].base }
        tracer.poisonTracedValues(placeholders.map(\.storage))
    }

    /// Runs the program.
    ///
    /// ```
    /// [y₁, …, yₘ] = function(x₁, …, xₙ)
    /// ```
    /// The results are fresh values (copy-on-write): a result the caller still holds at
    /// the next call is left alone, and that call writes a new buffer.
    ///
    /// Precondition: as many inputs as traced, each with its traced shape.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func callAsFunction(_ inputs: [Tensor<Scalar>], file: StaticString = #fileID, line: UInt = #line) -> [Tensor<Scalar>] {
        if inputs.count != inputShapes.count {
            tensorError("TensorProgram: \(inputs.count) inputs for a program traced with \(inputShapes.count)", file: file, line: line)
        }
        for i in 0..<inputs.count { setInput(inputs[i], at: i, file: file, line: line) }
        run(file: file, line: line)
        return (0..<outputSlots.count).map { output(at: $0) }
    }

    /// Binds input `i` for the next `run()` (without copying its values).
    ///
    /// ```
    /// xᵢ ← tensor
    /// ```
    /// Precondition: `0 ≤ i < inputShapes.count` and `tensor.shape == inputShapes[i]`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func setInput(_ tensor: Tensor<Scalar>, at i: Int, file: StaticString = #fileID, line: UInt = #line) {
        guard i >= 0 && i < inputShapes.count else {
            tensorError("TensorProgram: input index \(i) is out of range for \(inputShapes.count) inputs", file: file, line: line)
        }
        if tensor.shape != inputShapes[i] {
            tensorError("TensorProgram: input \(i) has shape \(tensor.shape), the program was traced with \(inputShapes[i])",
                        file: file, line: line)
        }
        storages[i] = tensor.storage
        pointers[i] = storages[i].base
        isBound[i] = true
    }

    /// Runs the program on the bound inputs, then lets go of them (so the caller can
    /// update them in place); read the results with `output(at:)`.
    ///
    /// ```
    /// [y₁, …, yₘ] = function(x₁, …, xₙ)
    /// ```
    /// Precondition: every input was bound by `setInput(_:at:)` since the last run.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func run(file: StaticString = #fileID, line: UInt = #line) {
        beginRun(file: file, line: line)
        execute()
        endRun()
    }

    /// Checks that every input is bound and gives results still held by the caller
    /// fresh buffers (the first half of `run()`).
    @inline(__always)
    func beginRun(file: StaticString, line: UInt) {
        for i in 0..<inputShapes.count where !isBound[i] {
            tensorError("TensorProgram: input \(i) (shape \(inputShapes[i])) is not bound; call setInput(_:at:) before run()",
                        file: file, line: line)
        }
        // Results of the last run still held by the caller keep their buffers; the
        // program writes new ones.
        for k in inputOutputs { outputs[k] = TensorStorage() }
        for s in handedOutSlots where !isKnownUniquelyReferenced(&storages[s].buffer) {
            storages[s] = TensorStorage(repeating: 0, count: storages[s].count)
            pointers[s] = storages[s].base
        }
    }

    /// Keeps outputs that are inputs and lets go of the inputs (the second half of `run()`).
    @inline(__always)
    func endRun() {
        for k in inputOutputs { outputs[k] = storages[outputSlots[k]] }
        for i in 0..<inputShapes.count {
            storages[i] = TensorStorage()
            isBound[i] = false
        }
    }

    /// Result `k` of the last run.
    ///
    /// ```
    /// yₖ
    /// ```
    /// Precondition: `0 ≤ k < outputShapes.count`, after a run.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func output(at k: Int) -> Tensor<Scalar> {
        let s = outputSlots[k]
        return Tensor(storage: s < inputShapes.count ? outputs[k] : storages[s], shape: outputShapes[k], node: nil)
    }

    /// The elements of result `k` of the last run, without copying or retaining them:
    /// valid until the next run (or until the program is freed).
    ///
    /// ```
    /// buffer[i] = yₖ[i]
    /// ```
    /// Precondition: `0 ≤ k < outputShapes.count`, after a run.
    @inlinable
    package func unsafeOutputBuffer(at k: Int) -> UnsafeBufferPointer<Scalar> {
        let s = outputSlots[k]
        if s < inputShapes.count { return UnsafeBufferPointer(start: outputs[k].base, count: outputs[k].count) }
        return UnsafeBufferPointer(start: pointers[s], count: outputCounts[k])
    }

    /// Runs the program on the given inputs.
    ///
    /// ```
    /// [y₁, …, yₘ] = function(x₁, …, xₙ)
    /// ```
    public func callAsFunction(_ inputs: Tensor<Scalar>..., file: StaticString = #fileID, line: UInt = #line) -> [Tensor<Scalar>] {
        callAsFunction(inputs, file: file, line: line)
    }

    /// The number of instructions (ops) run per call.
    public var instructionCount: Int { instructions.count }

    /// The number of instructions run by the eager op instead of a kernel of the program.
    public var fallbackCount: Int { instructions.count { $0.eager != nil } }

    /// The floating-point operations of the program's matrix products per call: two per
    /// multiply-add, over every product instruction (plain, batched, broadcast, and fused
    /// with an epilogue), so that a timed call can be given as a fraction of the machine's
    /// peak. Everything else (elementwise work, reductions, the epilogues themselves, and
    /// any product run by its eager op) counts nothing, so the fraction is if anything low.
    ///
    /// ```
    /// flops = Σ over products of 2·batch·m·n·k      (C[m×n] = op(A)[m×k]·op(B)[k×n], batch times)
    /// ```
    public var matrixProductFlops: Double {
        instructions.reduce(0) { total, instruction in
            func flops(_ batch: Int, _ m: Int, _ n: Int, _ k: Int) -> Double {
                2 * Double(batch) * Double(m) * Double(n) * Double(k)
            }
            switch instruction.kernel {
            case let .matmul(_, _, batch, m, n, k): return total + flops(batch, m, n, k)
            case let .linear(m, n, k, _): return total + flops(1, m, n, k)
            case let .linearActivation(m, n, k, _, _, _, _): return total + flops(1, m, n, k)
            case let .matmulDerivative(_, _, m, n, k, _, _): return total + flops(1, m, n, k)
            case let .broadcastMatmul(_, _, m, n, k):
                return total + flops(m * n > 0 ? instruction.operands.outCount / (m * n) : 0, m, n, k)
            default: return total
            }
        }
    }

    /// Bytes of the buffers the program owns (results and constants; a buffer shared by
    /// results whose lifetimes do not overlap counts once).
    public var bufferBytes: Int {
        var seen: Set<ObjectIdentifier> = []
        var bytes = 0
        for s in inputShapes.count..<slotCount where seen.insert(ObjectIdentifier(storages[s].buffer)).inserted {
            bytes += storages[s].count * MemoryLayout<Scalar>.stride
        }
        return bytes
    }
}

extension TensorProgram {
    /// Traces the value of `function` and its gradients with respect to some inputs, and
    /// compiles both into one program (forward and backward pass, like
    /// `jax.jit(jax.value_and_grad(f))`).
    ///
    /// ```
    /// program(x) = [f(x), ∂f/∂x_{i₁}, …, ∂f/∂x_{iₖ}]
    /// ```
    /// Precondition: `function` returns one element; `indices` name inputs.
    public convenience init(
        valueAndGradientsOf function: ([Tensor<Scalar>]) throws -> Tensor<Scalar>, at examples: [Tensor<Scalar>],
        withRespectTo indices: [Int]
    ) throws {
        try self.init(valueAndGradientsOf: { (value: try function($0), auxiliary: []) }, at: examples, withRespectTo: indices)
    }

    /// Traces the value of `function`, its gradients with respect to some inputs, and
    /// auxiliary results that are not differentiated (like `jax.value_and_grad(f,
    /// has_aux=True)`): new values of state such as running statistics, returned after
    /// the gradients.
    ///
    /// ```
    /// program(x) = [f(x), ∂f/∂x_{i₁}, …, ∂f/∂x_{iₖ}, a₁(x), …, aₘ(x)]
    /// ```
    /// Precondition: the value has one element; `indices` name inputs.
    public convenience init(
        valueAndGradientsOf function: ([Tensor<Scalar>]) throws -> (value: Tensor<Scalar>, auxiliary: [Tensor<Scalar>]),
        at examples: [Tensor<Scalar>], withRespectTo indices: [Int]
    ) throws {
        for i in indices where i < 0 || i >= examples.count {
            throw TensorProgramError(description: "TensorProgram: gradient index \(i) is out of range for \(examples.count) inputs")
        }
        var independent: Set<Int> = []
        try self.init(inputs: examples) { inputs in
            let (value, auxiliary) = try function(inputs)
            if value.count != 1 {
                throw TensorProgramError(description: "TensorProgram: the function returns shape \(value.shape), not a single element")
            }
            guard let root = value.node else {
                independent = Set(indices)
                return [value] + indices.map { Tensor.zeros(shape: inputs[$0].shape) } + auxiliary
            }
            let targets = indices.map { inputs[$0] }
            let found = reachedGradients(root: root, seed: Tensor(storage: [1], shape: value.shape, node: nil),
                                         inputs: targets, createGraph: true)
            for (k, g) in found.enumerated() where g == nil { independent.insert(indices[k]) }
            return [value] + targets.indices.map { found[$0] ?? Tensor.zeros(shape: targets[$0].shape) } + auxiliary
        }
        independentInputs = independent
    }
}
