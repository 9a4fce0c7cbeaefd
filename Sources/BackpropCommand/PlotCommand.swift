import BackpropTeaching
import Foundation

/// `backprop plot loss|landscape|boundary-xor|boundary-moons [--output FILE.svg] [--linear]`:
/// writes one self-contained SVG plot made by the package itself.
enum PlotCommand {
    static let usage = """
        usage: backprop plot loss|landscape|boundary-xor|boundary-moons [--output FILE.svg] [--linear]
          loss            loss per epoch of the XOR and two-moons training runs
                          (log scale; --linear for linear)
          landscape       the regression-2d cost bowl E(w1, w2): contours and gradient-descent paths,
                          a good α and one too big
          boundary-xor    decision regions of an MLP trained on XOR, with the four points
          boundary-moons  decision regions of an MLP trained on two moons, with the data
          --output FILE   where to write (default: KIND.svg in the current directory)
        """

    static func run(_ arguments: [String], console: Console) throws {
        var rest = arguments
        var output: String?
        var linear = false
        while let i = rest.firstIndex(where: { $0.hasPrefix("-") }) {
            switch rest[i] {
            case "--output", "-o":
                guard i + 1 < rest.count else { throw CommandFailure(message: "--output needs a file name") }
                output = rest[i + 1]
                rest.removeSubrange(i...(i + 1))
            case "--linear":
                linear = true
                rest.remove(at: i)
            default:
                throw CommandFailure(message: "unknown option '\(echoed(rest[i]))'")
            }
        }
        guard rest.count == 1, let kind = rest.first else {
            throw CommandFailure(message: rest.isEmpty ? "plot needs a kind" : "unexpected argument '\(echoed(rest[1]))'")
        }
        let svg: SVGDocument
        switch kind {
        case "loss": svg = PlotExamples.loss(logScale: !linear).svg
        case "landscape": svg = LandscapePlot().svg
        case "boundary-xor": svg = PlotExamples.boundary(PlotExamples.xor()).svg
        case "boundary-moons": svg = PlotExamples.boundary(PlotExamples.moons()).svg
        default: throw CommandFailure(message: "unknown plot '\(echoed(kind))'")
        }
        let path = output ?? "\(kind).svg"
        do {
            try svg.rendered().write(toFile: path, atomically: true, encoding: .utf8)
        } catch {
            throw CommandFailure(message: "could not write \(echoed(path)): \(error.localizedDescription)")
        }
        console.print("wrote \(echoed(path))")
    }
}
