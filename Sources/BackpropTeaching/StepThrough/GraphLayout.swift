/// A layered drawing of a scalar graph, left (leaves) to right (output): a node's
/// layer is one more than its deepest input; a leaf sits just left of its first
/// consumer; within a layer nodes are ordered by the mean position of their
/// neighbours (a few barycentre sweeps), which keeps most edges short and uncrossed.
public struct GraphLayout: Sendable {
    /// The centre of each node's box, by node index (pixels).
    public var positions: [(x: Double, y: Double)]
    /// The drawing's size.
    public var width: Double, height: Double
    /// The layer of each node.
    public var layers: [Int]
    /// The nodes column by column, left to right, each column top to bottom: a
    /// topological order (a node's inputs are all in earlier columns), the order of
    /// the page's forward steps.
    public var forwardOrder: [Int]
    /// Node box size.
    public static let boxWidth = 108.0, boxHeight = 54.0

    /// Lays out the nodes of `steps`.
    public init(_ steps: StepList) {
        let nodes = steps.nodes
        let n = nodes.count
        var layer = [Int](repeating: 0, count: n)
        var consumers = [[Int]](repeating: [], count: n)
        for node in nodes {
            for input in node.inputs { consumers[input.index].append(node.index) }
            if !node.inputs.isEmpty { layer[node.index] = 1 + (node.inputs.map { layer[$0.index] }.max() ?? 0) }
        }
        for node in nodes where node.inputs.isEmpty {
            if let first = consumers[node.index].map({ layer[$0] }).min() { layer[node.index] = Swift.max(0, first - 1) }
        }
        let layerCount = (layer.max() ?? 0) + 1
        var rows = (0..<layerCount).map { l in (0..<n).filter { layer[$0] == l } }
        var rank = [Double](repeating: 0, count: n)
        func renumber() { for row in rows { for (k, v) in row.enumerated() { rank[v] = Double(k) - Double(row.count - 1) / 2 } } }
        renumber()
        for sweep in 0..<6 {
            let range: [Int] = sweep % 2 == 0 ? Array(0..<layerCount) : Array((0..<layerCount).reversed())
            for l in range {
                let key: [Int: Double] = Dictionary(uniqueKeysWithValues: rows[l].map { v in
                    let neighbours = nodes[v].inputs.map(\.index) + consumers[v]
                    return (v, neighbours.isEmpty ? rank[v] : neighbours.map { rank[$0] }.reduce(0, +) / Double(neighbours.count))
                })
                rows[l].sort { (key[$0]!, $0) < (key[$1]!, $1) }
                renumber()
            }
        }
        let columnGap = 128.0, rowGap = 66.0
        let tallest = rows.map(\.count).max() ?? 1
        width = Double(layerCount) * columnGap + 20
        height = Double(tallest) * rowGap + 20
        let height = height
        var positions = [(x: Double, y: Double)](repeating: (0, 0), count: n)
        for (l, row) in rows.enumerated() {
            for (k, v) in row.enumerated() {
                positions[v] = (10 + GraphLayout.boxWidth / 2 + Double(l) * columnGap,
                                height / 2 + (Double(k) - Double(row.count - 1) / 2) * rowGap)
            }
        }
        self.positions = positions
        self.layers = layer
        forwardOrder = rows.flatMap { $0 }
    }
}
