import Foundation

extension LinearRegression {
    /// The `regression-2d` example exactly as its walkthrough builds it: 12 points and
    /// the start from `SplitMix64(seed: 2026)`, a good α (0.4 of 2/λ_max) and a
    /// too-big α (1.2 of it), both rounded to three decimals.
    static func lectureExample() -> (data: LinearRegression, start: (Double, Double), goodAlpha: Double, bigAlpha: Double) {
        var rng = SplitMix64(seed: 2026)
        let data = LinearRegression(count: 12, rng: &rng)
        let start = (rng.nextDouble(in: -0.1...0.1), rng.nextDouble(in: -0.1...0.1))
        let critical = 2 / data.bowl.lambdaMax
        return (data, start, (0.4 * critical * 1000).rounded() / 1000, (1.2 * critical * 1000).rounded() / 1000)
    }
}

/// The cost landscape of the `regression-2d` example: contour lines of
/// E(w1, w2) = Σ_i (w1·x1_i + w2·x2_i − y_i)² with gradient-descent paths on top,
/// one panel per learning rate.
public struct LandscapePlot: Sendable {
    /// One panel: its frame, learning rate and the engine's iterates w(0), w(1), ….
    public struct Panel: Sendable {
        /// Where the panel's data coordinates land in pixels.
        public var frame: PlotFrame
        /// The learning rate α.
        public var alpha: Double
        /// The iterates of gradient descent, in data coordinates.
        public var path: [(Double, Double)]
        /// E at each iterate.
        public var costs: [Double]
    }

    /// The drawing.
    public var svg: SVGDocument
    /// The panels, left to right: the good α, then the too-big α.
    public var panels: [Panel]
    /// The contour levels drawn, increasing.
    public var levels: [Double]
    /// The minimiser w*.
    public var minimum: (Double, Double)

    /// Draws the example: a good α (gradient descent to the tolerance stop) and a too-big
    /// α (`bigSteps` steps, zig-zagging outwards; the path is clipped at the frame).
    public init(levelCount: Int = 12, bigSteps: Int = 10) {
        let (data, start, goodAlpha, bigAlpha) = LinearRegression.lectureExample()
        let bowl = data.bowl
        let good = data.descend(from: start, alpha: goodAlpha, tolerance: 1e-10, maxSteps: 20000)
        let big = data.descend(from: start, alpha: bigAlpha, tolerance: 1e-10, maxSteps: bigSteps)
        minimum = bowl.minimum
        // A square window around w*, large enough for the start and the good path.
        let reach = ([start] + good.path).map { Swift.max(Swift.abs($0.0 - bowl.minimum.0), Swift.abs($0.1 - bowl.minimum.1)) }.max()!
        let half = (reach * 1.3 * 2).rounded(.up) / 2
        let xRange = (bowl.minimum.0 - half)...(bowl.minimum.0 + half), yRange = (bowl.minimum.1 - half)...(bowl.minimum.1 + half)
        let grid = ContourGrid(x: xRange, y: yRange, columns: 81, rows: 81) { data.cost(at: ($0, $1)) }
        let bottom = data.cost(at: bowl.minimum), top = grid.values.joined().max()!
        levels = (1...levelCount).map { k in bottom + (top - bottom) * Foundation.pow(Double(k) / Double(levelCount + 1), 2) }

        let side = 400.0, margin = (left: 80.0, top: 56.0, gap: 100.0)
        var svg = SVGDocument(width: margin.left + 2 * side + margin.gap + 30, height: margin.top + side + 90)
        svg.text("Cost landscape E(w1, w2) of the regression-2d example, with gradient descent",
                 at: (svg.width / 2, 22), anchor: "middle", size: 15, weight: "bold")
        var panels: [Panel] = []
        for (k, (alpha, run, caption)) in [(goodAlpha, good, "good"), (bigAlpha, big, "too big: diverges")].enumerated() {
            let frame = PlotFrame(left: margin.left + Double(k) * (side + margin.gap), top: margin.top, width: side, height: side,
                                  xRange: xRange, yRange: yRange)
            let clip = svg.clipRect(x: frame.left, y: frame.top, width: frame.width, height: frame.height)
            svg.beginGroup([("clip-path", clip)])
            for (n, level) in levels.enumerated() {
                let t = Double(n) / Double(Swift.max(levelCount - 1, 1))
                svg.segments(grid.segments(at: level).map { (frame.pixel($0.0.0, $0.0.1), frame.pixel($0.1.0, $0.1.1)) },
                             stroke: ramp(t), width: 1, extra: [("class", "contour"), ("data-level", String(format: "%.6g", level))])
            }
            let pixels = run.path.map { frame.pixel($0.0, $0.1) }
            let color = k == 0 ? "#d55e00" : "#cc0033"
            svg.polyline(pixels, stroke: color, width: 2,
                         extra: [("class", "gd-path"), ("data-alpha", "\(alpha)")])
            for p in pixels.prefix(60) { svg.circle(at: p, radius: 2.5, fill: color, extra: [("class", "gd-iterate")]) }
            svg.endGroup()
            let star = frame.pixel(bowl.minimum.0, bowl.minimum.1)
            svg.text("★", at: (star.0, star.1 + 5), anchor: "middle", size: 16, fill: "#000000")
            svg.circle(at: frame.pixel(start.0, start.1), radius: 5, fill: "#ffffff", stroke: color, extra: [("stroke-width", "2")])
            let steps = run.path.count - 1
            let title = "α = \(alpha) (\(caption)), \(steps) steps" + (k == 0 ? "" : String(format: ", E = %.3g", run.costs.last!))
            frame.drawAxes(on: &svg, xLabel: "w1", yLabel: "w2", title: title)
            frame.drawLegend(on: &svg, [LegendEntry("GD iterates", color: color), LegendEntry("contours of E", color: ramp(0.5)),
                                        LegendEntry("start w(0)", color: "#ffffff", kind: .dot)],
                             atBottom: true)
            panels.append(Panel(frame: frame, alpha: alpha, path: run.path, costs: run.costs))
        }
        let critical = 2 / bowl.lambdaMax
        svg.text(String(format: "★ = minimum w* = (%.3f, %.3f).  A step decreases E for every start only if α < 2/λ_max = %.4f.", bowl.minimum.0, bowl.minimum.1, critical),
                 at: (svg.width / 2, svg.height - 16), anchor: "middle", size: 12)
        self.svg = svg
        self.panels = panels
    }
}

/// A blue ramp from dark (t = 0) to light (t = 1).
func ramp(_ t: Double) -> String {
    let a = (8.0, 48.0, 107.0), b = (158.0, 202.0, 225.0)
    let c = (a.0 + (b.0 - a.0) * t, a.1 + (b.1 - a.1) * t, a.2 + (b.2 - a.2) * t)
    return String(format: "#%02x%02x%02x", Int(c.0.rounded()), Int(c.1.rounded()), Int(c.2.rounded()))
}
