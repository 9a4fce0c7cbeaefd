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
    /// the fewest (at most `precision`) that print each of them exactly as it reads back,
    /// padded with zeros — and the same width, so columns line up. Scientific notation is
    /// used when the largest magnitude is at least 10⁸, the smallest nonzero one is below
    /// 10⁻⁴, or their ratio exceeds 1000 (NumPy's rule). Rows wrap at `lineWidth`
    /// columns; NaN and infinities print as `nan`, `inf`, `-inf`.
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
                            edgeItems: Swift.max(1, edgeItems), precision: Swift.min(Swift.max(0, precision), 17),
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
        if shape.isEmpty { return header + ElementFormat(values, precision: precision).string(values[0]) }
        var shown: [Scalar] = []
        _ = block(axis: 0, offset: 0, indent: 0, margin: 0) { shown.append(values[$0]); return "" }
        let format = ElementFormat(shown, precision: precision)
        return header + block(axis: 0, offset: 0, indent: 0, margin: header.count) { format.string(values[$0]) }
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

/// One number format for all the shown elements: positional or scientific, a common
/// number of fractional digits, and a common width.
struct ElementFormat<Scalar: TensorScalar> {
    let scientific: Bool
    let digits: Int
    let width: Int

    init(_ shown: [Scalar], precision: Int) {
        let magnitudes = shown.filter { $0.isFinite && $0 != 0 }.map { Swift.abs(Double($0)) }
        var scientific = false
        if let largest = magnitudes.max(), let smallest = magnitudes.min() {
            scientific = largest >= 1e8 || smallest < 1e-4 || largest / smallest > 1000
        }
        var digits = 1
        for x in shown where x.isFinite {
            digits = Swift.max(digits, ElementFormat.shortestDigits(x, scientific: scientific, precision: precision))
        }
        digits = Swift.max(1, Swift.min(digits, Swift.max(precision, 1)))
        let plain = ElementFormat(scientific: scientific, digits: digits, width: 0)
        self.init(scientific: scientific, digits: digits, width: shown.map { plain.string($0).count }.max() ?? 0)
    }

    private init(scientific: Bool, digits: Int, width: Int) {
        self.scientific = scientific
        self.digits = digits
        self.width = width
    }

    /// The fewest fractional digits (at most `precision`) with which `x` reads back exactly.
    static func shortestDigits(_ x: Scalar, scientific: Bool, precision: Int) -> Int {
        for k in 0...precision {
            if let back = Double(printed(x, digits: k, scientific: scientific)), Scalar(back) == x { return k }
        }
        return precision
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

    /// `x` in this format, right-aligned to the common width.
    func string(_ x: Scalar) -> String {
        let text: String
        if x.isNaN {
            text = "nan"
        } else if x.isInfinite {
            text = x < 0 ? "-inf" : "inf"
        } else {
            // The shortest exact digits, padded with zeros: more digits from the C
            // library would show the binary value's tail (0.3 as a Float is 0.30000001…).
            let k = ElementFormat.shortestDigits(x, scientific: scientific, precision: digits)
            var s = ElementFormat.printed(x, digits: k, scientific: scientific)
            let zeros = String(repeating: "0", count: digits - k)
            let point = k == 0 ? "." : ""
            if let e = s.firstIndex(of: "e") {
                s = String(s[..<e]) + point + zeros + String(s[e...])
            } else {
                s += point + zeros
            }
            text = s
        }
        return text.count >= width ? text : String(repeating: " ", count: width - text.count) + text
    }
}
