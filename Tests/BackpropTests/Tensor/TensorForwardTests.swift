import Testing
@testable import Backprop
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Forward values of every op against naive reference loops written here, independently
/// of the library's kernels (multi-index loops, no strides or index arrays).
@Suite("Tensor: forward values against naive references")
struct TensorForwardTests {
    /// Every multi-index of a shape, in row-major order.
    static func allIndices(_ shape: [Int]) -> [[Int]] {
        var result: [[Int]] = [[]]
        for d in shape { result = result.flatMap { prefix in (0..<d).map { prefix + [$0] } } }
        return result
    }

    /// Element at a multi-index (row-major), computed directly.
    static func at(_ t: Tensor<Double>, _ index: [Int]) -> Double {
        var flat = 0
        for (k, i) in index.enumerated() { flat = flat * t.shape[k] + i }
        return t.scalars[flat]
    }

    /// The element of `t` that broadcasting maps to output index `index`.
    static func broadcastAt(_ t: Tensor<Double>, _ index: [Int]) -> Double {
        let lead = index.count - t.rank
        return at(t, t.shape.indices.map { t.shape[$0] == 1 ? 0 : index[$0 + lead] })
    }

    static func broadcastShape(_ shapes: [[Int]]) -> [Int] {
        let rank = shapes.map(\.count).max()!
        return (0..<rank).map { k in
            shapes.map { s in k < rank - s.count ? 1 : s[k - (rank - s.count)] }.max()!
        }
    }

