// The instructions of a `TensorProgram` and the loops that run them.
import CBackpropKernels

extension TensorProgram {
    /// One step of a program: what it computes (its kernel), from and into which slots,
    /// and how the listing shows it.
    struct Instruction {
        var kernel: Kernel
        /// Slots read and written, with element counts.
        var operands: Operands
        /// For `.eager` instructions: the op, its input slots and shapes. (Not a payload of
        /// `Kernel`, so that the kernel stays a plain value the run loop switches on
        /// without reference counting.)
        var eager: EagerOp?
        /// The op's name in the listing, with the parameters that change its meaning.
        var name: String
        /// The result's shape.
        var shape: [Int]
        /// Whether this instruction and the next (two independent matrix products) run at
        /// the same time, one on each of two threads (`pairIndependentProducts`).
        var runsBesideNext = false
        /// For kernels over operands read through strides (`compare`, `selectByMask`,
        /// `product`, `broadcastMatmul`, `slice`, `pad`): the loop nest, planned once (`TensorOperation.kernelLoop`).
        var loop: OperandLoop? = nil
        /// For kernels that check their inputs (indices: `gatherAlongAxis`, `scatterAddAlongAxis`,
        /// `rowLookup`, `rowScatter`): the op and its inputs, run eagerly on a bad input so
        /// that the program stops with the eager op's own message.
        var checkedBy: EagerOp? = nil
        /// For kernels over any number of inputs (`concatenate`): each input's slot and the
        /// elements it gives every outer row of the result, in order.
        var parts: [(slot: Int, width: Int)] = []
    }

