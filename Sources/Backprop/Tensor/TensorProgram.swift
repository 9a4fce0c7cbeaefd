import CBackpropKernels

/// Why a function could not be compiled into a `TensorProgram`.
public struct TensorProgramError: Error, CustomStringConvertible, Sendable {
    /// What went wrong, naming the value or op.
    public let description: String
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
///   captured from outside, integer payloads such as class labels (`gathered`), and
///   numbers read out with `scalars` and turned back into tensors. Pass anything that
///   changes between calls as an input (labels as one-hot tensors).
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
    /// How one instruction computes its result.
    enum Kernel {
        /// The op's eager forward computation (`TensorOp.evaluate`), for ops without a kernel here.
        case generic(Int)
        /// out[i] = f(x[i]).
        case map(ElementwiseFunction, Scalar, Scalar)
        /// out[i] = a[i] ∘ b[i], either operand possibly a single element.
        case combine(BinaryFunction)
        /// A full operand combined with a block repeated along leading axes (a bias row).
        case combineRepeated(BinaryFunction, blockOnRight: Bool)
        /// A full operand combined with one whose trailing axes have extent 1 (a column),
        /// each of its elements repeated `inner` times: out[i] = a[i] ∘ b[i / inner].
        case combineExpanded(BinaryFunction, inner: Int, expandedOnRight: Bool)
        /// C = op(A)·op(B), `batch` times.
        case gemm(transA: Bool, transB: Bool, batch: Int, m: Int, n: Int, k: Int)
        /// y = x·Wᵀ (+ b).
        case linear(m: Int, n: Int, k: Int, bias: Bool)
        /// Sum (or mean, scaled) over the middle axis of [outer, count, inner].
        case reduceMiddle(outer: Int, count: Int, inner: Int, scale: Scalar)
        /// One element repeated.
        case fill
        /// A block repeated along leading axes.
        case repeatBlock
        /// Softmax, log-softmax or log-sum-exp over the middle axis of [outer, count, inner].
        case softmax(SoftmaxFunction, outer: Int, count: Int, inner: Int)
    }

    /// Slots read and written by one instruction (−1: none), with element counts.
    struct Operands {
        var a = -1, b = -1, c = -1, out = -1
        var aCount = 0, bCount = 0, cCount = 0, outCount = 0
    }

    /// What an instruction run by the eager op needs.
    struct Fallback {
        let op: TensorOp<Scalar>
        let inputShapes: [[Int]]
        let shape: [Int]
        let slots: [Int]
        let out: Int
    }

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

