import CBackpropKernels
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension Tensor {
    /// The tensor as text: its element type and shape, then its values in nested
    /// brackets, laid out as NumPy prints an array (`print(t)` uses the defaults).
    ///
    /// Tensors of more than `threshold` elements are summarised: along every axis longer
    /// than `2·edgeItems`, only the first and last `edgeItems` entries are shown, with
    /// `...` between them. Every shown element has the same number of fractional digits —
    /// the most that any of them needs to read back exactly, at most `precision` (a value
    /// needing more is rounded), others padded with zeros — and the same width, so columns
    /// line up. Scientific notation is used when the largest magnitude is at least 10⁸,
    /// the smallest nonzero one is below 10⁻⁴, or their ratio exceeds 1000 (NumPy's rule).
    /// Rows wrap after `lineWidth` columns of values (counted from the first bracket);
    /// NaN and infinities print as `nan`, `inf`, `-inf`.
    ///
    /// ```
    /// summarised  ⇔  count > threshold
    /// digits      = max over shown x of min{k ≤ precision : round(x, k) reads back as x}
    /// ```
    ///
    /// ```swift
    /// let t = Tensor<Double>([[1, 2.5], [-3, 4]])
    /// print(t.formatted())                   // Tensor<Double>([2, 2]) [[ 1.0,  2.5],
    ///                                        //                         [-3.0,  4.0]]
    /// let all = Tensor<Float>.zeros(shape: [2000]).formatted(threshold: .max)   // every element
    /// ```
    /// Reading the values of a traced tensor while a `TensorProgram` is traced is an
    /// error, as for `scalars`.
    public func formatted(threshold: Int = 1000, edgeItems: Int = 3, precision: Int = 8, lineWidth: Int = 75) -> String {
        if bp_tracer() != nil { noteValueRead("formatted") }
        return TensorLayout(shape: shape, values: storage.array, summarizing: count > threshold,
                            edgeItems: Swift.max(1, edgeItems), precision: Swift.min(Swift.max(1, precision), 17),
                            lineWidth: lineWidth).text
    }
}

/// How a tensor is laid out as text (see `Tensor.formatted`).
struct TensorLayout<Scalar: TensorScalar> {
    let shape: [Int]
    let values: [Scalar]
    let summarizing: Bool
    let edgeItems: Int
    let precision: Int
    let lineWidth: Int

    /// The element type and the shape, before the values.
    var header: String { "Tensor<\(Scalar.self)>(\(shape)) " }

    /// The header and the nested brackets.
    var text: String {
        let header = self.header
        if values.isEmpty { return header + "[]" }
        if shape.isEmpty { return header + ElementFormat.strings(values, precision: precision)[0] }
        // First the shown elements, in order, to choose their format; then the layout.
        var shown: [Scalar] = []
        _ = block(axis: 0, offset: 0, indent: 0, margin: 0) { shown.append(values[$0]); return "" }
        let strings = ElementFormat.strings(shown, precision: precision)
        var next = 0
        return header + block(axis: 0, offset: 0, indent: 0, margin: header.count) { _ in
            defer { next += 1 }
            return strings[next]
        }
    }

    /// The entries shown along `axis`: all of them, or the edges with nil for `...`.
    func entries(_ axis: Int) -> [Int?] {
        let n = shape[axis]
        guard summarizing && n > 2 * edgeItems else { return Array(0..<n) }
        return Array(0..<edgeItems) + [nil] + Array((n - edgeItems)..<n)
    }

    /// The bracketed block of the sub-tensor starting at `offset`, its `[` at column
    /// `indent` of the values (which start after `margin` columns of header). Rows wrap
    /// at `lineWidth` columns of values.
    func block(axis: Int, offset: Int, indent: Int, margin: Int, _ element: (Int) -> String) -> String {
        let stride = shape[(axis + 1)...].reduce(1, *)
        let pad = String(repeating: " ", count: margin + indent + 1)
        if axis == shape.count - 1 {
            let parts = entries(axis).map { $0.map { element(offset + $0) } ?? "..." }
            var out = "["
            var column = indent + 1
            for (i, part) in parts.enumerated() {
                let piece = i < parts.count - 1 ? part + "," : part
                if i > 0 {
                    if column + 1 + piece.count > lineWidth {
                        out += "\n" + pad
                        column = indent + 1
                    } else {
                        out += " "
                        column += 1
                    }
                }
                out += piece
                column += piece.count
            }
            return out + "]"
        }
        let children = entries(axis).map { index in
            index.map { block(axis: axis + 1, offset: offset + $0 * stride, indent: indent + 1, margin: margin, element) } ?? "..."
        }
        let separator = ",\n" + String(repeating: "\n", count: shape.count - axis - 2) + pad
        return "[" + children.joined(separator: separator) + "]"
    }
}

