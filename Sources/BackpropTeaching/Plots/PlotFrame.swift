import Foundation

/// The plotting area of one panel: a data rectangle (x and y ranges, either axis
/// optionally logarithmic) mapped onto a pixel rectangle, y growing upwards.
public struct PlotFrame: Sendable {
    /// The pixel rectangle: left, top, width, height.
    public var left: Double, top: Double, width: Double, height: Double
    /// Data ranges.
    public var xRange: ClosedRange<Double>, yRange: ClosedRange<Double>
    /// Whether the y axis is logarithmic (base 10); its range is then in data units, > 0.
    public var logY: Bool

    /// A frame; `yRange` must be positive when `logY`.
    public init(left: Double, top: Double, width: Double, height: Double,
                xRange: ClosedRange<Double>, yRange: ClosedRange<Double>, logY: Bool = false) {
        precondition(!logY || yRange.lowerBound > 0, "PlotFrame: a log axis needs a positive range")
        self.left = left
        self.top = top
        self.width = width
        self.height = height
        self.xRange = xRange
        self.yRange = yRange
        self.logY = logY
    }

    private func fraction(_ v: Double, _ r: ClosedRange<Double>, log: Bool) -> Double {
        if log { return (Foundation.log10(v) - Foundation.log10(r.lowerBound)) / (Foundation.log10(r.upperBound) - Foundation.log10(r.lowerBound)) }
        return (v - r.lowerBound) / (r.upperBound - r.lowerBound)
    }

    /// The pixel position of the data point (x, y).
    public func pixel(_ x: Double, _ y: Double) -> (Double, Double) {
        (left + fraction(x, xRange, log: false) * width, top + height - fraction(y, yRange, log: logY) * height)
    }

    /// The data point at a pixel position (the inverse of ``pixel(_:_:)``).
    public func data(atPixel p: (Double, Double)) -> (Double, Double) {
        let fx = (p.0 - left) / width, fy = (top + height - p.1) / height
        let x = xRange.lowerBound + fx * (xRange.upperBound - xRange.lowerBound)
        let y = logY ? Foundation.pow(10, Foundation.log10(yRange.lowerBound) + fy * (Foundation.log10(yRange.upperBound) - Foundation.log10(yRange.lowerBound)))
                     : yRange.lowerBound + fy * (yRange.upperBound - yRange.lowerBound)
        return (x, y)
    }

    /// Draws the frame, ticks with labels, axis titles and a panel title.
    public func drawAxes(on svg: inout SVGDocument, xLabel: String, yLabel: String, title: String? = nil) {
        svg.rect(x: left, y: top, width: width, height: height, fill: "none", stroke: "#444444",
                 extra: [("class", "frame")])
        for t in niceTicks(xRange) {
            let (px, _) = pixel(t, yRange.lowerBound)
            svg.line(from: (px, top + height), to: (px, top + height + 5), stroke: "#444444")
            svg.text(tickLabel(t), at: (px, top + height + 18), anchor: "middle", size: 11)
        }
        let yTicks = logY ? logTicks(yRange) : niceTicks(yRange)
        for t in yTicks {
            let (_, py) = pixel(xRange.lowerBound, t)
            svg.line(from: (left - 5, py), to: (left, py), stroke: "#444444")
            svg.line(from: (left, py), to: (left + width, py), stroke: "#eeeeee", width: 0.5)
            svg.text(tickLabel(t), at: (left - 8, py + 4), anchor: "end", size: 11)
        }
        svg.text(xLabel, at: (left + width / 2, top + height + 38), anchor: "middle", size: 13)
        svg.text(yLabel, at: (left - 48, top + height / 2), anchor: "middle", size: 13, rotation: -90)
        if let title { svg.text(title, at: (left + width / 2, top - 12), anchor: "middle", size: 14, weight: "bold") }
    }

    /// A legend in the top-right (or bottom-right) corner of the frame: a swatch (line,
    /// dot or filled square) and a label per entry.
    public func drawLegend(on svg: inout SVGDocument, _ entries: [LegendEntry], atBottom: Bool = false) {
        guard !entries.isEmpty else { return }
        let rowHeight = 18.0
        let boxWidth = 34 + Double(entries.map(\.label.count).max() ?? 0) * 6.6
        let boxHeight = Double(entries.count) * rowHeight + 8
        let x = left + width - boxWidth - 8, y = atBottom ? top + height - boxHeight - 8 : top + 8
        svg.rect(x: x, y: y, width: boxWidth, height: boxHeight, fill: "#ffffff",
                 stroke: "#999999", extra: [("fill-opacity", "0.9"), ("class", "legend")])
        for (k, e) in entries.enumerated() {
            let cy = y + 4 + rowHeight * (Double(k) + 0.5)
            switch e.kind {
            case .line: svg.line(from: (x + 6, cy), to: (x + 26, cy), stroke: e.color, width: 2.5)
            case .dot: svg.circle(at: (x + 16, cy), radius: 4, fill: e.color, stroke: "#333333")
            case .fill: svg.rect(x: x + 9, y: cy - 6, width: 14, height: 12, fill: e.color, stroke: "#666666")
            }
            svg.text(e.label, at: (x + 32, cy + 4), size: 11)
        }
    }
}

/// One legend row.
public struct LegendEntry: Sendable {
    /// How the swatch is drawn.
    public enum Kind: Sendable {
        /// A short line.
        case line
        /// A marker.
        case dot
        /// A filled square.
        case fill
    }
    /// The label text.
    public var label: String
    /// The swatch colour.
    public var color: String
    /// The swatch kind.
    public var kind: Kind

    /// Creates an entry.
    public init(_ label: String, color: String, kind: Kind = .line) {
        self.label = label
        self.color = color
        self.kind = kind
    }
}

/// About five "nice" tick positions (1, 2 or 5 × 10^k apart) inside `range`.
public func niceTicks(_ range: ClosedRange<Double>, count: Int = 5) -> [Double] {
    let span = range.upperBound - range.lowerBound
    guard span > 0, span.isFinite else { return [range.lowerBound] }
    let raw = span / Double(count)
    let magnitude = Foundation.pow(10, Foundation.floor(Foundation.log10(raw)))
    let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? 10 * magnitude
    var ticks: [Double] = []
    var t = Foundation.ceil(range.lowerBound / step) * step
    while t <= range.upperBound + step * 1e-9 {
        ticks.append(Swift.abs(t) < step * 1e-9 ? 0 : t)
        t += step
    }
    return ticks
}

/// The powers of ten inside a positive range (at least the two ends when none is).
public func logTicks(_ range: ClosedRange<Double>) -> [Double] {
    let low = Int(Foundation.ceil(Foundation.log10(range.lowerBound) - 1e-9))
    let high = Int(Foundation.floor(Foundation.log10(range.upperBound) + 1e-9))
    guard low <= high else { return [range.lowerBound, range.upperBound] }
    let stride = Swift.max(1, (high - low + 1) / 7 + 1)
    return Swift.stride(from: low, through: high, by: stride).map { Foundation.pow(10, Double($0)) }
}

/// A short tick label ("0", "0.5", "200", "1e-05").
func tickLabel(_ t: Double) -> String { t == 0 ? "0" : String(format: "%g", t) }
