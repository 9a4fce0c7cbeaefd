import Foundation

/// A JSON value with ordered object keys, so walkthroughs print their fields in a
/// stable, readable order.
public indirect enum JSONValue: Sendable, Equatable {
    /// A number; NaN and infinities are written as `null` (JSON has no such numbers).
    case number(Double)
    /// A string.
    case string(String)
    /// A Boolean.
    case bool(Bool)
    /// `null`.
    case null
    /// An array.
    case array([JSONValue])
    /// An object whose keys keep their order.
    case object([(String, JSONValue)])

    /// Two values are equal when they print the same JSON.
    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool { lhs.encoded() == rhs.encoded() }

    /// An object of numbers.
    public static func numbers(_ pairs: [(String, Double)]) -> JSONValue {
        .object(pairs.map { ($0.0, .number($0.1)) })
    }

    /// A matrix of numbers (an array of rows).
    public static func matrix(_ rows: [[Double]]) -> JSONValue {
        .array(rows.map { .array($0.map(JSONValue.number)) })
    }

    /// The value as compact JSON text (numbers at full precision: the shortest
    /// decimal that reads back as the same `Double`).
    public func encoded() -> String {
        switch self {
        case .number(let x): return x.isFinite ? jsonNumber(x) : "null"
        case .string(let s): return jsonString(s)
        case .bool(let b): return b ? "true" : "false"
        case .null: return "null"
        case .array(let items): return "[" + items.map { $0.encoded() }.joined(separator: ",") + "]"
        case .object(let pairs):
            return "{" + pairs.map { jsonString($0.0) + ":" + $0.1.encoded() }.joined(separator: ",") + "}"
        }
    }
}

/// `x` as a JSON number: Swift's shortest round-trip form, made JSON-legal.
func jsonNumber(_ x: Double) -> String {
    if x == x.rounded(), Swift.abs(x) < 1e15 { return String(Int64(x)) }
    return "\(x)"   // "0.1", "1e-05", "-2.5e+20": all valid JSON
}

/// `s` as a JSON string literal.
func jsonString(_ s: String) -> String {
    var out = "\""
    for scalar in s.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
        default: out.unicodeScalars.append(scalar)
        }
    }
    return out + "\""
}

extension AuditEntry {
    /// The entry as a JSON object: quantity, printed, computed, verdict, note, kind,
    /// and (when present) the formula's value as printed and the reference name.
    public var json: JSONValue {
        var pairs: [(String, JSONValue)] = [
            ("quantity", .string(quantity)), ("printed", .string(printed)), ("computed", .number(computed)),
            ("verdict", .string(verdict.rawValue)), ("note", .string(note)), ("kind", .string(kind.rawValue)),
        ]
        if let d = documentValue { pairs.append(("documentValue", .number(d))) }
        if let r = reference { pairs.append(("reference", .string(r))) }
        return .object(pairs)
    }
}

extension Walkthrough {
    /// The walkthrough as one JSON object:
    ///
    /// ```
    /// {"id", "source", "title", "parameters": {…}, "forward": {…}, "loss",
    ///  "gradients": {…}, "updated": {…}, "audit": [{quantity, printed, computed, verdict, note, kind}]}
    /// ```
    public var json: JSONValue {
        .object([
            ("id", .string(id)), ("source", .string(source)), ("title", .string(title)),
            ("parameters", .object(parameters)),
            ("forward", .numbers(forward)), ("loss", .number(loss)),
            ("gradients", .numbers(gradients)), ("updated", .numbers(updated)),
            ("audit", .array(audit.map(\.json))),
        ])
    }
}