    let kernels: [Kernel]
    let operands: [Operands]
    let fallbacks: [Fallback]
    /// The op of each instruction, for `description`.
    let instructionOps: [String]
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
        var builder = Builder(tracer: tracer, inputCount: examples.count)
        let resultSlots = try results.map { try builder.slot(for: $0) }
        builder.shareDeadBuffers(keeping: Set(resultSlots))
        inputShapes = examples.map(\.shape)
        outputShapes = results.map(\.shape)
        kernels = builder.kernels
        operands = builder.operands
        fallbacks = builder.fallbacks
        instructionOps = builder.ops
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
        execute()
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
    public func unsafeOutputBuffer(at k: Int) -> UnsafeBufferPointer<Scalar> {
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
    public var instructionCount: Int { kernels.count }

    /// The number of instructions run by the eager op instead of a kernel of the program.
    public var fallbackCount: Int { fallbacks.count }

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

    /// Runs every instruction in order.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func execute() {
        let p = pointers
        kernels.withUnsafeBufferPointer { kernels in
            operands.withUnsafeBufferPointer { operands in
                for i in 0..<kernels.count {
                    let o = operands[i]
                    @inline(__always) func input(_ s: Int, _ n: Int) -> UnsafeBufferPointer<Scalar> {
                        UnsafeBufferPointer(start: p[s], count: n)
                    }
                    let out = UnsafeMutableBufferPointer(start: p[o.out], count: o.outCount)
                    switch kernels[i] {
                    case .generic(let f):
                        runFallback(f)
                    case .map(let function, let p0, let p1):
                        Scalar._map(function, input(o.a, o.aCount), out, p0, p1)
                    case .combine(let function):
                        TensorProgram.combine(function, p[o.a], o.aCount, p[o.b], o.bCount, p[o.out], o.outCount)
                    case .combineRepeated(let function, _):
                        TensorProgram.combine(function, p[o.a], o.aCount, p[o.b], o.bCount, p[o.out], o.outCount)
                    case .combineExpanded(let function, let inner, let onRight):
                        TensorProgram.combineExpanded(function, p[o.a], p[o.b], p[o.out], o.outCount, inner, onRight)
                    case .gemm(let tA, let tB, let batch, let m, let n, let k):
                        for b in 0..<batch {
                            TensorProgram.multiply(tA, tB, m, n, k, p[o.a] + b * m * k, p[o.b] + b * k * n, p[o.out] + b * m * n)
                        }
                    case .linear(let m, let n, let k, let bias):
                        TensorProgram.multiply(false, true, m, n, k, p[o.a], p[o.b], p[o.out])
                        if bias {
                            let c = p[o.out], b = p[o.c]
                            for row in 0..<m {
                                let r = c + row &* n
                                for j in 0..<n { r[j] += b[j] }
                            }
                        }
                    case .reduceMiddle(let outer, let count, let inner, let scale):
                        out.update(repeating: 0)
                        if outer == 1 && inner == 1 {
                            Scalar._reduce(.sum, input(o.a, o.aCount), nil, out)
                        } else {
                            Scalar._reduceMiddle(.sum, input(o.a, o.aCount), outer: outer, count: count, inner: inner, out)
                        }
                        if scale != 1 { for j in 0..<out.count { out[j] *= scale } }
                    case .fill:
                        out.update(repeating: p[o.a][0])
                    case .repeatBlock:
                        let m = o.aCount, x = p[o.a]
                        var start = 0
                        while start < o.outCount {
                            (out.baseAddress! + start).update(from: x, count: m)
                            start += m
                        }
                    case .softmax(let function, let outer, let count, let inner):
                        Scalar._softmax(function, input(o.a, o.aCount), outer: outer, count: count, inner: inner, out)
                    }
                }
            }
        }
    }

    /// Runs instruction `f` through the op's eager forward computation.
    func runFallback(_ f: Int) {
        let fallback = fallbacks[f]
        let inputs = fallback.slots.indices.map {
            Tensor(storage: storages[fallback.slots[$0]], shape: fallback.inputShapes[$0], node: nil)
        }
        var result = withoutGradients { fallback.op.evaluate(inputs, shape: fallback.shape) }.storage
        let out = fallback.out
        // Never share a buffer with another slot: slots are written in place later.
        if fallback.slots.contains(where: { storages[$0].buffer === result.buffer }) {
            result = TensorStorage(result.array)
        }
        storages[out] = result
        pointers[out] = result.base
    }

    /// out = a ∘ b where each operand has `n` elements, one element, or a block repeated
    /// along leading axes (a bias row): out[i] = a[i mod aCount] ∘ b[i mod bCount].
    @inline(__always)
    static func combine(
        _ function: BinaryFunction, _ a: UnsafeMutablePointer<Scalar>, _ aCount: Int,
        _ b: UnsafeMutablePointer<Scalar>, _ bCount: Int, _ c: UnsafeMutablePointer<Scalar>, _ n: Int
    ) {
        switch function {
        case .add: combine(AddFunction.self, a, aCount, b, bCount, c, n)
        case .subtract: combine(SubtractFunction.self, a, aCount, b, bCount, c, n)
        case .multiply: combine(MultiplyFunction.self, a, aCount, b, bCount, c, n)
        case .divide: combine(DivideFunction.self, a, aCount, b, bCount, c, n)
        case .power: combine(PowerFunction.self, a, aCount, b, bCount, c, n)
        case .equal: combine(EqualFunction.self, a, aCount, b, bCount, c, n)
        case .select: combine(SelectFunction.self, a, aCount, b, bCount, c, n)
        }
    }

