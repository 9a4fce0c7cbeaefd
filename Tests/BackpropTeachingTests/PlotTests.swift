import Backprop
import BackpropNN
@testable import BackpropTeaching
import Foundation
import Testing

@Suite("SVG plots")
struct PlotTests {
    @Test("marching squares: the contour x² + y² = 1 lies on the unit circle")
    func marchingSquares() {
        let grid = ContourGrid(x: -2...2, y: -2...2, columns: 41, rows: 41) { $0 * $0 + $1 * $1 }
        let segments = grid.segments(at: 1)
        #expect(segments.count > 30)
        for (a, b) in segments {
            for p in [a, b] { #expect(Swift.abs((p.0 * p.0 + p.1 * p.1).squareRoot() - 1) < 0.01) }
        }
        #expect(grid.segments(at: 100).isEmpty)
    }

    @Test("ticks are round numbers inside the range; numbers and text are escaped")
    func ticksAndEscaping() {
        #expect(niceTicks(0...10) == [0, 2, 4, 6, 8, 10])
        #expect(niceTicks(-0.3...0.3) == [-0.2, 0, 0.2])
        #expect(niceTicks(0...1).count == 6)
        #expect(logTicks(0.001...10) == [0.001, 0.01, 0.1, 1, 10])
        #expect(svgNumber(1.005) == "1" || svgNumber(1.005) == "1.01")
        #expect(svgNumber(-0.001) == "0" && svgNumber(2.50) == "2.5")
        #expect(xmlEscaped("a<b & \"c\"") == "a&lt;b &amp; &quot;c&quot;")
    }

    @Test("loss plot: well-formed, one polyline per run, points at (epoch, loss)")
    func lossPlot() throws {
        let losses = [4.0, 2, 1, 0.5, 0.25, 0.2], other = [3.0, 3, 1, .nan, 0.1]
        for logScale in [true, false] {
            let (svg, frame) = BackpropTeaching.lossPlot([LossSeries("a", losses: losses), LossSeries("b <&>", losses: other)],
                                                         logScale: logScale)
            let parsed = parseXML(svg.rendered())
            let elements = try #require(parsed.elements, "not well-formed: \(parsed.error ?? "")")
            let lines = elements.filter { $0.attributes["class"] == "loss-series" }
            #expect(lines.count == 2)
            #expect(lines.map { $0.attributes["data-label"] } == ["a", "b <&>"])
            let points = polylinePoints(lines[0].attributes["points"]!)
            #expect(points.count == losses.count)
            for (k, (p, loss)) in zip(points, losses).enumerated() {
                let expected = frame.pixel(Double(k + 1), loss)
                #expect(Swift.abs(p.0 - expected.0) < 0.006 && Swift.abs(p.1 - expected.1) < 0.006)
            }
            #expect(polylinePoints(lines[1].attributes["points"]!).count == 4)   // the NaN is left out
        }
    }

    @Test("landscape: the GD paths are the engine's iterates in pixels; contour levels increase and lie on E = level")
    func landscape() throws {
        let plot = LandscapePlot()
        let parsed = parseXML(plot.svg.rendered())
        let elements = try #require(parsed.elements, "not well-formed: \(parsed.error ?? "")")
        // The same example as the walkthrough.
        let (data, start, goodAlpha, bigAlpha) = LinearRegression.lectureExample()
        let json = Walkthrough.regression2D().json.encoded()
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let parameters = try #require(object["parameters"] as? [String: Any])
        #expect(parameters["goodAlpha"] as? Double == goodAlpha && parameters["bigAlpha"] as? Double == bigAlpha)
        let printed = try #require(parameters["start"] as? [Double])   // JSON text: equal to the last digit or so
        #expect(Swift.abs(printed[0] - start.0) < 1e-15 && Swift.abs(printed[1] - start.1) < 1e-15)

        let paths = elements.filter { $0.attributes["class"] == "gd-path" }
        #expect(paths.count == 2 && plot.panels.count == 2)
        let runs = [data.descend(from: start, alpha: goodAlpha, tolerance: 1e-10, maxSteps: 20000),
                    data.descend(from: start, alpha: bigAlpha, tolerance: 1e-10, maxSteps: 10)]
        #expect(runs[0].stopped && runs[0].costs.last! < runs[0].costs.first!)
        #expect(runs[1].costs.last! > runs[1].costs.first!)
        for (k, (path, run)) in zip(paths, runs).enumerated() {
            #expect(path.attributes["data-alpha"] == "\([goodAlpha, bigAlpha][k])")
            let points = polylinePoints(path.attributes["points"]!)
            #expect(points.count == run.path.count)
            for (p, w) in zip(points, run.path) {
                let expected = plot.panels[k].frame.pixel(w.0, w.1)
                #expect(Swift.abs(p.0 - expected.0) < 0.006 && Swift.abs(p.1 - expected.1) < 0.006)
            }
        }
        let contours = elements.filter { $0.attributes["class"] == "contour" }
        #expect(contours.count == 2 * plot.levels.count)
        let levels = contours.prefix(plot.levels.count).map { Double($0.attributes["data-level"]!)! }
        #expect(zip(levels, levels.dropFirst()).allSatisfy { $0 < $1 })
        let spread = plot.levels.last! - plot.levels.first!
        for (contour, level) in zip(contours.prefix(plot.levels.count), plot.levels) {
            let vertices = pathVertices(contour.attributes["d"]!)
            #expect(!vertices.isEmpty)
            for v in vertices.prefix(40) {
                let w = plot.panels[0].frame.data(atPixel: v)
                #expect(Swift.abs(data.cost(at: w) - level) < 0.01 * spread)
            }
        }
    }

    @Test("decision boundary: every region's colour is the model's prediction at sampled cell centres", arguments: ["xor", "moons"])
    func boundary(_ name: String) throws {
        let trained = name == "xor" ? PlotExamples.xor() : PlotExamples.moons()
        #expect(accuracy(of: trained.model, on: trained.data) >= (name == "xor" ? 1 : 0.95))
        let plot = PlotExamples.boundary(trained)
        let parsed = parseXML(plot.svg.rendered())
        let elements = try #require(parsed.elements, "not well-formed: \(parsed.error ?? "")")
        let regions = elements.filter { $0.attributes["class"] == "region" }.map { e -> (x: Double, y: Double, w: Double, h: Double, c: Int, fill: String) in
            (Double(e.attributes["x"]!)!, Double(e.attributes["y"]!)!, Double(e.attributes["width"]!)!,
             Double(e.attributes["height"]!)!, Int(e.attributes["data-class"]!)!, e.attributes["fill"]!)
        }
        #expect(Set(regions.map(\.c)) == [0, 1])
        #expect(elements.filter { $0.attributes["class"] == "datum" }.count == trained.data.count)
        #expect(elements.filter { $0.attributes["class"] == "boundary" }.count == 1)
        let f = plot.frame
        let cw = f.width / Double(plot.columns), ch = f.height / Double(plot.rows)
        var checked = 0
        for r in stride(from: 0, to: plot.rows, by: 7) {
            for c in stride(from: 3, to: plot.columns, by: 9) {
                let centre = (f.left + (Double(c) + 0.5) * cw, f.top + (Double(r) + 0.5) * ch)
                let region = try #require(regions.first { centre.0 > $0.x && centre.0 < $0.x + $0.w && centre.1 > $0.y && centre.1 < $0.y + $0.h })
                let point = f.data(atPixel: centre)
                let predicted = predictedClass(classScores(of: trained.model, at: [point])[0])
                #expect(region.c == predicted && region.fill == DecisionBoundaryPlot.regionColors[predicted])
                checked += 1
            }
        }
        #expect(checked > 150)
        // The data points sit in the region of their class wherever the model is right.
        let xs = (0..<trained.data.count).map { (trained.data.features[2 * $0], trained.data.features[2 * $0 + 1]) }
        let predictions = classScores(of: trained.model, at: xs).map(predictedClass)
        #expect(zip(predictions, trained.data.labels).filter { $0 == $1 }.count >= Int(0.95 * Double(xs.count)))
    }
}
