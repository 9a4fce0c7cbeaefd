import Foundation
@testable import Backprop

/// x ↦ x³ as a custom op, with its derivative written in tensor ops (so it also
/// supports second-order gradients).
struct TensorCubeFunction<Scalar: TensorScalar>: TensorFunction {
    func forward(_ inputs: [Tensor<Scalar>]) -> Tensor<Scalar> { inputs[0] * inputs[0] * inputs[0] }
    func backward(inputs: [Tensor<Scalar>], output: Tensor<Scalar>, upstream: Tensor<Scalar>) -> [Tensor<Scalar>?] {
        [upstream * 3 * inputs[0] * inputs[0]]
    }
}

extension TensorOpKind {
    /// Every op kind, in the order the parameterized tests run them: each has a case in
    /// `TensorOpTestData.instance` (how to draw its inputs) and in `applyTensorOp` (how to
    /// call it). These three lines are an op's whole test entry: the op tests then check
    /// it against finite differences (first and second order), Float against Double,
    /// and a compiled `TensorProgram` against the eager engine.
    static let tested: [TensorOpKind] = [
        .add, .subtract, .multiply, .divide, .power,
        .negate, .exp, .log, .squareRoot, .abs, .sin, .cos, .tanh, .sigmoid, .relu,
        .leakyRelu, .step, .clamp,
        .matmul, .linear, .permute, .reshape, .broadcast,
        .sum, .mean, .max, .min, .softmax, .logSoftmax, .logSumExp,
        .slice, .pad, .selectRows, .scatterRows, .gather, .scatterClasses, .concatenate, .select, .selectByMask,
        .custom, .elementwise,
        .maximum, .minimum,
        .rowLookup, .rowScatter,
        .isLess, .isLessOrEqual, .isGreater, .isGreaterOrEqual, .isEqual, .isNotEqual,
        .argmax, .argmin, .cumulativeSum, .cumulativeProduct, .product, .gatherAlongAxis, .scatterAddAlongAxis, .broadcastMatmul,
        .unfold, .fold,
    ]
}

extension TensorOpKind {
    /// The names of every op kind declared in Sources/Backprop: each
    /// `TensorOpKind(rawValue: "name")` outside comments (the registry of all kinds,
    /// read from the sources so that a new op file cannot be forgotten).
    static func declaredInSources() throws -> Set<String> {
        let sources = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Sources/Backprop")
        guard let files = FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil) else {
            throw CocoaError(.fileReadNoSuchFile, userInfo: [NSFilePathErrorKey: sources.path])
        }
        let pattern = try NSRegularExpression(pattern: #"TensorOpKind\(rawValue:\s*"([A-Za-z0-9_]+)"\)"#)
        var names: Set<String> = []
        for case let file as URL in files where file.pathExtension == "swift" {
            for line in try String(contentsOf: file, encoding: .utf8).split(separator: "\n") {
                let code = String(line.split(separator: "//", maxSplits: 1, omittingEmptySubsequences: false)[0])
                let range = NSRange(code.startIndex..., in: code)
                for match in pattern.matches(in: code, range: range) {
                    names.insert(String(code[Range(match.range(at: 1), in: code)!]))
                }
            }
        }
        return names
    }
}

/// One randomly drawn instance of an op: its inputs and parameters.
struct TensorOpInstance: CustomStringConvertible {
    var inputs: [Tensor<Double>]
    var axes: [Int] = []
    var keep = false
    var indices: [Int] = []
    var shape: [Int] = []
    var ranges: [Range<Int>] = []
    /// where: the mask; gatherAlongAxis, scatterAddAlongAxis: the indices.
    var mask: Tensor<Double>? = nil
    /// matmul: whether each operand is used transposed.
    var transposes = (a: false, b: false)

    var description: String {
        "inputs \(inputs.map(\.shape)) axes \(axes) keep \(keep) indices \(indices) shape \(shape) ranges \(ranges) transposes \(transposes)"
    }
}

/// Random test data, small shapes.
struct TensorOpTestData {
    var rng: SeededGenerator

    mutating func int(_ range: ClosedRange<Int>) -> Int { range.lowerBound + rng.nextInt(below: range.count) }
    mutating func bool() -> Bool { rng.nextInt(below: 2) == 1 }
    mutating func shape(rank: ClosedRange<Int> = 1...3) -> [Int] { (0..<int(rank)).map { _ in int(1...3) } }

