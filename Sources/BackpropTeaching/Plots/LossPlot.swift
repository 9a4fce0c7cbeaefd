import BackpropNN
import Foundation

/// One curve of a loss plot: a name and the loss after each epoch (epoch 1 first).
public struct LossSeries: Sendable {
    /// The legend label.
    public var label: String
    /// Loss per epoch.
    public var losses: [Double]

    /// A series from per-epoch losses.
    public init(_ label: String, losses: [Double]) {
        self.label = label
        self.losses = losses
    }

    /// A series from a training run's history.
    public init(_ label: String, history: TrainingHistory) {
        self.init(label, losses: history.losses)
    }
}

/// Colours of the plots' series, in order (colour-blind-friendly).
let seriesColors = ["#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9"]

/// Loss against epoch for one or more runs, as an SVG line plot. With `logScale`
/// the loss axis is base-10 logarithmic (non-positive and non-finite losses are
/// left out, so a run that diverges ends where its loss stops being finite).
///
/// Each curve is a `<polyline class="loss-series">` whose points are
/// `frame.pixel(epoch, loss)`.
public func lossPlot(_ series: [LossSeries], logScale: Bool = true, title: String = "Training loss per epoch",
                     width: Double = 720, height: Double = 440) -> (svg: SVGDocument, frame: PlotFrame) {
    let usable = series.map { s in s.losses.enumerated().filter { $0.element.isFinite && (!logScale || $0.element > 0) } }
    let values = usable.flatMap { $0.map(\.element) }
    let epochs = Swift.max(2, series.map(\.losses.count).max() ?? 2)
    var low = values.min() ?? 1, high = values.max() ?? 1
    if logScale {
        low = Foundation.pow(10, Foundation.floor(Foundation.log10(low)))
        high = Foundation.pow(10, Foundation.ceil(Foundation.log10(high)))
        if low == high { high = low * 10 }
    } else {
        let pad = Swift.max((high - low) * 0.05, 1e-9)
        low = Swift.min(0, low - pad)
        high += pad
    }
    let frame = PlotFrame(left: 80, top: 40, width: width - 110, height: height - 100,
                          xRange: 1...Double(epochs), yRange: low...high, logY: logScale)
    var svg = SVGDocument(width: width, height: height)
    frame.drawAxes(on: &svg, xLabel: "epoch", yLabel: logScale ? "loss (log scale)" : "loss", title: title)
    let clip = svg.clipRect(x: frame.left, y: frame.top, width: frame.width, height: frame.height)
    svg.beginGroup([("clip-path", clip)])
    for (k, points) in usable.enumerated() {
        let color = seriesColors[k % seriesColors.count]
        svg.polyline(points.map { frame.pixel(Double($0.offset + 1), $0.element) }, stroke: color, width: 2,
                     extra: [("class", "loss-series"), ("data-label", series[k].label)])
    }
    svg.endGroup()
    frame.drawLegend(on: &svg, series.enumerated().map { LegendEntry($1.label, color: seriesColors[$0 % seriesColors.count]) })
    return (svg, frame)
}