    /// How one instruction computes its result.
    enum Kernel {
        /// The op's eager forward computation (`TensorOperation.forward`), for ops without a
        /// kernel here (the instruction's `eager` says which op, on which slots).
        case eager
        /// out[i] = f(x[i]).
        case map(ElementwiseFunction, Scalar, Scalar)
        /// out[i] = a[i mod aCount] ∘ b[i mod bCount]: the `BroadcastPlan`s `elementwise`,
        /// `scalar` and `repeatedBlock` (a bias row).
        case combine(BinaryFunction)
        /// The `BroadcastPlan` `expanded`: a full operand combined with one whose trailing
        /// axes have extent 1 (a column), each of its elements repeated `inner` times:
        /// out[i] = a[i] ∘ b[i / inner].
        case combineExpanded(BinaryFunction, inner: Int, expandedOnRight: Bool)
        /// C = op(A)·op(B), `batch` times (a `MatmulPlan`'s sizes).
        case matmul(transA: Bool, transB: Bool, batch: Int, m: Int, n: Int, k: Int)
        /// y = x·Wᵀ (+ b).
        case linear(m: Int, n: Int, k: Int, bias: Bool)
        /// y = f(x·Wᵀ (+ b)): a fully connected layer and its activation, the bias and the
        /// activation applied in one pass over the product (`TensorProgramBuilder.fuseEpilogues`).
        case linearActivation(m: Int, n: Int, k: Int, bias: Bool, ElementwiseFunction, Scalar, Scalar)
        /// out = (op(A)·op(B)) ⊙ f′(h), h in operand c: a product times an activation's
        /// derivative, applied in one pass over the product (`fuseEpilogues`).
        case matmulDerivative(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, ActivationDerivative, Scalar)
        /// out = a ⊙ f′(h), h in operand c: an upstream gradient times an activation's
        /// derivative in one pass (`fuseEpilogues`).
        case multiplyDerivative(ActivationDerivative, Scalar)
        /// Sum (or mean, scaled) over the middle axis of [outer, count, inner].
        case reduceMiddle(outer: Int, count: Int, inner: Int, scale: Scalar)
        /// One element repeated.
        case fill
        /// A block repeated along leading axes.
        case repeatBlock
        /// Softmax, log-softmax or log-sum-exp over the middle axis of [outer, count, inner].
        case softmax(SoftmaxFunction, outer: Int, count: Int, inner: Int)
        /// Image patches as rows (im2col), or rows summed back into images (`fold`: col2im).
        case patches(PatchGeometry, fold: Bool)
        /// out = [a ∘ b] (0/1), a and b read through the instruction's loop.
        case compare(ComparisonPredicate)
        /// The inputs (the instruction's `parts`) joined along an axis: each of the `outer`
        /// rows of the result is every part's row in turn.
        case concatenate(outer: Int)
        /// out = a ∘ b for a broadcast the planner calls strided, both operands read through
        /// the instruction's loop.
        case combineStrided(BinaryFunction)
        /// out = max(a, b) or min(a, b), NaN if either is, read through the instruction's loop.
        case extremumOfTwo(isMax: Bool)
        /// out = mask ≠ 0 ? x : y (operands a, b, c), read through the instruction's loop.
        case selectByMask
        /// Running sums or products along the middle axis of [outer, count, inner].
        case scan(product: Bool, reverse: Bool, outer: Int, count: Int, inner: Int)
        /// out[j] = Π_{i ↦ j} a[i], the input read in row-major order (the instruction's loop:
        /// the input's strides and the result's, 0 along the reduced axes).
        case product
        /// The largest (smallest) element along the middle axis of [outer, count, inner]
        /// (`max(alongAxes:)` over a contiguous run of axes; all of them when outer = inner = 1).
        case extremum(isMax: Bool, outer: Int, count: Int, inner: Int)
        /// The index of the largest (smallest) element along the middle axis of [outer, count, inner].
        case argExtremum(isMax: Bool, outer: Int, count: Int, inner: Int)
        /// Slices of a = [outer, extent, inner] at the indices in b (`gathered(atIndices:alongAxis:)`),
        /// or slices of a added into zeros at them (`scatterAdded`, `scatter` true).
        case alongAxis(scatter: Bool, outer: Int, extent: Int, inner: Int)
        /// Rows of a (`rowCount` rows of `rowSize`) at the indices in b, or rows of a added
        /// into zeros at them (`scatter` true).
        case rows(scatter: Bool, rowCount: Int, rowSize: Int)
        /// C[β] = op(A[β])·op(B[β]) over the batch, each operand's matrix offset (in
        /// matrices) read through the instruction's loop.
        case broadcastMatmul(transA: Bool, transB: Bool, m: Int, n: Int, k: Int)
        /// A sub-tensor read from offset `offset` of a, or a placed into zeros at `offset`
        /// (`padded`), through the instruction's loop.
        case slice(offset: Int)
        case pad(offset: Int)
    }

    /// Slots read and written by one instruction (−1: none), with element counts.
    struct Operands {
        var a = -1, b = -1, c = -1, out = -1
        var aCount = 0, bCount = 0, cCount = 0, outCount = 0
    }

    /// What an instruction run by the eager op needs.
    struct EagerOp {
        let op: any TensorOperation<Scalar>
        /// Input slots (any number) and their shapes.
        let slots: [Int]
        let inputShapes: [[Int]]
    }