    /// The reference result of an op: shape and row-major values.
    static func reference(_ kind: TensorOpKind, _ i: TensorOpInstance) -> (shape: [Int], values: [Double]) {
        let x = i.inputs
        func unary(_ f: (Double) -> Double) -> ([Int], [Double]) { (x[0].shape, x[0].scalars.map(f)) }
        func binary(_ f: (Double, Double) -> Double) -> ([Int], [Double]) {
            let s = broadcastShape([x[0].shape, x[1].shape])
            return (s, allIndices(s).map { f(broadcastAt(x[0], $0), broadcastAt(x[1], $0)) })
        }
        func normalized(_ a: Int) -> Int { a < 0 ? a + x[0].rank : a }
        func reduce(_ f: ([Double]) -> Double) -> ([Int], [Double]) {
            let axes = Set(i.axes.map(normalized))
            let s = x[0].shape
            let kept = s.indices.map { axes.contains($0) ? 1 : s[$0] }
            let values = allIndices(kept).map { outIndex in
                f(allIndices(s).filter { idx in idx.indices.allSatisfy { axes.contains($0) || idx[$0] == outIndex[$0] } }
                    .map { at(x[0], $0) })
            }
            let shape = i.keep ? kept : s.indices.filter { !axes.contains($0) }.map { s[$0] }
            return (shape, values)
        }
        /// Applies `f` to every line of elements along `axis` (the result replaces the line).
        func alongAxis(_ axis: Int, _ f: ([Double]) -> [Double]) -> ([Int], [Double]) {
            let s = x[0].shape
            var out = x[0].scalars
            for idx in allIndices(s) where idx[axis] == 0 {
                let line = (0..<s[axis]).map { k -> [Int] in var j = idx; j[axis] = k; return j }
                for (j, v) in zip(line, f(line.map { at(x[0], $0) })) {
                    var flat = 0
                    for (k, e) in j.enumerated() { flat = flat * s[k] + e }
                    out[flat] = v
                }
            }
            return (s, out)
        }
        switch kind {
        case .add: return binary(+)
        case .subtract: return binary(-)
        case .multiply: return binary(*)
        case .divide: return binary(/)
        case .power: return binary { pow($0, $1) }
        case .negate: return unary { -$0 }
        case .exp: return unary { exp($0) }
        case .log: return unary { log($0) }
        case .squareRoot: return unary { sqrt($0) }
        case .abs: return unary { fabs($0) }
        case .sin: return unary { sin($0) }
        case .cos: return unary { cos($0) }
        case .elementwise: return unary { log1p(exp($0)) }  // softplus
        case .tanh: return unary { tanh($0) }
        case .sigmoid: return unary { 1 / (1 + exp(-$0)) }
        case .relu: return unary { $0 > 0 ? $0 : 0 }
        case .leakyRelu: return unary { $0 > 0 ? $0 : 0.1 * $0 }
        case .step: return unary { $0 > 0 ? 1 : 0 }
        case .clamp: return unary { Swift.min(Swift.max($0, -0.5), 0.5) }
        case .matmul:
            let a = x[0], b = x[1], r = a.rank
            let (ta, tb) = i.transposes
            let m = ta ? a.shape[r - 1] : a.shape[r - 2], k = ta ? a.shape[r - 2] : a.shape[r - 1]
            let n = tb ? b.shape[r - 2] : b.shape[r - 1]
            let batch = r == 3 ? a.shape[0] : 1
            var out: [Double] = []
            for bi in 0..<batch {
                let prefix = r == 3 ? [bi] : []
                for p in 0..<m {
                    for q in 0..<n {
                        var s = 0.0
                        for t in 0..<k {
                            s += at(a, prefix + (ta ? [t, p] : [p, t])) * at(b, prefix + (tb ? [q, t] : [t, q]))
                        }
                        out.append(s)
                    }
                }
            }
            return (r == 3 ? [batch, m, n] : [m, n], out)
        case .linear:
            let (batch, inputs, outputs) = (x[0].shape[0], x[0].shape[1], x[1].shape[0])
            var out: [Double] = []
            for r in 0..<batch {
                for j in 0..<outputs {
                    var s = x.count == 3 ? at(x[2], [j]) : 0
                    for k in 0..<inputs { s += at(x[0], [r, k]) * at(x[1], [j, k]) }
                    out.append(s)
                }
            }
            return ([batch, outputs], out)
        case .permute:
            let s = i.axes.map { x[0].shape[$0] }
            return (s, allIndices(s).map { idx in
                var src = [Int](repeating: 0, count: idx.count)
                for (k, a) in i.axes.enumerated() { src[a] = idx[k] }
                return at(x[0], src)
            })
        case .reshape:
            return (i.shape == [-1] ? [x[0].count] : i.shape, x[0].scalars)
        case .broadcast:
            return (i.shape, allIndices(i.shape).map { broadcastAt(x[0], $0) })
        case .sum: return reduce { $0.reduce(0, +) }
        case .mean: return reduce { $0.reduce(0, +) / Double($0.count) }
        case .max: return reduce { $0.max()! }
        case .min: return reduce { $0.min()! }
        case .softmax:
            return alongAxis(normalized(i.axes[0])) { v in let e = v.map { exp($0) }; let s = e.reduce(0, +); return e.map { $0 / s } }
        case .logSoftmax:
            return alongAxis(normalized(i.axes[0])) { v in let s = log(v.map { exp($0) }.reduce(0, +)); return v.map { $0 - s } }
        case .logSumExp:
            let exps = Tensor<Double>(shape: x[0].shape, scalars: x[0].scalars.map { exp($0) })
            let sums = reference(.sum, TensorOpInstance(inputs: [exps], axes: [normalized(i.axes[0])], keep: i.keep))
            return (sums.shape, sums.values.map { log($0) })
        case .slice:
            let full = i.ranges + x[0].shape[i.ranges.count...].map { 0..<$0 }
            let s = full.map(\.count)
            return (s, allIndices(s).map { idx in at(x[0], idx.indices.map { idx[$0] + full[$0].lowerBound }) })
        case .pad:
            let lower = i.ranges.map(\.lowerBound)
            return (i.shape, allIndices(i.shape).map { idx in
                let src = idx.indices.map { idx[$0] - lower[$0] }
                let inside = src.indices.allSatisfy { src[$0] >= 0 && src[$0] < x[0].shape[$0] }
                return inside ? at(x[0], src) : 0
            })
        case .selectRows:
            let s = [i.indices.count] + x[0].shape.dropFirst()
            return (s, allIndices(s).map { idx in at(x[0], [i.indices[idx[0]]] + idx.dropFirst()) })
        case .scatterRows:
            let s = i.shape + x[0].shape.dropFirst()
            return (s, allIndices(s).map { idx in
                i.indices.indices.filter { i.indices[$0] == idx[0] }.map { at(x[0], [$0] + idx.dropFirst()) }.reduce(0, +)
            })
        case .gather:
            return ([i.indices.count], i.indices.enumerated().map { at(x[0], [$0.offset, $0.element]) })
        case .scatterClasses:
            let s = [i.indices.count, i.shape[0]]
            return (s, allIndices(s).map { idx in i.indices[idx[0]] == idx[1] ? at(x[0], [idx[0]]) : 0 })
        case .concatenate:
            let axis = i.axes[0]
            var s = x[0].shape
            s[axis] = x.map { $0.shape[axis] }.reduce(0, +)
            return (s, allIndices(s).map { idx in
                var offset = idx[axis], part = 0
                while offset >= x[part].shape[axis] { offset -= x[part].shape[axis]; part += 1 }
                var j = idx
                j[axis] = offset
                return at(x[part], j)
            })
        case .select:
            let m = i.mask!
            let s = broadcastShape([m.shape, x[0].shape, x[1].shape])
            return (s, allIndices(s).map { broadcastAt(m, $0) != 0 ? broadcastAt(x[0], $0) : broadcastAt(x[1], $0) })
        case .selectByMask:
            let s = broadcastShape([x[0].shape, x[1].shape, x[2].shape])
            return (s, allIndices(s).map { broadcastAt(x[0], $0) > 0 ? broadcastAt(x[1], $0) : broadcastAt(x[2], $0) })
        case .custom: return unary { $0 * $0 * $0 }
        case .maximum: return binary { Swift.max($0, $1) }
        case .minimum: return binary { Swift.min($0, $1) }
        case .rowLookup:
            // Index position p (row-major over i.shape) picks row i.indices[p].
            let positions = allIndices(i.shape), s = i.shape + x[0].shape.dropFirst()
            return (s, allIndices(s).map { idx in
                let p = positions.firstIndex(of: Array(idx.prefix(i.shape.count)))!
                return at(x[0], [i.indices[p]] + idx.dropFirst(i.shape.count))
            })
        case .rowScatter:
            let positions = allIndices(i.shape), s = [i.ranges[0].count] + x[0].shape.dropFirst(i.shape.count)
            return (s, allIndices(s).map { idx in
                positions.indices.filter { i.indices[$0] == idx[0] }.map { at(x[0], positions[$0] + idx.dropFirst()) }.reduce(0, +)
            })
        case .isLess: return binary { $0 < $1 ? 1 : 0 }
        case .isLessOrEqual: return binary { $0 <= $1 ? 1 : 0 }
        case .isGreater: return binary { $0 > $1 ? 1 : 0 }
        case .isGreaterOrEqual: return binary { $0 >= $1 ? 1 : 0 }
        case .isEqual: return binary { $0 == $1 ? 1 : 0 }
        case .isNotEqual: return binary { $0 != $1 ? 1 : 0 }
        case .argmax, .argmin:
            // The first index of the extremum of each line along the axis.
            let axis = normalized(i.axes[0]), s = x[0].shape
            let kept = s.indices.map { $0 == axis ? 1 : s[$0] }
            let values = allIndices(kept).map { start -> Double in
                let line = (0..<s[axis]).map { k -> Double in var j = start; j[axis] = k; return at(x[0], j) }
                let best = kind == .argmax ? line.max()! : line.min()!
                return Double(line.firstIndex(of: best)!)
            }
            return (i.keep ? kept : s.indices.filter { $0 != axis }.map { s[$0] }, values)
        case .cumulativeSum:
            return alongAxis(normalized(i.axes[0])) { v in
                v.indices.map { k in (i.keep ? Array(v[k...]) : Array(v[...k])).reduce(0, +) }
            }
        case .cumulativeProduct:
            return alongAxis(normalized(i.axes[0])) { v in v.indices.map { k in v[...k].reduce(1, *) } }
        case .product: return reduce { $0.reduce(1, *) }
        case .gatherAlongAxis:
            let axis = normalized(i.axes[0]), s = x[0].shape, idx = i.mask!
            let outShape = Array(s[..<axis]) + idx.shape + s[(axis + 1)...]
            return (outShape, allIndices(outShape).map { o in
                let j = Array(o[axis..<(axis + idx.rank)])
                return at(x[0], Array(o[..<axis]) + [Int(at(idx, j))] + o[(axis + idx.rank)...])
            })
        case .scatterAddAlongAxis:
            let axis = i.axes[0], s = x[0].shape, idx = i.mask!, r = idx.rank
            let outShape = Array(s[..<axis]) + i.shape + s[(axis + r)...]
            return (outShape, allIndices(outShape).map { o in
                allIndices(idx.shape).filter { Int(at(idx, $0)) == o[axis] }
                    .map { at(x[0], Array(o[..<axis]) + $0 + o[(axis + 1)...]) }.reduce(0, +)
            })
        case .broadcastMatmul:
            let a = x[0], b = x[1], (ra, rb) = (a.rank, b.rank)
            let (ta, tb) = i.transposes
            let m = ta ? a.shape[ra - 1] : a.shape[ra - 2], k = ta ? a.shape[ra - 2] : a.shape[ra - 1]
            let n = tb ? b.shape[rb - 2] : b.shape[rb - 1]
            let batch = broadcastShape([Array(a.shape.dropLast(2)), Array(b.shape.dropLast(2))])
            /// The batch index of an operand with batch rank `r` and shape `s` for result batch index `β`.
            func item(_ beta: [Int], _ s: [Int]) -> [Int] {
                let lead = beta.count - (s.count - 2)
                return (0..<(s.count - 2)).map { s[$0] == 1 ? 0 : beta[$0 + lead] }
            }
            var out: [Double] = []
            for beta in allIndices(batch) {
                let (pa, pb) = (item(beta, a.shape), item(beta, b.shape))
                for p in 0..<m {
                    for q in 0..<n {
                        var s = 0.0
                        for t in 0..<k { s += at(a, pa + (ta ? [t, p] : [p, t])) * at(b, pb + (tb ? [q, t] : [t, q])) }
                        out.append(s)
                    }
                }
            }
            return (batch + [m, n], out)
        case .unfold, .fold:
            // Image position read by patch element (n, i, j, (c·k + u)·k + v), or nil in the padding.
            let (k, st, p, image) = (i.indices[0], i.indices[1], i.indices[2], i.shape)
            let rows = [image[0], (image[2] + 2 * p - k) / st + 1, (image[3] + 2 * p - k) / st + 1, image[1] * k * k]
            func source(_ r: [Int]) -> [Int]? {
                let (c, u, v) = (r[3] / (k * k), r[3] / k % k, r[3] % k)
                let (y, z) = (st * r[1] + u - p, st * r[2] + v - p)
                return y < 0 || y >= image[2] || z < 0 || z >= image[3] ? nil : [r[0], c, y, z]
            }
            if kind == .unfold { return (rows, allIndices(rows).map { r in source(r).map { at(x[0], $0) } ?? 0 }) }
            return (image, allIndices(image).map { idx in
                allIndices(rows).filter { source($0) == idx }.map { at(x[0], $0) }.reduce(0, +)
            })
        default: fatalError("no forward reference for op \(kind)")
        }
    }