    @inline(__always)
    static func combine<F: BinaryScalarFunction>(
        _: F.Type, _ a: UnsafeMutablePointer<Scalar>, _ aCount: Int,
        _ b: UnsafeMutablePointer<Scalar>, _ bCount: Int, _ c: UnsafeMutablePointer<Scalar>, _ n: Int
    ) {
        if aCount == n && bCount == n {
            for i in 0..<n { c[i] = F.apply(a[i], b[i]) }
        } else if bCount == 1 {
            let y = b[0]
            for i in 0..<n { c[i] = F.apply(a[i], y) }
        } else if aCount == 1 {
            let x = a[0]
            for i in 0..<n { c[i] = F.apply(x, b[i]) }
        } else if aCount == n {
            var start = 0
            while start < n {
                let (x, z) = (a + start, c + start)
                for j in 0..<bCount { z[j] = F.apply(x[j], b[j]) }
                start &+= bCount
            }
        } else {
            var start = 0
            while start < n {
                let (y, z) = (b + start, c + start)
                for j in 0..<aCount { z[j] = F.apply(a[j], y[j]) }
                start &+= aCount
            }
        }
    }

    /// out[i] = a[i] ∘ b[i / inner] (or b[i / inner] ∘ a[i] when the expanded operand is
    /// on the left, passed as `b`).
    @inline(__always)
    static func combineExpanded(
        _ function: BinaryFunction, _ a: UnsafeMutablePointer<Scalar>, _ b: UnsafeMutablePointer<Scalar>,
        _ c: UnsafeMutablePointer<Scalar>, _ n: Int, _ inner: Int, _ expandedOnRight: Bool
    ) {
        @inline(__always) func run<F: BinaryScalarFunction>(_: F.Type) {
            let (full, small) = expandedOnRight ? (a, b) : (b, a)
            var r = 0, start = 0
            while start < n {
                let y = small[r], x = full + start, z = c + start
                if expandedOnRight {
                    for j in 0..<inner { z[j] = F.apply(x[j], y) }
                } else {
                    for j in 0..<inner { z[j] = F.apply(y, x[j]) }
                }
                r &+= 1
                start &+= inner
            }
        }
        switch function {
        case .add: run(AddFunction.self)
        case .subtract: run(SubtractFunction.self)
        case .multiply: run(MultiplyFunction.self)
        case .divide: run(DivideFunction.self)
        case .power: run(PowerFunction.self)
        case .equal: run(EqualFunction.self)
        case .select: run(SelectFunction.self)
        }
    }

    /// C = op(A)·op(B) for row-major matrices; small products in a plain loop (GEMM's
    /// packing costs more than they do).
    @inline(__always)
    static func multiply(
        _ tA: Bool, _ tB: Bool, _ m: Int, _ n: Int, _ k: Int,
        _ a: UnsafePointer<Scalar>, _ b: UnsafePointer<Scalar>, _ c: UnsafeMutablePointer<Scalar>
    ) {
        if k == 0 {
            c.update(repeating: 0, count: m * n)
            return
        }
        if m * n * k <= 4096 {
            // Small products in plain loops over contiguous rows where the layout allows.
            if !tB {
                // c[i, ·] = Σ_p op(A)[i, p] · B[p, ·]   (rows of B are contiguous)
                let (ai, ap) = tA ? (1, m) : (k, 1)
                for i in 0..<m {
                    let row = c + i &* n
                    let x0 = a[i &* ai]
                    for j in 0..<n { row[j] = x0 * b[j] }
                    var p = 1
                    while p < k {
                        let x = a[i &* ai &+ p &* ap], bp = b + p &* n
                        for j in 0..<n { row[j] += x * bp[j] }
                        p &+= 1
                    }
                }
                return
            }
            // Bᵀ: column j of op(B) is row j of B; dot products (strided in A when transposed).
            let (ai, ap) = tA ? (1, m) : (k, 1)
            for i in 0..<m {
                for j in 0..<n {
                    var s: Scalar = 0
                    let y = b + j &* k
                    var x = a + i &* ai
                    for p in 0..<k {
                        s += x.pointee * y[p]
                        x += ap
                    }
                    c[i &* n &+ j] = s
                }
            }
            return
        }
        Scalar._gemm(transA: tA, transB: tB, m: m, n: n, k: k, a: a, lda: tA ? m : k, b: b, ldb: tB ? k : n, c: c, ldc: n)
    }
}