    /// Normal values kept at least `margin` away from every point in `avoid` (kinks).
    mutating func tensor(_ shape: [Int], avoid: [Double] = [], margin: Double = 0.05) -> Tensor<Double> {
        let n = shape.reduce(1, *)
        let values = (0..<n).map { _ -> Double in
            while true {
                let v = rng.nextNormal()
                if avoid.allSatisfy({ Swift.abs(v - $0) > margin }) { return v }
            }
        }
        return Tensor(shape: shape, scalars: values)
    }

    mutating func positive(_ shape: [Int], lower: Double = 0.4, upper: Double = 2) -> Tensor<Double> {
        Tensor.randomUniform(shape: shape, lower: lower, upper: upper, using: &rng)
    }

    /// A shape that broadcasts against `s`: some axes set to 1, some leading axes dropped.
    mutating func broadcastPartner(of s: [Int]) -> [Int] {
        var p = s.map { bool() ? $0 : 1 }
        let drop = int(0...p.count)
        p.removeFirst(drop)
        return p
    }

    mutating func binary(positiveSecond: Bool = false, positiveFirst: Bool = false) -> TensorOpInstance {
        let s = shape()
        var shapes = [s, broadcastPartner(of: s)]
        if bool() { shapes.swapAt(0, 1) }
        let a = positiveFirst ? positive(shapes[0]) : tensor(shapes[0])
        var b = positiveSecond ? positive(shapes[1]) : tensor(shapes[1])
        if positiveSecond && !positiveFirst {  // divisor: either sign, away from 0
            b = b * Tensor(shape: b.shape, scalars: b.scalars.map { _ in bool() ? 1 : -1 })
        }
        return TensorOpInstance(inputs: [a, b])
    }

    /// Two broadcasting operands whose paired elements differ by more than `margin` (away
    /// from the kink of maximum and minimum).
    mutating func binary(apart margin: Double) -> TensorOpInstance {
        while true {
            let i = binary()
            let d = (i.inputs[0] - i.inputs[1]).abs()
            if d.scalars.allSatisfy({ $0 > margin }) { return i }
        }
    }

    mutating func axesSubset(rank: Int) -> [Int] {
        var axes = (0..<rank).filter { _ in bool() }
        if axes.isEmpty { axes = [int(0...(rank - 1))] }
        return axes.map { bool() ? $0 - rank : $0 }  // some negative axes
    }

