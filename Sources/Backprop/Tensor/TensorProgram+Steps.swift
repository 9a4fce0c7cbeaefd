// The run-time form of a program's instructions: one flat, trivially copyable record per
// instruction, which the run loop switches on.

extension TensorProgram {
    /// One instruction as the run loop reads it: a payload-free code and the parameters
    /// of every kernel as plain fields (each kernel reads the few it needs).
    ///
    /// ```
    /// step = lower(instruction)      (same kernel, same operands, same parameters)
    /// ```
    /// Why not switch on `Kernel` itself: a multi-payload enum with payloads of different
    /// layouts makes the compiler unpack all of them before the jump (about 90 machine
    /// instructions per program instruction); reading fields of a struct costs one load
    /// each. Other kernels (ops run eagerly, rare or slow kernels) take the `general` path,
    /// which reads the `Instruction` (`instruction` is its index).
    struct Step {
        /// Which kernel runs (the cases of `Kernel`).
        enum Code: UInt8 {
            /// A kernel without a code of its own: `performGeneral` switches on the
            /// instruction's `Kernel` (ops run eagerly, image patches, and any kernel not
            /// listed here).
            case general
            case map, combine, combineExpanded, matmul, linear, linearActivation, matmulDerivative
            case multiplyDerivative, reduceMiddle, fill, repeatBlock, softmax
        }

        var code: Code
        /// Whether this step and the next run at the same time (`Instruction.runsBesideNext`).
        var runsBesideNext: Bool
        /// Matrix products: whether A and B are transposed.
        var transA = false, transB = false
        /// `linear`, `linearActivation`: whether operand c is a bias row;
        /// `combineExpanded`: whether the expanded operand is on the right.
        var flag = false
        var elementwise = ElementwiseFunction.negate
        var binary = BinaryFunction.add
        var derivative = ActivationDerivative.step
        var softmax = SoftmaxFunction.softmax
        /// Slots read and written (−1: none) and element counts (see `Operands`).
        var a: Int, b: Int, c: Int, out: Int
        var aCount: Int, bCount: Int, outCount: Int
        /// Products: m, n, k and the batch. `reduceMiddle` and `softmax`: outer (m), count
        /// (k) and inner (n). `combineExpanded`: inner (n).
        var m = 0, n = 0, k = 0, batch = 1
        /// `map`, `linearActivation`: the function's parameters. `reduceMiddle`: the
        /// scale (p0). `matmulDerivative`, `multiplyDerivative`: the threshold (p0).
        var p0: Scalar = 0, p1: Scalar = 0
        /// The index of the instruction this step runs.
        var instruction: Int

        /// The step running `instruction` (at `index` of the program's instructions).
        init(_ instruction: Instruction, at index: Int) {
            let o = instruction.operands
            (a, b, c, out) = (o.a, o.b, o.c, o.out)
            (aCount, bCount, outCount) = (o.aCount, o.bCount, o.outCount)
            runsBesideNext = instruction.runsBesideNext
            self.instruction = index
            switch instruction.kernel {
            case .map(let function, let p0, let p1):
                (code, elementwise, self.p0, self.p1) = (.map, function, p0, p1)
            case .combine(let function):
                (code, binary) = (.combine, function)
            case .combineExpanded(let function, let inner, let onRight):
                (code, binary, n, flag) = (.combineExpanded, function, inner, onRight)
            case .matmul(let tA, let tB, let batch, let m, let n, let k):
                (code, transA, transB, self.batch, self.m, self.n, self.k) = (.matmul, tA, tB, batch, m, n, k)
            case .linear(let m, let n, let k, let bias):
                (code, self.m, self.n, self.k, flag) = (.linear, m, n, k, bias)
            case .linearActivation(let m, let n, let k, let bias, let function, let p0, let p1):
                (code, self.m, self.n, self.k, flag) = (.linearActivation, m, n, k, bias)
                (elementwise, self.p0, self.p1) = (function, p0, p1)
            case .matmulDerivative(let tA, let tB, let m, let n, let k, let derivative, let threshold):
                (code, transA, transB, self.m, self.n, self.k) = (.matmulDerivative, tA, tB, m, n, k)
                (self.derivative, p0) = (derivative, threshold)
            case .multiplyDerivative(let derivative, let threshold):
                (code, self.derivative, p0) = (.multiplyDerivative, derivative, threshold)
            case .reduceMiddle(let outer, let count, let inner, let scale):
                (code, m, k, n, p0) = (.reduceMiddle, outer, count, inner, scale)
            case .fill:
                code = .fill
            case .repeatBlock:
                code = .repeatBlock
            case .softmax(let function, let outer, let count, let inner):
                (code, softmax, m, k, n) = (.softmax, function, outer, count, inner)
            default:
                code = .general
            }
        }
    }
}