extension TensorProgram: CustomStringConvertible {
    /// A listing of the program: one line per instruction, slots as %n, inputs as inN,
    /// constants as constN, each with its result's shape; `(eager)` marks ops run by the
    /// eager forward computation.
    ///
    /// ```
    /// %6 = linear(in4, in0, in1) → [1, 2]
    /// %28 = matmul[Aᵀ·B](%21, %7) → [2, 2]
    /// ```
    public var description: String {
        func name(_ s: Int) -> String {
            if s < inputShapes.count { return "in\(s)" }
            if constantSlots.contains(s) {
                // One-element constants read best as their value.
                return storages[s].count == 1 ? "\(storages[s][0])" : "const\(s)\(storages[s].count == 0 ? "(empty)" : "")"
            }
            return "%\(s)"
        }
        var lines = ["program(" + inputShapes.enumerated().map { "in\($0.offset): \($0.element)" }.joined(separator: ", ") + ")"]
        for i in 0..<kernels.count {
            let o = operands[i]
            let args = [o.a, o.b, o.c].filter { $0 >= 0 }.map(name)
            var args2 = args
            if case .generic(let f) = kernels[i] { args2 = fallbacks[f].slots.map(name) }
            let how: String = if case .generic = kernels[i] { "  (eager)" } else { "" }
            let (opName, shape) = { (t: String) -> (String, String) in
                guard let r = t.range(of: " → ") else { return (t, "") }
                return (String(t[..<r.lowerBound]), String(t[r.lowerBound...]))
            }(instructionOps[i])
            lines.append("  \(name(o.out)) = \(opName)(\(args2.joined(separator: ", ")))\(shape)\(how)")
        }
        lines.append("  return " + outputSlots.map(name).joined(separator: ", "))
        return lines.joined(separator: "\n")
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
        for i in indices where i < 0 || i >= examples.count {
            throw TensorProgramError(description: "TensorProgram: gradient index \(i) is out of range for \(examples.count) inputs")
        }
        var independent: Set<Int> = []
        try self.init(inputs: examples) { inputs in
            let value = try function(inputs)
            if value.count != 1 {
                throw TensorProgramError(description: "TensorProgram: the function returns shape \(value.shape), not a single element")
            }
            guard let root = value.node else {
                independent = Set(indices)
                return [value] + indices.map { Tensor.zeros(shape: inputs[$0].shape) }
            }
            let targets = indices.map { inputs[$0] }
            let found = reachedGradients(root: root, seed: Tensor(storage: [1], shape: value.shape, node: nil),
                                         inputs: targets, createGraph: true)
            for (k, g) in found.enumerated() where g == nil { independent.insert(indices[k]) }
            return [value] + targets.indices.map { found[$0] ?? Tensor.zeros(shape: targets[$0].shape) }
        }
        independentInputs = independent
    }
}

/// Builds a program from a finished trace: orders the nodes needed by the outputs
/// (dead ops are dropped), assigns a slot to each value, and picks a kernel per op.
struct Builder<Scalar: TensorScalar> {
    let tracer: GraphTracer<Scalar>
    var kernels: [TensorProgram<Scalar>.Kernel] = []
    var operands: [TensorProgram<Scalar>.Operands] = []
    var fallbacks: [TensorProgram<Scalar>.Fallback] = []
    var ops: [String] = []
    var storages: [TensorStorage<Scalar>]
    var slotByNode: [ObjectIdentifier: Int] = [:]
    /// Emitted ops by op, input slots and shapes (common subexpressions).
    var slotByKey: [String: Int] = [:]
    var constantByBuffer: [ObjectIdentifier: Int] = [:]
    var constantSlots: Set<Int> = []
    var inPlace: Set<Int> = []