    @Test(arguments: TensorOpKind.tested)
    func forwardMatchesNaiveReference(kind: TensorOpKind) {
        var data = TensorOpTestData(rng: SeededGenerator(seed: 300 &+ UInt64(TensorOpKind.tested.firstIndex(of: kind)!)))
        for _ in 0..<6 {
            let instance = data.instance(kind)
            let y = applyTensorOp(kind, instance, instance.inputs)!
            let (shape, values) = Self.reference(kind, instance)
            #expect(y.shape == shape, "\(kind) \(instance)")
            guard y.shape == shape else { continue }
            for (a, b) in zip(y.scalars, values) {
                #expect(Swift.abs(a - b) <= 1e-12 * (1 + Swift.abs(b)), "\(kind) \(instance): \(a) vs \(b)")
            }
        }
    }

    /// Shape pairs that reach every broadcasting path: same shape, scalar on either side,
    /// a repeated trailing block (bias row) or leading block (bias column) on either
    /// side, a middle axis, and both operands stretched.
    static let broadcastPairs: [([Int], [Int])] = [
        ([2, 3], [2, 3]), ([], [2, 3]), ([2, 3], []), ([1], [4, 2]),
        ([4, 5], [5]), ([5], [4, 5]), ([3, 4, 5], [1, 4, 5]), ([1, 1, 5], [3, 4, 5]),
        ([4, 5], [4, 1]), ([4, 1], [4, 5]), ([3, 4, 2], [3, 1, 1]), ([3, 1, 1], [3, 4, 2]),
        ([3, 4, 2], [3, 1, 2]), ([3, 1, 2], [3, 4, 2]), ([3, 1], [1, 4]), ([2, 1, 3], [4, 1]),
    ]

