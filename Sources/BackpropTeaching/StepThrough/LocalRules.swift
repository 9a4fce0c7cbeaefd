import Backprop
import Foundation

/// How a node was computed and its local derivatives, in words a student reads:
/// `expression` is the op applied to its operands' names ("w_1 × x_1", "σ(s_1)")
/// (`valueExpression` to their values),
/// and `rule(for:)` the symbolic ∂node/∂input ("x_1", "σ(s_1)·(1 − σ(s_1))").
/// The elementwise functions' formulas and values come from the table the engines use
/// (`ElementwiseFunction`), so the text cannot disagree with the numbers.
struct LocalRules {
    let node: Value
    let names: [String]        // the operands' names, in input order
    let result: String          // the node's own name

    /// A number as it appears inside formulas (six significant digits).
    static func number(_ x: Double) -> String { String(format: "%.6g", x) }

    /// The operands' names, constants included, in operand order.
    private func operands(_ inputs: [String]) -> [String] {
        guard let c = node.constantOperand else { return inputs }
        let k = LocalRules.number(c.value)
        return c.isFirst ? [k] + inputs : inputs + [k]
    }

    /// The op's constant argument as it appears in formulas (α, threshold).
    private var parameter: String { LocalRules.number(node.opArgument ?? 0) }

    /// The op applied to the operands' names ("w_1 × x_1").
    var expression: String { expression(names) }

    /// The op applied to the operands' values ("0.15 × 0.05").
    var valueExpression: String { expression(node.inputs.map { LocalRules.number($0.value) }) }

    private func expression(_ inputs: [String]) -> String {
        let o = operands(inputs), a = o.first ?? "?", b = o.count > 1 ? o[1] : "?"
        if let f = node.elementwiseFunction { return f.valueText(x: a, parameter: parameter) }
        switch node.op {
        case .leaf: return "leaf"
        case .constant: return "constant"
        case .add: return "\(a) + \(b)"
        case .subtract: return "\(a) − \(b)"
        case .multiply: return "\(a) × \(b)"
        case .divide: return "\(a) ÷ \(b)"
        case .negate: return "−\(a)"
        case .power: return "\(a)^\(b)"
        case .powerConstant: return "\(a)^\(LocalRules.number(node.opArgument ?? .nan))"
        case .max, .min: return "\(node.op.description)(\(a), \(b))"
        default: return "\(node.op.description)(\(a))"
        }
    }

    /// ∂node/∂(input k) as a formula in the operands' names.
    func rule(for k: Int) -> String {
        let x = names[k], y = result
        let c = node.constantOperand.map { LocalRules.number($0.value) }
        let other = names.count > 1 ? names[1 - k] : (c ?? "?")
        if let f = node.elementwiseFunction { return f.derivativeText(x: x, y: y, parameter: parameter) }
        switch node.op {
        case .add: return "1"
        case .subtract: return (k == 0 && node.constantOperand?.isFirst != true) ? "1" : "−1"
        case .multiply: return other
        case .divide:
            if let c, node.constantOperand?.isFirst == true { return "−\(c) ÷ \(x)²" }
            if let c { return "1 ÷ \(c)" }
            return k == 0 ? "1 ÷ \(names[1])" : "−\(names[0]) ÷ \(names[1])²"
        case .negate: return "−1"
        case .power: return k == 0 ? "\(names[1])·\(names[0])^(\(names[1]) − 1)" : "\(names[0])^\(names[1])·ln \(names[0])"
        case .powerConstant:
            let p = node.opArgument ?? .nan
            return p == 2 ? "2·\(x)" : "\(LocalRules.number(p))·\(x)^\(LocalRules.number(p - 1))"
        case .max, .min: return "1 if \(x) is the \(node.op == .max ? "larger" : "smaller"), else 0"
        case .leaf, .constant: return "—"
        default: return "—"  // the elementwise functions, answered by the table above
        }
    }

    /// The op applied to the inputs' current values (nil for ops not recomputed here).
    /// A node whose stored value differs was recorded before its leaves were changed.
    var recomputed: Double? {
        var x = node.inputs.map(\.value)
        if let c = node.constantOperand { x.insert(c.value, at: c.isFirst ? 0 : x.count) }
        func arg(_ k: Int) -> Double { k < x.count ? x[k] : .nan }
        if let f = node.elementwiseFunction { return f.value(arg(0), node.opArgument ?? 0) }
        switch node.op {
        case .leaf, .constant: return node.value
        case .add: return arg(0) + arg(1)
        case .subtract: return arg(0) - arg(1)
        case .multiply: return arg(0) * arg(1)
        case .divide: return arg(0) / arg(1)
        case .powerConstant: return Foundation.pow(arg(0), node.opArgument ?? .nan)
        default: return nil
        }
    }
}
