// Compiling a finished trace into a `TensorProgram`.

/// Builds a program from a finished trace: orders the nodes needed by the outputs
/// (dead ops are dropped), assigns a slot to each value, and picks a kernel per op.
struct TensorProgramBuilder<Scalar: TensorScalar> {
    let tracer: GraphTracer<Scalar>
    var instructions: [TensorProgram<Scalar>.Instruction] = []
    var storages: [TensorStorage<Scalar>]
    var slotByNode: [ObjectIdentifier: Int] = [:]
    /// Emitted ops by op, input slots and shapes (common subexpressions).
    var slotByExpression: [Expression: Int] = [:]
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
        for (i, instruction) in instructions.enumerated() {
            // The first of two instructions run at the same time reads until the second ends.
            let end = instruction.runsBesideNext ? i + 1 : i
            for s in reads(instruction) { lastUse[s] = end }
            if instruction.eager != nil { fallbackWritten.insert(instruction.operands.out) }
        }
        func poolable(_ s: Int) -> Bool { inPlace.contains(s) && !kept.contains(s) && !fallbackWritten.contains(s) }
        // Slots whose last read is at instruction i, freed after it.
        var dying: [Int: [Int]] = [:]
        for (s, i) in lastUse where poolable(s) { dying[i, default: []].append(s) }
        var free: [Int: [TensorStorage<Scalar>]] = [:]
        for (i, instruction) in instructions.enumerated() {
            let o = instruction.operands
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
        if op is Reshape<Scalar> {
            // Same elements: the result shares its input's slot.
            slotByNode[ObjectIdentifier(node)] = slots[0]
            return
        }
        // The same op on the same slots and shapes was emitted already (the backward
        // pass of x ⊙ x computes ḡ ⊙ x twice): reuse its result. Ops without a key (custom
        // ops, `where`) are left alone.
        let key = op.key.map { Expression(op: $0, slots: slots, inputShapes: inputs.map(\.shape), shape: node.shape) }
        if let key, let s = slotByExpression[key] {
            slotByNode[ObjectIdentifier(node)] = s
            return
        }
        let count = node.shape.reduce(1, *)
        storages.append(TensorStorage(repeating: 0, count: count))
        let out = storages.count - 1
        slotByNode[ObjectIdentifier(node)] = out
        if let key { slotByExpression[key] = out }
        var o = TensorProgram<Scalar>.Operands()
        o.out = out
        o.outCount = count
        if slots.count > 0 { o.a = slots[0]; o.aCount = inputs[0].count }
        if slots.count > 1 { o.b = slots[1]; o.bCount = inputs[1].count }
        if slots.count > 2 { o.c = slots[2]; o.cCount = inputs[2].count }
        var instruction = TensorProgram<Scalar>.Instruction(
            kernel: .eager, operands: o, eager: nil, name: op.listingName, shape: node.shape)
        if let kernel = op.kernel(inputs: inputs.map(\.shape), shape: node.shape) {
            instruction.kernel = kernel
            instruction.loop = op.kernelLoop(inputs: inputs.map(\.shape), shape: node.shape)
            switch kernel {
            case .alongAxis, .rows:
                instruction.checkedBy = .init(op: op, slots: slots, inputShapes: inputs.map(\.shape))
            case .concatenate(let outer):
                instruction.parts = zip(slots, inputs).map { ($0, $1.count / outer) }
            default: break
            }
            inPlace.insert(out)
        } else {
            instruction.eager = .init(op: op, slots: slots, inputShapes: inputs.map(\.shape))
        }
        instructions.append(instruction)
    }

    /// An op applied to slots of given shapes: equal expressions compute equal results.
    struct Expression: Hashable {
        let op: TensorOperationKey
        let slots: [Int]
        let inputShapes: [[Int]]
        let shape: [Int]
    }
}