    mutating func instance(_ kind: TensorOpKind) -> TensorOpInstance {
        switch kind {
        case .add, .subtract, .multiply: return binary()
        case .divide: return binary(positiveSecond: true)
        case .power:
            var i = binary(positiveFirst: true)
            i.inputs[1] = positive(i.inputs[1].shape, lower: -1.5, upper: 2)
            return i
        case .negate, .exp, .sin, .cos, .tanh, .sigmoid, .elementwise: return TensorOpInstance(inputs: [tensor(shape())])
        case .log, .squareRoot: return TensorOpInstance(inputs: [positive(shape())])
        case .abs, .relu, .leakyRelu, .step: return TensorOpInstance(inputs: [tensor(shape(), avoid: [0])])
        case .clamp: return TensorOpInstance(inputs: [tensor(shape(), avoid: [-0.5, 0.5])])
        case .matmul:
            let m = int(1...3), k = int(1...3), n = int(1...3)
            let ta = bool(), tb = bool()
            let sa = ta ? [k, m] : [m, k], sb = tb ? [n, k] : [k, n]
            if bool() {
                return TensorOpInstance(inputs: [tensor(sa), tensor(sb)], transposes: (ta, tb))
            }
            let b = int(1...3)
            return TensorOpInstance(inputs: [tensor([b] + sa), tensor([b] + sb)], transposes: (ta, tb))
        case .linear:
            // x [batch, in], W [out, in], and a bias [out] in about half the draws.
            let batch = int(1...3), inputs = int(1...3), outputs = int(1...3)
            let parts = [tensor([batch, inputs]), tensor([outputs, inputs])]
            return TensorOpInstance(inputs: bool() ? parts + [tensor([outputs])] : parts)
        case .permute:
            let s = shape(rank: 2...3)
            var axes = Array(0..<s.count)
            for i in stride(from: axes.count - 1, to: 0, by: -1) { axes.swapAt(i, int(0...i)) }
            return TensorOpInstance(inputs: [tensor(s)], axes: axes)
        case .reshape:
            let s = shape(rank: 2...3)
            return TensorOpInstance(inputs: [tensor(s)], shape: s.reversed() != s && bool() ? s.reversed() : [-1])
        case .broadcast:
            let target = shape(rank: 2...3)
            return TensorOpInstance(inputs: [tensor(broadcastPartner(of: target))], shape: [int(1...2)] + target)
        case .sum, .mean, .max, .min:
            let s = shape()
            return TensorOpInstance(inputs: [tensor(s)], axes: axesSubset(rank: s.count), keep: bool())
        case .softmax, .logSoftmax, .logSumExp:
            let s = shape()
            return TensorOpInstance(inputs: [tensor(s)], axes: [int(0...(s.count - 1))], keep: bool())
        case .slice:
            let s = shape()
            let ranges = s.prefix(int(1...s.count)).map { d -> Range<Int> in
                let lo = int(0...(d - 1))
                return lo..<int((lo + 1)...d)
            }
            return TensorOpInstance(inputs: [tensor(s)], ranges: ranges)
        case .pad:
            let s = shape()
            let lower = s.map { _ in int(0...2) }
            let target = zip(s, lower).map { $0 + $1 + int(0...2) }
            return TensorOpInstance(inputs: [tensor(s)], shape: target, ranges: lower.map { $0..<$0 })
        case .selectRows:
            let s = shape()
            return TensorOpInstance(inputs: [tensor(s)], indices: (0..<int(1...4)).map { _ in int(0...(s[0] - 1)) })
        case .scatterRows:
            let rows = int(1...3)
            let indices = (0..<int(1...4)).map { _ in int(0...(rows - 1)) }
            return TensorOpInstance(inputs: [tensor([indices.count] + shape(rank: 0...2))], indices: indices, shape: [rows])
        case .gather:
            let n = int(1...4), c = int(1...4)
            return TensorOpInstance(inputs: [tensor([n, c])], indices: (0..<n).map { _ in int(0...(c - 1)) })
        case .scatterClasses:
            let n = int(1...4), c = int(1...4)
            return TensorOpInstance(inputs: [tensor([n])], indices: (0..<n).map { _ in int(0...(c - 1)) }, shape: [c])
        case .concatenate:
            let s = shape()
            let axis = int(0...(s.count - 1))
            let parts = (0..<int(1...3)).map { _ -> Tensor<Double> in
                var p = s
                p[axis] = int(1...3)
                return tensor(p)
            }
            return TensorOpInstance(inputs: parts, axes: [axis])
        case .select:
            let s = shape()
            let maskShape = broadcastPartner(of: s)
            let mask = Tensor<Double>(shape: maskShape, scalars: (0..<maskShape.reduce(1, *)).map { _ in bool() ? 1 : 0 })
            return TensorOpInstance(inputs: [tensor(broadcastPartner(of: s)), tensor(s)], mask: mask)
        case .selectByMask:
            // The mask is computed from input 0 (x > 0), kept away from 0 so that finite
            // differences do not flip it; compiled, the mask is traced and recorded as SelectByMask.
            let s = shape()
            return TensorOpInstance(inputs: [tensor(broadcastPartner(of: s), avoid: [0], margin: 0.1),
                                             tensor(broadcastPartner(of: s)), tensor(s)])
        case .custom:
            return TensorOpInstance(inputs: [tensor(shape())])
        case .maximum, .minimum: return binary(apart: 0.05)
        case .rowLookup:
            // The indices (a constant tensor here; RowLookupTests passes them as a program input).
            let s = shape(), indexShape = shape(rank: 0...2)
            return TensorOpInstance(inputs: [tensor(s)], indices: (0..<indexShape.reduce(1, *)).map { _ in int(0...(s[0] - 1)) },
                                    shape: indexShape)
        case .rowScatter:
            let rows = int(1...3), indexShape = shape(rank: 1...2)
            return TensorOpInstance(inputs: [tensor(indexShape + shape(rank: 0...1))],
                                    indices: (0..<indexShape.reduce(1, *)).map { _ in int(0...(rows - 1)) },
                                    shape: indexShape, ranges: [0..<rows])
        case .isLess, .isLessOrEqual, .isGreater, .isGreaterOrEqual: return binary(apart: 0.05)
        case .isEqual, .isNotEqual:
            // Whole numbers in −1…1: many ties (a perturbed program input breaks all
            // but those at 0, so the masks change between calls).
            var i = binary()
            i.inputs = i.inputs.map { Tensor(shape: $0.shape, scalars: $0.scalars.map { Swift.max(-1, Swift.min(1, $0.rounded())) }) }
            return i
        case .cumulativeProduct:
            // No zeros here (second derivatives at zeros are not exact); TensorNewOpsTests
            // checks first derivatives at zeros.
            let s = shape()
            return TensorOpInstance(inputs: [tensor(s, avoid: [0], margin: 0.1)], axes: [int(-s.count...(s.count - 1))])
        case .argmax, .argmin, .cumulativeSum:
            let s = shape()
            return TensorOpInstance(inputs: [tensor(s)], axes: [int(-s.count...(s.count - 1))], keep: bool())
        case .product:
            // Some exact zeros (up to three per draw), where the gradient must not divide.
            let s = shape()
            var x = tensor(s)
            for _ in 0..<int(0...3) { x.scalars[int(0...(x.count - 1))] = 0 }
            return TensorOpInstance(inputs: [x], axes: axesSubset(rank: s.count), keep: bool())
        case .gatherAlongAxis:
            let s = shape()
            let axis = int(0...(s.count - 1))
            let indexShape = shape(rank: 0...2)
            let indices = Tensor<Double>(shape: indexShape, scalars: (0..<indexShape.reduce(1, *)).map { _ in Double(int(0...(s[axis] - 1))) })
            return TensorOpInstance(inputs: [tensor(s)], axes: [bool() ? axis : axis - s.count], mask: indices)
        case .scatterAddAlongAxis:
            let outer = shape(rank: 0...1), inner = shape(rank: 0...1), indexShape = shape(rank: 0...2)
            let extent = int(1...3)
            let indices = Tensor<Double>(shape: indexShape, scalars: (0..<indexShape.reduce(1, *)).map { _ in Double(int(0...(extent - 1))) })
            return TensorOpInstance(inputs: [tensor(outer + indexShape + inner)], axes: [outer.count], shape: [extent], mask: indices)
        case .broadcastMatmul:
            // Batch shapes that broadcast but differ (else matmul takes its own path).
            let m = int(1...3), k = int(1...3), n = int(1...3)
            let ta = bool(), tb = bool()
            var batchA: [Int] = [], batchB: [Int] = []
            repeat {
                let full = shape(rank: 1...2)
                (batchA, batchB) = (broadcastPartner(of: full), broadcastPartner(of: full))
                if bool() { batchA = full } else { batchB = full }
            } while (batchA.isEmpty && batchB.isEmpty) || (batchA.count == 1 && batchA == batchB)
            let sa = ta ? [k, m] : [m, k], sb = tb ? [n, k] : [k, n]
            return TensorOpInstance(inputs: [tensor(batchA + sa), tensor(batchB + sb)], transposes: (ta, tb))
        case .unfold, .fold:
            // Images [N, C, H, W]; `indices` = [kernel, stride, padding]; `shape` = the images'.
            let image = [int(1...2), int(1...2), int(2...4), int(2...4)]
            let p = int(0...1), k = int(1...Swift.min(3, Swift.min(image[2], image[3]) + 2 * p)), stride = int(1...2)
            let rows = [image[0], (image[2] + 2 * p - k) / stride + 1, (image[3] + 2 * p - k) / stride + 1, image[1] * k * k]
            return TensorOpInstance(inputs: [tensor(kind == .unfold ? image : rows)], indices: [k, stride, p], shape: image)
        default: fatalError("no test entry for op \(kind)")
        }
    }
}