    init(tracer: GraphTracer<Scalar>, inputCount: Int) {
        self.tracer = tracer
        storages = Array(repeating: TensorStorage(), count: inputCount)
    }

    /// Lets results whose lifetimes do not overlap share a buffer (of the same element
    /// count): a slot written by a kernel takes the buffer of a slot read for the last
    /// time by an earlier instruction. Outputs (handed to the caller), inputs, constants
    /// and slots written by eager fallbacks (their storage is replaced every run) keep
    /// their own.
    ///
    /// ```
    /// slot s lives from the instruction writing it to the last one reading it
    /// ```
    mutating func shareDeadBuffers(keeping kept: Set<Int>) {
        var lastUse: [Int: Int] = [:]
        var fallbackWritten: Set<Int> = []
        for (i, o) in operands.enumerated() {
            if case .generic(let f) = kernels[i] {
                for s in fallbacks[f].slots { lastUse[s] = i }
                fallbackWritten.insert(o.out)
            } else {
                for s in [o.a, o.b, o.c] where s >= 0 { lastUse[s] = i }
            }
        }
        func poolable(_ s: Int) -> Bool { inPlace.contains(s) && !kept.contains(s) && !fallbackWritten.contains(s) }
        // Slots whose last read is at instruction i, freed after it.
        var dying: [Int: [Int]] = [:]
        for (s, i) in lastUse where poolable(s) { dying[i, default: []].append(s) }
        var free: [Int: [TensorStorage<Scalar>]] = [:]
        for (i, o) in operands.enumerated() {
            if poolable(o.out), lastUse[o.out] != nil, let buffer = free[o.outCount]?.popLast() {
                storages[o.out] = buffer
            }
            for s in dying[i] ?? [] { free[storages[s].count, default: []].append(storages[s]) }
        }
    }

    /// The op node a tensor's value comes from: its own, or (for a detached copy of a
    /// traced value) the node whose result buffer it shares.
    func source(of t: Tensor<Scalar>) -> TensorNode<Scalar>? {
        if let n = t.node { return n.isLeafNode ? nil : n }
        guard t.count > 0 else { return nil }
        return tracer.nodeByBuffer[ObjectIdentifier(t.storage.buffer)]
    }

    /// The slot holding `t`'s values, compiling the ops it depends on first.
    mutating func slot(for t: Tensor<Scalar>) throws -> Int {
        if let n = t.node, n.isLeafNode {
            guard let i = tracer.inputByNode[ObjectIdentifier(n)] else {
                throw TensorProgramError(description:
                    "TensorProgram: the function uses a tensor of shape \(t.shape) that requires gradients but is not one of its inputs (a captured parameter); pass it as an input, or detach it to freeze its value")
            }
            return i
        }
        if let n = source(of: t) {
            try compile(n)
            return slotByNode[ObjectIdentifier(n)]!
        }
        if t.count > 0, let i = tracer.inputByBuffer[ObjectIdentifier(t.storage.buffer)] { return i }
        // A constant (deduplicated by buffer).
        let id = ObjectIdentifier(t.storage.buffer)
        if t.count > 0, let s = constantByBuffer[id] { return s }
        storages.append(t.storage)
        let s = storages.count - 1
        constantSlots.insert(s)
        if t.count > 0 { constantByBuffer[id] = s }
        return s
    }