    /// Runs every instruction in order.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func execute() {
        let count = instructions.count
        var step = UnsafePointer(steps)
        let end = step + count
        while step < end {
            if step.pointee.runsBesideNext {
                performPair(step)
                step += 2
            } else {
                perform(step)
                step += 1
            }
        }
    }

    /// Runs step `s` (read in place, each field where its kernel needs it: a copy of the
    /// step, even one inside each case, loads more fields than the kernel reads);
    /// `alone`: its matrix product on the calling thread only.
    @inline(__always)
    func perform(_ s: UnsafePointer<Step>, alone: Bool = false) {
        let p = pointers
        switch s.pointee.code {
        case .general:
            performGeneral(s.pointee.instruction, alone: alone)
        case .map:
            Scalar._map(s.pointee.elementwise, UnsafeBufferPointer(start: p[s.pointee.a], count: s.pointee.aCount),
                        UnsafeMutableBufferPointer(start: p[s.pointee.out], count: s.pointee.outCount),
                        s.pointee.p0, s.pointee.p1)
        case .combine:
            TensorProgram.combine(s.pointee.binary, p[s.pointee.a], s.pointee.aCount, p[s.pointee.b], s.pointee.bCount,
                                  p[s.pointee.out], s.pointee.outCount)
        case .combineExpanded:
            TensorProgram.combineExpanded(s.pointee.binary, p[s.pointee.a], p[s.pointee.b], p[s.pointee.out],
                                          s.pointee.outCount, s.pointee.n, s.pointee.flag)
        case .matmul:
            let (m, n, k) = (s.pointee.m, s.pointee.n, s.pointee.k)
            for b in 0..<s.pointee.batch {
                TensorProgram.product(s.pointee.transA, s.pointee.transB, m, n, k, p[s.pointee.a] + b &* m &* k,
                                      p[s.pointee.b] + b &* k &* n, p[s.pointee.out] + b &* m &* n, alone)
            }
        case .linear:
            let (m, n, out) = (s.pointee.m, s.pointee.n, p[s.pointee.out])
            TensorProgram.product(false, true, m, n, s.pointee.k, p[s.pointee.a], p[s.pointee.b], out, alone)
            if s.pointee.flag { MatmulPlan.addRow(p[s.pointee.c], to: out, m: m, n: n) }
        case .linearActivation:
            let (m, n, out) = (s.pointee.m, s.pointee.n, p[s.pointee.out])
            let bias = s.pointee.flag ? p[s.pointee.c] : nil
            if s.pointee.elementwise == .relu {
                // Bias and relu applied by the threads computing C, block by block.
                if TensorProgram.product(false, true, m, n, s.pointee.k, p[s.pointee.a], p[s.pointee.b], out, alone,
                                         epilogue: Int32(BP_EPILOGUE_BIAS_RELU), bias: bias) { break }
            } else {
                TensorProgram.product(false, true, m, n, s.pointee.k, p[s.pointee.a], p[s.pointee.b], out, alone)
            }
            TensorProgram.activate(out, bias: bias, m: m, n: n, s.pointee.elementwise, s.pointee.p0, s.pointee.p1)
        case .matmulDerivative:
            let out = p[s.pointee.out]
            let (tA, tB, m, n, k) = (s.pointee.transA, s.pointee.transB, s.pointee.m, s.pointee.n, s.pointee.k)
            // A skinny product (relu′ of the last hidden layer: δ·W with W 10 × 512) and its
            // mask in one pass (same bits as the product, then the mask pass).
            if s.pointee.derivative == .step && m &* n &* k > MatmulPlan.smallProduct,
               GEMM.multiplySkinny(transA: tA, transB: tB, m: m, n: n, k: k, a: p[s.pointee.a], lda: tA ? m : k,
                                   b: p[s.pointee.b], ldb: tB ? k : n, c: out, ldc: n, accumulate: false,
                                   threads: alone ? 1 : nil, stepMask: p[s.pointee.c], threshold: s.pointee.p0) {
                break
            }
            if s.pointee.derivative == .step {
                // The mask applied by the threads computing C, block by block.
                if TensorProgram.product(tA, tB, m, n, k, p[s.pointee.a], p[s.pointee.b], out, alone,
                                         epilogue: Int32(BP_EPILOGUE_STEP_MASK), mask: p[s.pointee.c],
                                         threshold: s.pointee.p0) { break }
            } else {
                TensorProgram.product(tA, tB, m, n, k, p[s.pointee.a], p[s.pointee.b], out, alone)
            }
            TensorProgram.multiply(out, by: s.pointee.derivative, of: p[s.pointee.c], threshold: s.pointee.p0,
                                   into: out, count: s.pointee.outCount)
        case .multiplyDerivative:
            TensorProgram.multiply(p[s.pointee.a], by: s.pointee.derivative, of: p[s.pointee.c], threshold: s.pointee.p0,
                                   into: p[s.pointee.out], count: s.pointee.outCount)
        case .reduceMiddle:
            let x = UnsafeBufferPointer(start: p[s.pointee.a], count: s.pointee.aCount)
            let out = UnsafeMutableBufferPointer(start: p[s.pointee.out], count: s.pointee.outCount)
            let (outer, inner) = (s.pointee.m, s.pointee.n)
            out.update(repeating: 0)
            if outer == 1 && inner == 1 {
                Scalar._reduce(.sum, x, nil, out)
            } else {
                Scalar._reduceMiddle(.sum, x, outer: outer, count: s.pointee.k, inner: inner, out)
            }
            let scale = s.pointee.p0
            if scale != 1 { for j in 0..<out.count { out[j] *= scale } }
        case .fill:
            p[s.pointee.out].update(repeating: p[s.pointee.a][0], count: s.pointee.outCount)
        case .repeatBlock:
            let m = s.pointee.aCount, x = p[s.pointee.a], out = p[s.pointee.out], count = s.pointee.outCount
            var start = 0
            while start < count {
                (out + start).update(from: x, count: m)
                start += m
            }
        case .softmax:
            Scalar._softmax(s.pointee.softmax, UnsafeBufferPointer(start: p[s.pointee.a], count: s.pointee.aCount),
                            outer: s.pointee.m, count: s.pointee.k, inner: s.pointee.n,
                            UnsafeMutableBufferPointer(start: p[s.pointee.out], count: s.pointee.outCount))
        }
    }

    /// Runs instruction `index`, whose kernel has no step code of its own
    /// (`Step.Code.general`: ops run eagerly, and kernels that are rare or do much work
    /// per call), switching on its `Kernel`; `alone` as in `perform`.
    @inline(never)
    func performGeneral(_ index: Int, alone: Bool) {
        instructions.withUnsafeBufferPointer { performGeneral($0.baseAddress! + index, alone: alone) }
    }

    @inline(__always)
    func performGeneral(_ instruction: UnsafePointer<Instruction>, alone: Bool) {
        let p = pointers
        let o = instruction.pointee.operands
        let out = UnsafeMutableBufferPointer(start: p[o.out], count: o.outCount)
        switch instruction.pointee.kernel {
        case .eager:
            runEagerly(instruction.pointee)
        case .patches(let geometry, let fold):
            if fold {
                out.update(repeating: 0)
                geometry.run(images: p[o.out], rows: p[o.a], fold: true)
            } else {
                geometry.run(images: p[o.a], rows: p[o.out], fold: false)
            }
        case .map, .combine, .combineExpanded, .matmul, .linear, .linearActivation, .matmulDerivative,
             .multiplyDerivative, .reduceMiddle, .fill, .repeatBlock, .softmax:
            preconditionFailure("TensorProgram: \(instruction.pointee.name) has a step code of its own")
        case .compare(let predicate):
            TensorProgram.compare(predicate, p[o.a], p[o.b], p[o.out], instruction.pointee.loop!)
        case .concatenate(let outer):
            TensorProgram.concatenate(instruction.pointee.parts, p, into: p[o.out], outer: outer)
        case .combineStrided(let function):
            TensorKernels.combineStrided(function, UnsafePointer(p[o.a]), UnsafePointer(p[o.b]), p[o.out],
                                         instruction.pointee.loop!)
        case .extremumOfTwo(let isMax):
            TensorProgram.extremumOfTwo(isMax: isMax, p[o.a], p[o.b], p[o.out], instruction.pointee.loop!)
        case .selectByMask:
            TensorProgram.select(p[o.a], p[o.b], p[o.c], p[o.out], instruction.pointee.loop!)
        case .scan(let product, let reverse, let outer, let count, let inner):
            TensorProgram.scan(product: product, reverse: reverse, p[o.a], p[o.out], outer: outer, count: count, inner: inner)
        case .product:
            TensorProgram.reduceProduct(p[o.a], out, instruction.pointee.loop!)
        case .extremum(let isMax, let outer, let count, let inner):
            // The eager forward's calls (`Tensor.reduced`), so the same bits, NaN included.
            let x = UnsafeBufferPointer(start: p[o.a], count: o.aCount)
            out.update(repeating: isMax ? -.infinity : .infinity)
            if outer == 1 && inner == 1 {
                Scalar._reduce(isMax ? .max : .min, x, nil, out)
            } else {
                Scalar._reduceMiddle(isMax ? .max : .min, x, outer: outer, count: count, inner: inner, out)
            }
        case .argExtremum(let isMax, let outer, let count, let inner):
            TensorProgram.argExtremum(isMax: isMax, p[o.a], p[o.out], outer: outer, count: count, inner: inner)
        case .alongAxis(let scatter, let outer, let extent, let inner):
            if !TensorProgram.indicesAreValid(p[o.b], o.bCount, below: extent) { reportBadInput(instruction.pointee) }
            TensorProgram.alongAxis(scatter: scatter, p[o.a], p[o.b], o.bCount, out, outer: outer, extent: extent, inner: inner)
        case .rows(let scatter, let rowCount, let rowSize):
            if !TensorProgram.indicesAreValid(p[o.b], o.bCount, below: rowCount) { reportBadInput(instruction.pointee) }
            TensorProgram.rows(scatter: scatter, p[o.a], p[o.b], o.bCount, out, rowSize: rowSize)
        case .broadcastMatmul(let tA, let tB, let m, let n, let k):
            TensorProgram.broadcastMatmul(tA, tB, m, n, k, p[o.a], p[o.b], p[o.out], instruction.pointee.loop!, alone)
        case .slice(let offset):
            TensorProgram.copyRegion(pad: false, p[o.a], out, offset: offset, instruction.pointee.loop!)
        case .pad(let offset):
            TensorProgram.copyRegion(pad: true, p[o.a], out, offset: offset, instruction.pointee.loop!)
        }
    }

    /// Stops the program with the eager op's message for the input a kernel found bad
    /// (an index out of range): the op's forward computation runs on the instruction's
    /// inputs and reports it.
    func reportBadInput(_ instruction: Instruction) -> Never {
        let checked = instruction.checkedBy!
        let inputs = checked.slots.indices.map {
            Tensor(storage: storages[checked.slots[$0]], shape: checked.inputShapes[$0], node: nil)
        }
        _ = withoutGradients { checked.op.forward(inputs) }
        fatalError("TensorProgram: \(instruction.name) found a bad input that its eager forward accepted")
    }

    /// Runs an instruction through the op's eager forward computation.
    func runEagerly(_ instruction: Instruction) {
        let eager = instruction.eager!
        let inputs = eager.slots.indices.map {
            Tensor(storage: storages[eager.slots[$0]], shape: eager.inputShapes[$0], node: nil)
        }
        var result = withoutGradients { eager.op.forward(inputs) }.storage
        let out = instruction.operands.out
        // Never share a buffer with another slot: slots are written in place later.
        if eager.slots.contains(where: { storages[$0].buffer === result.buffer }) {
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
            if inner == 4 {
                // A 2 × 2 pooling window per row (the digits CNN's max-pool backward): the
                // row's four elements written out, no inner loop to enter per row.
                for r in 0..<(n / 4) {
                    let y = small[r], x = full + 4 &* r, z = c + 4 &* r
                    if expandedOnRight {
                        (z[0], z[1], z[2], z[3]) = (F.apply(x[0], y), F.apply(x[1], y), F.apply(x[2], y), F.apply(x[3], y))
                    } else {
                        (z[0], z[1], z[2], z[3]) = (F.apply(y, x[0]), F.apply(y, x[1]), F.apply(y, x[2]), F.apply(y, x[3]))
                    }
                }
                return
            }
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
}