/// Applies the op of `kind` to an instance's inputs (converted to `S`). Returns nil for
/// a kind this table does not cover, which makes the coverage test fail.
func applyTensorOp<S: TensorScalar>(_ kind: TensorOpKind, _ i: TensorOpInstance, _ x: [Tensor<S>]) -> Tensor<S>? {
    let mask = i.mask.map { Tensor<S>(shape: $0.shape, scalars: $0.scalars.map { S($0) }) }
    switch kind {
    case .add: return x[0] + x[1]
    case .subtract: return x[0] - x[1]
    case .multiply: return x[0] * x[1]
    case .divide: return x[0] / x[1]
    case .power: return x[0].raised(toPower: x[1])
    case .negate: return -x[0]
    case .exp: return x[0].exp()
    case .log: return x[0].log()
    case .squareRoot: return x[0].squareRoot()
    case .abs: return x[0].abs()
    case .sin: return x[0].sin()
    case .cos: return x[0].cos()
    case .elementwise: return x[0].softplus()
    case .tanh: return x[0].tanh()
    case .sigmoid: return x[0].sigmoid()
    case .relu: return x[0].relu()
    case .leakyRelu: return x[0].leakyRelu(alpha: 0.1)
    case .step: return x[0].step(threshold: 0)
    case .clamp: return x[0].clamped(lower: -0.5, upper: 0.5)
    case .matmul: return x[0].matmul(x[1], transposingSelf: i.transposes.a, transposingOther: i.transposes.b)
    case .linear: return x.count == 3 ? x[0].linear(weight: x[1], bias: x[2]) : x[0].linear(weight: x[1])
    case .permute: return x[0].permuted(i.axes)
    case .reshape: return x[0].reshaped(to: i.shape)
    case .broadcast: return x[0].broadcasted(to: i.shape)
    case .sum: return x[0].sum(alongAxes: i.axes, keepingDimensions: i.keep)
    case .mean: return x[0].mean(alongAxes: i.axes, keepingDimensions: i.keep)
    case .max: return x[0].max(alongAxes: i.axes, keepingDimensions: i.keep)
    case .min: return x[0].min(alongAxes: i.axes, keepingDimensions: i.keep)
    case .softmax: return x[0].softmax(alongAxis: i.axes[0])
    case .logSoftmax: return x[0].logSoftmax(alongAxis: i.axes[0])
    case .logSumExp: return x[0].logSumExp(alongAxis: i.axes[0], keepingDimensions: i.keep)
    case .slice: return x[0].sliced(i.ranges)
    case .pad: return x[0].padded(to: i.shape, at: i.ranges.map(\.lowerBound))
    case .selectRows: return x[0].selectingRows(i.indices)
    case .scatterRows: return x[0].scatteredRows(at: i.indices, rowCount: i.shape[0])
    case .gather: return x[0].gathered(atClassIndices: i.indices)
    case .scatterClasses: return x[0].scattered(toClassIndices: i.indices, classCount: i.shape[0])
    case .concatenate: return Tensor.concatenated(x, alongAxis: i.axes[0])
    case .select: return Tensor.where(mask!, x[0], x[1])
    case .selectByMask: return Tensor.where(x[0].isGreater(than: 0), x[1], x[2])
    case .custom: return TensorCubeFunction<S>()(x[0])
    case .maximum: return Tensor.maximum(x[0], x[1])
    case .minimum: return Tensor.minimum(x[0], x[1])
    case .rowLookup: return x[0].selectingRows(indexedBy: Tensor(shape: i.shape, scalars: i.indices.map { S($0) }))
    case .rowScatter:
        return x[0].scatteredRows(indexedBy: Tensor(shape: i.shape, scalars: i.indices.map { S($0) }), rowCount: i.ranges[0].count)
    case .isLess: return x[0].isLess(than: x[1])
    case .isLessOrEqual: return x[0].isLessThanOrEqual(to: x[1])
    case .isGreater: return x[0].isGreater(than: x[1])
    case .isGreaterOrEqual: return x[0].isGreaterThanOrEqual(to: x[1])
    case .isEqual: return x[0].isEqual(to: x[1])
    case .isNotEqual: return x[0].isNotEqual(to: x[1])
    case .argmax: return x[0].argmax(alongAxis: i.axes[0], keepingDimensions: i.keep)
    case .argmin: return x[0].argmin(alongAxis: i.axes[0], keepingDimensions: i.keep)
    case .cumulativeSum: return x[0].cumulativeSum(alongAxis: i.axes[0], reverse: i.keep)
    case .cumulativeProduct: return x[0].cumulativeProduct(alongAxis: i.axes[0])
    case .product: return x[0].product(alongAxes: i.axes, keepingDimensions: i.keep)
    case .gatherAlongAxis: return x[0].gathered(atIndices: mask!, alongAxis: i.axes[0])
    case .scatterAddAlongAxis: return x[0].scatterAdded(atIndices: mask!, alongAxis: i.axes[0], extent: i.shape[0])
    case .broadcastMatmul: return x[0].matmul(x[1], transposingSelf: i.transposes.a, transposingOther: i.transposes.b)
    case .unfold: return x[0].unfolded(kernelSize: i.indices[0], stride: i.indices[1], padding: i.indices[2])
    case .fold: return x[0].folded(imageShape: i.shape, kernelSize: i.indices[0], stride: i.indices[1], padding: i.indices[2])
    default: return nil
    }
}
