/// A random differentiable program over small Double tensors, for property tests and
/// benchmarks: a chain of random ops (elementwise, broadcasting, matmul, reductions,
/// softmax family, shape ops, gather, concatenation, `where`) on compatible shapes.
///
/// ```
/// var rng = SeededGenerator(seed: 42)
/// let g = RandomTensorGraph(using: &rng)
/// let report = checkTensorGradients(of: g.callAsFunction, at: g.inputs)
/// ```
public struct RandomTensorGraph: CustomStringConvertible {
    /// One step of the program: the op and its operands (indices into the value list).
    enum Step: Sendable {
        case input(Int)
        case unary(ElementwiseStep, Int)
        case binary(BinaryStep, Int, Int)
        case matmul(Int, Int)
        case transpose(Int)
        case reshape(Int, [Int])
        case reduce(ReductionStep, Int, [Int], Bool)
        case softmax(SoftmaxStep, Int, Int)
        case slice(Int, [Range<Int>])
        case selectRows(Int, [Int])
        case gather(Int, [Int])
        case concatenate(Int, Int, Int)
        case select([Int], [Double], Int, Int)
    }
    enum ElementwiseStep: CaseIterable, Sendable {
        // `exp` is e^(2·tanh x): bounded, so random chains never overflow.
        case negate, exp, logOfSquarePlusOne, squareRootOfSquarePlusOne, abs, sin, cos, tanh, sigmoid, relu, leakyRelu
    }
    enum BinaryStep: CaseIterable, Sendable { case add, subtract, multiply, divideBySquarePlusOne }
    enum ReductionStep: CaseIterable, Sendable { case sum, mean, max, min }
    enum SoftmaxStep: CaseIterable, Sendable { case softmax, logSoftmax, logSumExp }

    /// The input values (parameters of the check).
    ///
    /// ```
    /// output = self(inputs)
    /// ```
    public let inputs: [Tensor<Double>]
    let steps: [Step]

    /// A random program of `1...maxSteps` ops with inputs of extent 1...3 per axis.
    ///
    /// ```
    /// vₖ = opₖ(v_{i}, v_{j}),  output = v_last
    /// ```
    public init(using rng: inout SeededGenerator, maxSteps: Int = 8) {
        var inputs: [Tensor<Double>] = []
        var shapes: [[Int]] = []
        var steps: [Step] = []
        func int(_ r: ClosedRange<Int>) -> Int { r.lowerBound + rng.nextInt(below: r.count) }
        func newInput(_ shape: [Int]) -> Int {
            steps.append(.input(inputs.count))
            inputs.append(Tensor.randomNormal(shape: shape, using: &rng))
            shapes.append(shape)
            return shapes.count - 1
        }
        /// An operand of shape compatible with `s` for broadcasting: an existing value or a new input.
        func partner(for s: [Int]) -> Int {
            if let j = shapes.indices.shuffledFirst(where: { shapes[$0] == s }, &rng), rng.nextInt(below: 2) == 0 {
                return j
            }
            var p = s.map { rng.nextInt(below: 3) == 0 ? 1 : $0 }
            p.removeFirst(int(0...p.count))
            return newInput(p)
        }
        var current = newInput((0..<int(1...3)).map { _ in int(1...3) })
        for _ in 0..<int(1...maxSteps) {
            let s = shapes[current]
            var step: Step
            var outShape: [Int]
            switch int(0...11) {
            case 0, 1:
                let e = ElementwiseStep.allCases[int(0...(ElementwiseStep.allCases.count - 1))]
                step = .unary(e, current)
                outShape = s
            case 2, 3:
                let b = BinaryStep.allCases[int(0...(BinaryStep.allCases.count - 1))]
                let other = partner(for: s)
                let swap = b != .divideBySquarePlusOne && rng.nextInt(below: 2) == 0
                step = swap ? .binary(b, other, current) : .binary(b, current, other)
                guard case .success(let r) = broadcastShape(s, shapes[other]) else { continue }
                outShape = r
            case 4 where s.count == 2:
                let n = int(1...3)
                let other = newInput([s[1], n])
                step = .matmul(current, other)
                outShape = [s[0], n]
            case 5 where s.count >= 2:
                step = .transpose(current)
                outShape = s
                outShape.swapAt(s.count - 1, s.count - 2)
            case 6:
                let count = s.reduce(1, *)
                let divisors = (1...count).filter { count % $0 == 0 }
                let d = divisors[int(0...(divisors.count - 1))]
                outShape = rng.nextInt(below: 2) == 0 ? [count] : [count / d, d]
                step = .reshape(current, outShape)
            case 7 where !s.isEmpty:
                let r = ReductionStep.allCases[int(0...3)]
                var axes = (0..<s.count).filter { _ in rng.nextInt(below: 2) == 0 }
                if axes.isEmpty { axes = [int(0...(s.count - 1))] }
                let keep = rng.nextInt(below: 2) == 0
                step = .reduce(r, current, axes, keep)
                outShape = keep ? s.enumerated().map { axes.contains($0.offset) ? 1 : $0.element }
                    : s.enumerated().filter { !axes.contains($0.offset) }.map(\.element)
            case 8 where !s.isEmpty:
                let f = SoftmaxStep.allCases[int(0...2)]
                let axis = int(0...(s.count - 1))
                step = .softmax(f, current, axis)
                outShape = s
                if f == .logSumExp { outShape.remove(at: axis) }
            case 9 where !s.isEmpty:
                let ranges = s.map { d -> Range<Int> in
                    let lo = int(0...(d - 1))
                    return lo..<int((lo + 1)...d)
                }
                step = .slice(current, ranges)
                outShape = ranges.map(\.count)
            case 10 where !s.isEmpty:
                if s.count == 2 && rng.nextInt(below: 2) == 0 {
                    let labels = (0..<s[0]).map { _ in int(0...(s[1] - 1)) }
                    step = .gather(current, labels)
                    outShape = [s[0]]
                } else {
                    let rows = (0..<int(1...3)).map { _ in int(0...(s[0] - 1)) }
                    step = .selectRows(current, rows)
                    outShape = [rows.count] + s[1...]
                }
            case 11 where !s.isEmpty:
                if rng.nextInt(below: 2) == 0 {
                    let axis = int(0...(s.count - 1))
                    var p = s
                    p[axis] = int(1...2)
                    let other = newInput(p)
                    step = .concatenate(current, other, axis)
                    outShape = s
                    outShape[axis] += p[axis]
                } else {
                    let other = partner(for: s)
                    guard case .success(let r) = broadcastShape(s, shapes[other]) else { continue }
                    let mask = (0..<r.reduce(1, *)).map { _ in Double(rng.nextInt(below: 2)) }
                    step = .select(r, mask, current, other)
                    outShape = r
                }
            default:
                step = .unary(.tanh, current)
                outShape = s
            }
            steps.append(step)
            shapes.append(outShape)
            current = shapes.count - 1
        }
        self.inputs = inputs
        self.steps = steps
    }