    /// Compiles `root` and every op it depends on, inputs first (an explicit stack: no
    /// recursion on graph depth).
    mutating func compile(_ root: TensorNode<Scalar>) throws {
        if slotByNode[ObjectIdentifier(root)] != nil { return }
        var stack: [(node: TensorNode<Scalar>, next: Int)] = [(root, 0)]
        var onStack: Set<ObjectIdentifier> = [ObjectIdentifier(root)]
        while let (node, next) = stack.last {
            if next < node.inputs.count {
                stack[stack.count - 1].next += 1
                if let dep = source(of: node.inputs[next]), slotByNode[ObjectIdentifier(dep)] == nil,
                   !onStack.contains(ObjectIdentifier(dep)) {
                    onStack.insert(ObjectIdentifier(dep))
                    stack.append((dep, 0))
                }
                continue
            }
            stack.removeLast()
            try emit(node)
        }
    }

    /// Appends the instruction for `node` (its inputs already have slots).
    mutating func emit(_ node: TensorNode<Scalar>) throws {
        let op = node.storedOp
        let inputs = Array(node.inputs)
        var slots: [Int] = []
        for x in inputs { slots.append(try slot(for: x)) }
        if case .reshape = op {
            // Same elements: the result shares its input's slot.
            slotByNode[ObjectIdentifier(node)] = slots[0]
            return
        }
        // The same op on the same slots and shapes was emitted already (the backward
        // pass of x ⊙ x computes ḡ ⊙ x twice): reuse its result. Custom ops (which may not
        // be pure) and `where` (whose mask is not part of the key) are left alone.
        var key: String? = nil
        switch op {
        case .custom, .select: break
        default: key = "\(op)|\(slots)|\(inputs.map(\.shape))|\(node.shape)"
        }
        if let key, let s = slotByKey[key] {
            slotByNode[ObjectIdentifier(node)] = s
            return
        }
        let count = node.shape.reduce(1, *)
        storages.append(TensorStorage(repeating: 0, count: count))
        let out = storages.count - 1
        slotByNode[ObjectIdentifier(node)] = out
        if let key { slotByKey[key] = out }
        var o = TensorProgram<Scalar>.Operands()
        o.out = out
        o.outCount = count
        if slots.count > 0 { o.a = slots[0]; o.aCount = inputs[0].count }
        if slots.count > 1 { o.b = slots[1]; o.bCount = inputs[1].count }
        if slots.count > 2 { o.c = slots[2]; o.cCount = inputs[2].count }
        if let kernel = Builder.kernel(for: op, inputs: inputs.map(\.shape), shape: node.shape) {
            kernels.append(kernel)
            inPlace.insert(out)
        } else {
            kernels.append(.generic(fallbacks.count))
            fallbacks.append(.init(op: op, inputShapes: inputs.map(\.shape), shape: node.shape, slots: slots, out: out))
        }
        operands.append(o)
        ops.append(Builder.listingName(op) + " → \(node.shape)")
    }

    /// The op's name in a listing, with the parameters that change its meaning.
    static func listingName(_ op: TensorOp<Scalar>) -> String {
        switch op {
        case .matmul(let tA, let tB):
            return "matmul" + (tA || tB ? "[" + (tA ? "Aᵀ" : "A") + "·" + (tB ? "Bᵀ" : "B") + "]" : "")
        case .sum(let axes, _), .mean(let axes, _), .max(let axes, _), .min(let axes, _):
            return "\(op.kind.rawValue)[axes \(axes)]"
        case .softmax(let axis), .logSoftmax(let axis), .logSumExp(let axis, _):
            return "\(op.kind.rawValue)[axis \(axis)]"
        case .step(let threshold): return "step[> \(threshold)]"
        case .leakyRelu(let alpha): return "leakyRelu[\(alpha)]"
        case .clamp(let lower, let upper): return "clamp[\(lower), \(upper)]"
        case .permute(let axes): return "permute\(axes)"
        default: return op.kind.rawValue
        }
    }

