/// Contour lines of a function sampled on a regular grid, by marching squares: in
/// each cell, the level crosses an edge where its two corners lie on opposite sides,
/// at the linearly interpolated point; saddle cells are resolved by the cell's mean.
public struct ContourGrid: Sendable {
    /// Sample positions along x and y (increasing).
    public var xs: [Double], ys: [Double]
    /// `values[j][i]` = f(xs[i], ys[j]).
    public var values: [[Double]]

    /// A grid from samples already taken: `values[j][i]` = f(xs[i], ys[j]).
    public init(xs: [Double], ys: [Double], values: [[Double]]) {
        precondition(xs.count >= 2 && ys.count >= 2 && values.count == ys.count && values.allSatisfy { $0.count == xs.count },
                     "ContourGrid: values must be ys.count rows of xs.count samples, at least 2 × 2")
        self.xs = xs
        self.ys = ys
        self.values = values
    }

    /// Samples `f` on a `columns` × `rows` grid over the given ranges.
    public init(x: ClosedRange<Double>, y: ClosedRange<Double>, columns: Int, rows: Int, _ f: (Double, Double) -> Double) {
        xs = (0..<columns).map { x.lowerBound + (x.upperBound - x.lowerBound) * Double($0) / Double(columns - 1) }
        ys = (0..<rows).map { y.lowerBound + (y.upperBound - y.lowerBound) * Double($0) / Double(rows - 1) }
        let xs = xs
        values = ys.map { yj in xs.map { xi in f(xi, yj) } }
    }

    /// The segments (in data coordinates) of the contour f = `level`.
    public func segments(at level: Double) -> [((Double, Double), (Double, Double))] {
        var out: [((Double, Double), (Double, Double))] = []
        for j in 0..<(ys.count - 1) {
            for i in 0..<(xs.count - 1) {
                // Corners counter-clockwise from bottom-left: (i,j) (i+1,j) (i+1,j+1) (i,j+1).
                let c = [(xs[i], ys[j], values[j][i]), (xs[i + 1], ys[j], values[j][i + 1]),
                         (xs[i + 1], ys[j + 1], values[j + 1][i + 1]), (xs[i], ys[j + 1], values[j + 1][i])]
                guard c.allSatisfy({ $0.2.isFinite }) else { continue }
                // The crossing on each edge k (between corner k and k+1), if any.
                var crossings: [Int: (Double, Double)] = [:]
                for k in 0..<4 {
                    let a = c[k], b = c[(k + 1) % 4]
                    if (a.2 < level) != (b.2 < level) {
                        let t = (level - a.2) / (b.2 - a.2)
                        crossings[k] = (a.0 + t * (b.0 - a.0), a.1 + t * (b.1 - a.1))
                    }
                }
                switch crossings.count {
                case 2:
                    let e = crossings.keys.sorted()
                    out.append((crossings[e[0]]!, crossings[e[1]]!))
                case 4:
                    // Saddle: corners 0 and 2 on one side, 1 and 3 on the other. If the
                    // centre is on corner 0's side, corner 0's region connects through the
                    // middle, so the lines cut off corners 1 and 3.
                    let centre = (c[0].2 + c[1].2 + c[2].2 + c[3].2) / 4
                    if (centre < level) == (c[0].2 < level) {
                        out.append((crossings[0]!, crossings[1]!))
                        out.append((crossings[2]!, crossings[3]!))
                    } else {
                        out.append((crossings[3]!, crossings[0]!))
                        out.append((crossings[1]!, crossings[2]!))
                    }
                default:
                    break
                }
            }
        }
        return out
    }
}