    /// Runs the program on the given inputs (same shapes as `inputs`).
    ///
    /// ```
    /// output = v_last(inputs)
    /// ```
    public func callAsFunction(_ xs: [Tensor<Double>]) -> Tensor<Double> {
        var values: [Tensor<Double>] = []
        for step in steps {
            let v: Tensor<Double>
            switch step {
            case .input(let k): v = xs[k]
            case .unary(let e, let i):
                let x = values[i]
                switch e {
                case .negate: v = -x
                // eˣ of a bounded argument: chains such as exp∘exp otherwise reach 10²¹ or ∞,
                // where central differences carry no information and the check is meaningless.
                case .exp: v = (x.tanh() * 2).exp()
                case .logOfSquarePlusOne: v = (x * x + 1).log()
                case .squareRootOfSquarePlusOne: v = (x * x + 1).squareRoot()
                case .abs: v = x.abs()
                case .sin: v = x.sin()
                case .cos: v = x.cos()
                case .tanh: v = x.tanh()
                case .sigmoid: v = x.sigmoid()
                case .relu: v = x.relu()
                case .leakyRelu: v = x.leakyRelu(alpha: 0.2)
                }
            case .binary(let b, let i, let j):
                let x = values[i], y = values[j]
                switch b {
                case .add: v = x + y
                case .subtract: v = x - y
                case .multiply: v = x * y
                case .divideBySquarePlusOne: v = x / (y * y + 1)
                }
            case .matmul(let i, let j): v = values[i].matmul(values[j])
            case .transpose(let i): v = values[i].transposed()
            case .reshape(let i, let s): v = values[i].reshaped(to: s)
            case .reduce(let r, let i, let axes, let keep):
                switch r {
                case .sum: v = values[i].sum(alongAxes: axes, keepingDimensions: keep)
                case .mean: v = values[i].mean(alongAxes: axes, keepingDimensions: keep)
                case .max: v = values[i].max(alongAxes: axes, keepingDimensions: keep)
                case .min: v = values[i].min(alongAxes: axes, keepingDimensions: keep)
                }
            case .softmax(let f, let i, let axis):
                switch f {
                case .softmax: v = values[i].softmax(alongAxis: axis)
                case .logSoftmax: v = values[i].logSoftmax(alongAxis: axis)
                case .logSumExp: v = values[i].logSumExp(alongAxis: axis)
                }
            case .slice(let i, let ranges): v = values[i].sliced(ranges)
            case .selectRows(let i, let rows): v = values[i].selectingRows(rows)
            case .gather(let i, let labels): v = values[i].gathered(atClassIndices: labels)
            case .concatenate(let i, let j, let axis): v = Tensor.concatenated([values[i], values[j]], alongAxis: axis)
            case .select(let shape, let mask, let i, let j):
                v = Tensor.where(Tensor(shape: shape, scalars: mask), values[i], values[j])
            }
            values.append(v)
        }
        return values[values.count - 1]
    }

    /// The program, one op per line.
    ///
    /// ```
    /// v2 = binary(add, v0, v1) …
    /// ```
    public var description: String {
        var lines: [String] = []
        for (k, s) in steps.enumerated() {
            if case .input(let i) = s { lines.append("v\(k) = input \(i) of shape \(inputs[i].shape)") } else {
                lines.append("v\(k) = \(s)")
            }
        }
        return lines.joined(separator: "\n")
    }
}

private extension Range<Int> {
    /// A random element satisfying `predicate`, or nil.
    func shuffledFirst(where predicate: (Int) -> Bool, _ rng: inout SeededGenerator) -> Int? {
        let matches = filter(predicate)
        return matches.isEmpty ? nil : matches[rng.nextInt(below: matches.count)]
    }
}