    @Test(arguments: broadcastPairs)
    func everyBroadcastingPath(shapes: ([Int], [Int])) {
        var data = TensorOpTestData(rng: SeededGenerator(seed: UInt64(shapes.0.count * 10 + shapes.1.count)))
        for kind in [TensorOpKind.add, .subtract, .multiply, .divide, .power, .select] {
            var instance = TensorOpInstance(inputs: [data.positive(shapes.0, lower: 0.5, upper: 2),
                                               data.positive(shapes.1, lower: -1.5, upper: 2)])
            if kind == .select {
                let m = Self.broadcastShape([shapes.0, shapes.1]).dropFirst()
                instance.mask = Tensor(shape: Array(m), scalars: (0..<m.reduce(1, *)).map { _ in data.bool() ? 1 : 0 })
            }
            let y = applyTensorOp(kind, instance, instance.inputs)!
            let (shape, values) = Self.reference(kind, instance)
            #expect(y.shape == shape, "\(kind) \(shapes)")
            for (a, b) in zip(y.scalars, values) { #expect(Swift.abs(a - b) <= 1e-12 * (1 + Swift.abs(b)), "\(kind) \(shapes)") }
            let report = checkTensorGradients(of: { applyTensorOp(kind, instance, $0)! }, at: instance.inputs)
            #expect(report.passed, "\(kind) \(shapes)\n\(report)")
        }
    }

    @Test func broadcastingShapesFollowNumPy() {
        let a = Tensor<Double>.zeros(shape: [4, 1, 3]), b = Tensor<Double>.zeros(shape: [2, 1])
        #expect((a + b).shape == [4, 2, 3])
        #expect((Tensor<Double>.zeros(shape: [3]) * Tensor<Double>.zeros(shape: [2, 1])).shape == [2, 3])
        #expect((Tensor<Double>(2) - Tensor<Double>.zeros(shape: [2, 2])).shape == [2, 2])
    }

    @Test func stableSoftmaxAndSigmoidForHugeInputs() {
        let x: Tensor<Double> = [[1000, 1001, 999], [-1000, -1000, -1000]]
        let s = x.softmax(alongAxis: 1)
        #expect(s.scalars.allSatisfy { $0.isFinite })
        #expect(Swift.abs(s[0, 1] - 1 / (1 + exp(-1.0) + exp(-2.0))) < 1e-12)
        #expect(Swift.abs(s[1, 0] - 1.0 / 3) < 1e-12)
        let lse = x.logSumExp(alongAxis: 1)
        #expect(Swift.abs(lse[0] - (1001 + log(1 + exp(-1.0) + exp(-2.0)))) < 1e-9)
        let sig = Tensor<Float>([-1000, 1000, 0]).sigmoid()
        #expect(sig.scalars == [0, 1, 0.5])
    }
}
