import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// One parsed XML element: its name and attributes, in document order.
struct ParsedElement {
    var name: String
    var attributes: [String: String]
}

/// Parses `text` as XML with Foundation's `XMLParser` and returns every element in
/// document order, or nil (with the parser's error) when it is not well-formed.
func parseXML(_ text: String) -> (elements: [ParsedElement]?, error: String?) {
    final class Collector: NSObject, XMLParserDelegate {
        var elements: [ParsedElement] = []
        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                    attributes: [String: String] = [:]) {
            elements.append(ParsedElement(name: name, attributes: attributes))
        }
    }
    let parser = XMLParser(data: Data(text.utf8))
    let collector = Collector()
    parser.delegate = collector
    guard parser.parse() else { return (nil, parser.parserError.map { "\($0)" } ?? "unknown error") }
    return (collector.elements, nil)
}

/// The points of a polyline's `points` attribute.
func polylinePoints(_ attribute: String) -> [(Double, Double)] {
    attribute.split(separator: " ").map { pair in
        let xy = pair.split(separator: ",").map { Double($0)! }
        return (xy[0], xy[1])
    }
}

/// The vertices of a path made of `M x y L x y` segments.
func pathVertices(_ d: String) -> [(Double, Double)] {
    let numbers = d.split(whereSeparator: { "ML ".contains($0) }).map { Double($0)! }
    return stride(from: 0, to: numbers.count - 1, by: 2).map { (numbers[$0], numbers[$0 + 1]) }
}
