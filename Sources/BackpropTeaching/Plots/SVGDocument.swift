import Foundation

/// A minimal SVG writer: elements are appended as text to one `<svg>` document, with
/// every attribute value escaped and every number written with at most two decimals.
///
/// ```
/// var svg = SVGDocument(width: 640, height: 480)
/// svg.line(from: (0, 0), to: (10, 10), stroke: "#000")
/// let text = svg.rendered()   // "<?xml …?><svg …>…</svg>"
/// ```
public struct SVGDocument: Sendable {
    /// Width and height in pixels.
    public var width: Double, height: Double
    /// The elements written so far, one per line.
    public private(set) var elements: [String] = []
    /// Definitions (`<clipPath>`, …) written into `<defs>`.
    private var definitions: [String] = []
    private var nextID = 0

    /// An empty document of the given size, white background.
    public init(width: Double, height: Double) {
        self.width = width
        self.height = height
        rect(x: 0, y: 0, width: width, height: height, fill: "#ffffff")
    }

    /// Appends one element `<name attributes…>content</name>` (self-closing when
    /// `content` is nil). Attribute values and text content are XML-escaped.
    public mutating func element(_ name: String, _ attributes: [(String, String)], content: String? = nil) {
        elements.append(SVGDocument.markup(name, attributes, content: content))
    }

    /// Opens a group (`<g>`) with the given attributes; close it with ``endGroup()``.
    public mutating func beginGroup(_ attributes: [(String, String)] = []) {
        elements.append("<g" + attributes.map { " \($0.0)=\"\(xmlEscaped($0.1))\"" }.joined() + ">")
    }

    /// Closes the innermost group.
    public mutating func endGroup() { elements.append("</g>") }

    /// Registers a rectangular clip path and returns its `url(#…)` reference.
    public mutating func clipRect(x: Double, y: Double, width: Double, height: Double) -> String {
        nextID += 1
        let id = "clip\(nextID)"
        definitions.append("<clipPath id=\"\(id)\">" + SVGDocument.markup("rect", [("x", svgNumber(x)), ("y", svgNumber(y)),
            ("width", svgNumber(width)), ("height", svgNumber(height))]) + "</clipPath>")
        return "url(#\(id))"
    }

    /// A straight line.
    public mutating func line(from a: (Double, Double), to b: (Double, Double), stroke: String,
                              width: Double = 1, dash: String? = nil) {
        var attributes = [("x1", svgNumber(a.0)), ("y1", svgNumber(a.1)), ("x2", svgNumber(b.0)), ("y2", svgNumber(b.1)),
                          ("stroke", stroke), ("stroke-width", svgNumber(width))]
        if let dash { attributes.append(("stroke-dasharray", dash)) }
        element("line", attributes)
    }

    /// A polyline through `points` (pixel coordinates), unfilled.
    public mutating func polyline(_ points: [(Double, Double)], stroke: String, width: Double = 1.5,
                                  extra: [(String, String)] = []) {
        element("polyline", [("points", points.map { "\(svgNumber($0.0)),\(svgNumber($0.1))" }.joined(separator: " ")),
                             ("fill", "none"), ("stroke", stroke), ("stroke-width", svgNumber(width)),
                             ("stroke-linejoin", "round")] + extra)
    }

    /// A path from line segments: `M a L b` for each segment (contour lines).
    public mutating func segments(_ segments: [((Double, Double), (Double, Double))], stroke: String,
                                  width: Double = 1, extra: [(String, String)] = []) {
        let d = segments.map { "M\(svgNumber($0.0.0)) \(svgNumber($0.0.1))L\(svgNumber($0.1.0)) \(svgNumber($0.1.1))" }.joined()
        element("path", [("d", d), ("fill", "none"), ("stroke", stroke), ("stroke-width", svgNumber(width))] + extra)
    }

    /// A rectangle.
    public mutating func rect(x: Double, y: Double, width: Double, height: Double, fill: String,
                              stroke: String? = nil, extra: [(String, String)] = []) {
        var attributes = [("x", svgNumber(x)), ("y", svgNumber(y)), ("width", svgNumber(width)),
                          ("height", svgNumber(height)), ("fill", fill)]
        if let stroke { attributes.append(("stroke", stroke)) }
        element("rect", attributes + extra)
    }

    /// A circle.
    public mutating func circle(at c: (Double, Double), radius: Double, fill: String, stroke: String? = nil,
                                extra: [(String, String)] = []) {
        var attributes = [("cx", svgNumber(c.0)), ("cy", svgNumber(c.1)), ("r", svgNumber(radius)), ("fill", fill)]
        if let stroke { attributes.append(("stroke", stroke)) }
        element("circle", attributes + extra)
    }

    /// A text label; `anchor` is `start`, `middle` or `end`; `rotation` in degrees about the anchor point.
    public mutating func text(_ string: String, at p: (Double, Double), anchor: String = "start", size: Double = 12,
                              weight: String? = nil, fill: String = "#222222", rotation: Double? = nil) {
        var attributes = [("x", svgNumber(p.0)), ("y", svgNumber(p.1)), ("font-size", svgNumber(size)),
                          ("text-anchor", anchor), ("fill", fill)]
        if let weight { attributes.append(("font-weight", weight)) }
        if let rotation { attributes.append(("transform", "rotate(\(svgNumber(rotation)) \(svgNumber(p.0)) \(svgNumber(p.1)))")) }
        element("text", attributes, content: string)
    }

    /// The document as SVG text (standalone, with XML declaration unless `embedded`).
    public func rendered(embedded: Bool = false) -> String {
        var out = embedded ? "" : "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        out += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(svgNumber(width))\" height=\"\(svgNumber(height))\" "
            + "viewBox=\"0 0 \(svgNumber(width)) \(svgNumber(height))\" font-family=\"Helvetica, Arial, sans-serif\">\n"
        if !definitions.isEmpty { out += "<defs>" + definitions.joined() + "</defs>\n" }
        out += elements.joined(separator: "\n")
        return out + "\n</svg>\n"
    }

    static func markup(_ name: String, _ attributes: [(String, String)], content: String? = nil) -> String {
        let head = "<\(name)" + attributes.map { " \($0.0)=\"\(xmlEscaped($0.1))\"" }.joined()
        guard let content else { return head + "/>" }
        return head + ">" + xmlEscaped(content) + "</\(name)>"
    }
}

/// `x` with at most two decimals and no trailing zeros ("12", "3.5", "-0.25").
public func svgNumber(_ x: Double) -> String {
    guard x.isFinite else { return "0" }
    var s = String(format: "%.2f", x)
    while s.hasSuffix("0") { s.removeLast() }
    if s.hasSuffix(".") { s.removeLast() }
    return s == "-0" ? "0" : s
}

/// `s` with the five XML special characters escaped.
public func xmlEscaped(_ s: String) -> String {
    var out = ""
    out.reserveCapacity(s.count)
    for c in s {
        switch c {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += "&apos;"
        default: out.append(c)
        }
    }
    return out
}
