import Backprop
import BackpropNN
import Foundation

/// The model's outputs at each point (one row of scores per point), without recording.
public func classScores<Model: Layer>(of model: Model, at points: [(Double, Double)]) -> [[Double]] {
    guard !points.isEmpty else { return [] }
    let input = Tensor<Model.Scalar>(shape: [points.count, 2],
                                     scalars: points.flatMap { [Model.Scalar($0.0), Model.Scalar($0.1)] })
    let output = withoutGradients { model(input) }
    let k = output.shape[1], values = output.scalars.map(Double.init)
    return (0..<points.count).map { Array(values[($0 * k)..<(($0 + 1) * k)]) }
}

/// The class the model predicts from a row of scores, as ``accuracy(of:on:batchSize:)`` scores
/// it: the largest output, or for a single output, class 1 when it is ≥ 0.5.
public func predictedClass(_ scores: [Double]) -> Int {
    if scores.count == 1 { return scores[0] >= 0.5 ? 1 : 0 }
    return scores.indices.max { scores[$0] < scores[$1] } ?? 0
}

/// A trained two-feature classifier's decision regions: the plane is sampled on a grid
/// of cells, each shaded with the colour of the class predicted at its centre (runs of
/// equal cells in a row merged into one `<rect class="region" data-class="c">`), the
/// boundary drawn where the two classes' scores are equal, and the data on top.
public struct DecisionBoundaryPlot: Sendable {
    /// Light fills of the class regions, by class.
    public static let regionColors = ["#c6dbef", "#fdd0a2", "#c7e9c0", "#dadaeb"]
    /// Marker colours of the data points, by class.
    public static let pointColors = ["#08519c", "#a63603", "#006d2c", "#54278f"]

    /// The drawing.
    public var svg: SVGDocument
    /// The panel's frame (data ↔ pixels).
    public var frame: PlotFrame
    /// Number of cells across and down.
    public var columns: Int, rows: Int
    /// `cellClasses[r][c]`: the class predicted at the centre of the cell in row r
    /// (from the top) and column c (from the left).
    public var cellClasses: [[Int]]

    /// Draws `model`'s decision regions over `data` (two features, class labels).
    public init<Model: Layer>(model: Model, data: Dataset, title: String, columns: Int = 110, rows: Int = 110,
                              width: Double = 560, height: Double = 560) {
        precondition(data.featureCount == 2 && data.isClassification, "DecisionBoundaryPlot: needs two features and class labels")
        let xs = (0..<data.count).map { data.features[2 * $0] }, ys = (0..<data.count).map { data.features[2 * $0 + 1] }
        func padded(_ v: [Double]) -> ClosedRange<Double> {
            let low = v.min()!, high = v.max()!, pad = Swift.max(0.5, 0.12 * (high - low))
            return (low - pad)...(high + pad)
        }
        let frame = PlotFrame(left: 70, top: 44, width: width - 100, height: height - 110, xRange: padded(xs), yRange: padded(ys))
        let cellWidth = frame.width / Double(columns), cellHeight = frame.height / Double(rows)
        var centres: [(Double, Double)] = []
        for r in 0..<rows {
            for c in 0..<columns {
                centres.append(frame.data(atPixel: (frame.left + (Double(c) + 0.5) * cellWidth, frame.top + (Double(r) + 0.5) * cellHeight)))
            }
        }
        let classes = classScores(of: model, at: centres).map(predictedClass)
        cellClasses = (0..<rows).map { Array(classes[($0 * columns)..<(($0 + 1) * columns)]) }
        var svg = SVGDocument(width: width, height: height)
        for (r, row) in cellClasses.enumerated() {
            var c = 0
            while c < columns {
                var end = c + 1
                while end < columns && row[end] == row[c] { end += 1 }
                let color = DecisionBoundaryPlot.regionColors[row[c] % DecisionBoundaryPlot.regionColors.count]
                svg.rect(x: frame.left + Double(c) * cellWidth, y: frame.top + Double(r) * cellHeight,
                         width: Double(end - c) * cellWidth, height: cellHeight, fill: color,
                         extra: [("class", "region"), ("data-class", "\(row[c])"), ("shape-rendering", "crispEdges")])
                c = end
            }
        }
        if data.classCount == 2 {
            // The boundary: score(1) − score(0) = 0 (or output = 0.5 for one output), on the cell corners.
            let gx = (0...columns).map { frame.data(atPixel: (frame.left + Double($0) * cellWidth, 0)).0 }
            let gy = (0...rows).map { frame.data(atPixel: (0, frame.top + frame.height - Double($0) * cellHeight)).1 }
            let corners = gy.flatMap { y in gx.map { x in (x, y) } }
            let margins = classScores(of: model, at: corners).map { $0.count == 1 ? $0[0] - 0.5 : $0[1] - $0[0] }
            let grid = ContourGrid(xs: gx, ys: gy, values: (0..<gy.count).map { Array(margins[($0 * gx.count)..<(($0 + 1) * gx.count)]) })
            svg.segments(grid.segments(at: 0).map { (frame.pixel($0.0.0, $0.0.1), frame.pixel($0.1.0, $0.1.1)) },
                         stroke: "#333333", width: 1.5, extra: [("class", "boundary")])
        }
        for i in 0..<data.count {
            let label = data.labels[i]
            svg.circle(at: frame.pixel(xs[i], ys[i]), radius: data.count > 50 ? 3.5 : 7,
                       fill: DecisionBoundaryPlot.pointColors[label % DecisionBoundaryPlot.pointColors.count],
                       stroke: "#ffffff", extra: [("class", "datum"), ("data-class", "\(label)")])
        }
        frame.drawAxes(on: &svg, xLabel: data.featureNames.first ?? "x1", yLabel: data.featureNames.last ?? "x2", title: title)
        var legend: [LegendEntry] = []
        for c in 0..<data.classCount {
            legend.append(LegendEntry("class \(data.classNames[c]): data", color: DecisionBoundaryPlot.pointColors[c % 4], kind: .dot))
            legend.append(LegendEntry("class \(data.classNames[c]): predicted", color: DecisionBoundaryPlot.regionColors[c % 4], kind: .fill))
        }
        frame.drawLegend(on: &svg, legend)
        self.svg = svg
        self.frame = frame
        self.columns = columns
        self.rows = rows
    }
}