    /// The program's own kernel for an op on these shapes, or nil (the eager op runs).
    static func kernel(for op: TensorOp<Scalar>, inputs x: [[Int]], shape: [Int]) -> TensorProgram<Scalar>.Kernel? {
        typealias K = TensorProgram<Scalar>.Kernel
        let counts = x.map { $0.reduce(1, *) }
        func binary(_ f: BinaryFunction) -> K? {
            if x[0] == x[1] || (counts[1] == 1 && x[1].count <= x[0].count && x[0] == shape)
                || (counts[0] == 1 && x[0].count <= x[1].count && x[1] == shape) { return .combine(f) }
            if counts[1] > 1 && x[0] == shape && Tensor<Scalar>.isSuffix(x[1], of: shape) {
                return .combineRepeated(f, blockOnRight: true)
            }
            if counts[0] > 1 && x[1] == shape && Tensor<Scalar>.isSuffix(x[0], of: shape) {
                return .combineRepeated(f, blockOnRight: false)
            }
            /// The extent repeated when `small` is `shape` with trailing axes of extent 1.
            func expansion(_ small: [Int]) -> Int? {
                guard small.count == shape.count, small != shape else { return nil }
                var j = small.count
                while j > 0 && small[j - 1] == 1 { j -= 1 }
                guard Array(small[..<j]) == Array(shape[..<j]) else { return nil }
                return shape[j...].reduce(1, *)
            }
            if x[0] == shape, let inner = expansion(x[1]), inner > 0 {
                return .combineExpanded(f, inner: inner, expandedOnRight: true)
            }
            if x[1] == shape, let inner = expansion(x[0]), inner > 0 {
                return .combineExpanded(f, inner: inner, expandedOnRight: false)
            }
            return nil
        }
        /// [outer, count, inner] for a contiguous run of axes.
        func middle(_ axes: [Int], _ input: [Int]) -> (Int, Int, Int)? {
            guard let first = axes.first, let last = axes.last, last - first == axes.count - 1 else { return nil }
            let outer = input[..<first].reduce(1, *), inner = input[(last + 1)...].reduce(1, *)
            return (outer, input[first...last].reduce(1, *), inner)
        }
        if let (function, p0, p1) = op.elementwiseFunction { return .map(function, p0, p1) }
        switch op {
        case .add: return binary(.add)
        case .subtract: return binary(.subtract)
        case .multiply: return binary(.multiply)
        case .divide: return binary(.divide)
        case .step(let threshold): return .map(.step, threshold, 0)
        case .matmul(let tA, let tB):
            let r = x[0].count
            guard r == x[1].count, r == 2 || r == 3 else { return nil }
            let (ar, ac) = (x[0][r - 2], x[0][r - 1]), (br, bc) = (x[1][r - 2], x[1][r - 1])
            return .gemm(transA: tA, transB: tB, batch: r == 3 ? x[0][0] : 1, m: tA ? ac : ar, n: tB ? br : bc, k: tA ? ar : ac)
        case .linear:
            return .linear(m: x[0][0], n: x[1][0], k: x[0][1], bias: x.count == 3)
        case .broadcast:
            if counts[0] == 1 { return .fill }
            let core = Array(x[0].drop(while: { $0 == 1 }))
            if counts[0] > 0 && Tensor<Scalar>.isSuffix(core, of: shape) { return .repeatBlock }
            return nil
        case .sum(let axes, _):
            guard counts[0] > 0, let (outer, count, inner) = middle(axes, x[0]) else { return nil }
            return .reduceMiddle(outer: outer, count: count, inner: inner, scale: 1)
        case .mean(let axes, _):
            guard counts[0] > 0, let (outer, count, inner) = middle(axes, x[0]), count > 0 else { return nil }
            return .reduceMiddle(outer: outer, count: count, inner: inner, scale: 1 / Scalar(count))
        case .softmax(let axis), .logSoftmax(let axis), .logSumExp(let axis, _):
            guard counts[0] > 0, let (outer, count, inner) = middle([axis], x[0]) else { return nil }
            let function: SoftmaxFunction = if case .softmax = op { .softmax } else if case .logSoftmax = op { .logSoftmax } else { .logSumExp }
            return .softmax(function, outer: outer, count: count, inner: inner)
        default:
            return nil
        }
    }
}