/// The shown elements as text in one number format: positional or scientific, a
/// common number of fractional digits, right-aligned to a common width.
enum ElementFormat<Scalar: TensorScalar> {
    /// Each of `shown` formatted (see `Tensor.formatted` for the rules).
    ///
    /// ```
    /// scientific ⇔ max|x| ≥ 10⁸ ∨ min|x| < 10⁻⁴ ∨ max|x| / min|x| > 1000   (finite x ≠ 0)
    /// ```
    static func strings(_ shown: [Scalar], precision: Int) -> [String] {
        let magnitudes = shown.filter { $0.isFinite && $0 != 0 }.map { Swift.abs(Double($0)) }
        var scientific = false
        if let largest = magnitudes.max(), let smallest = magnitudes.min() {
            scientific = largest >= 1e8 || smallest < 1e-4 || largest / smallest > 1000
        }
        let parts = shown.map { $0.isFinite ? shortest($0, scientific: scientific, precision: precision) : nil }
        let digits = Swift.max(1, parts.map { $0?.digits ?? 0 }.max() ?? 0)
        let texts = zip(shown, parts).map { x, part -> String in
            guard let part else { return x.isNaN ? "nan" : x < 0 ? "-inf" : "inf" }
            // The shortest exact digits padded with zeros: more digits from the C library
            // would show the binary value's tail (0.3 as a Float is 0.30000001…).
            let padding = (part.digits == 0 ? "." : "") + String(repeating: "0", count: digits - part.digits)
            guard let e = part.text.firstIndex(of: "e") else { return part.text + padding }
            return String(part.text[..<e]) + padding + String(part.text[e...])
        }
        let width = texts.map(\.count).max() ?? 0
        return texts.map { String(repeating: " ", count: width - $0.count) + $0 }
    }

    /// `x` with the fewest fractional digits (at most `precision`) with which it reads back
    /// exactly, or rounded to `precision` digits without trailing zeros.
    static func shortest(_ x: Scalar, scientific: Bool, precision: Int) -> (text: String, digits: Int) {
        if !scientific {
            // Fast path: Swift's own shortest round-trip digits, when it writes them positionally.
            let text = x.description
            if !text.contains("e"), let point = text.firstIndex(of: ".") {
                let fraction = text[text.index(after: point)...]
                if fraction.count <= precision {
                    let kept = fraction.reversed().drop { $0 == "0" }.count
                    return (String(text[...point].dropLast(kept == 0 ? 1 : 0)) + fraction.prefix(kept), kept)
                }
            }
        }
        for k in 0..<precision {
            let text = printed(x, digits: k, scientific: scientific)
            if let back = Double(text), Scalar(back) == x { return (text, k) }
        }
        // Rounded: drop the zeros the rounding left at the end of the fraction.
        var text = printed(x, digits: precision, scientific: scientific)
        let exponent = text.firstIndex(of: "e").map { String(text[$0...]) } ?? ""
        var mantissa = String(text.dropLast(exponent.count))
        var k = precision
        while k > 0 && mantissa.last == "0" { mantissa.removeLast(); k -= 1 }
        if k == 0 && mantissa.last == "." { mantissa.removeLast() }
        text = mantissa + exponent
        return (text, k)
    }

    /// `x` rounded to `digits` fractional digits by the C library (`%.*f` or `%.*e`).
    static func printed(_ x: Scalar, digits: Int, scientific: Bool) -> String {
        var buffer = [CChar](repeating: 0, count: 80)
        let format = scientific ? "%.*e" : "%.*f"
        _ = buffer.withUnsafeMutableBufferPointer { b in
            withVaList([Int32(digits), Double(x)]) { vsnprintf(b.baseAddress, 80, format, $0) }
        }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
