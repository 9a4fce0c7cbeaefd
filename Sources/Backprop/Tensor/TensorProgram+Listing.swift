// A readable listing of a `TensorProgram`.

extension TensorProgram: CustomStringConvertible {
    /// A listing of the program: one line per instruction, slots as %n, inputs as inN,
    /// constants as constN, each with its result's shape; `(eager)` marks ops run by the
    /// eager forward computation.
    ///
    /// ```
    /// %6 = linear(in4, in0, in1) → [1, 2]
    /// %28 = matmul[Aᵀ·B](%21, %7) → [2, 2]
    /// ```
    public var description: String {
        func name(_ s: Int) -> String {
            if s < inputShapes.count { return "in\(s)" }
            if constantSlots.contains(s) {
                // One-element constants read best as their value.
                return storages[s].count == 1 ? "\(storages[s][0])" : "const\(s)\(storages[s].count == 0 ? "(empty)" : "")"
            }
            return "%\(s)"
        }
        var lines = ["program(" + inputShapes.enumerated().map { "in\($0.offset): \($0.element)" }.joined(separator: ", ") + ")"]
        for i in 0..<kernels.count {
            let o = operands[i]
            var args = [o.a, o.b, o.c].filter { $0 >= 0 }
            var how = ""
            if case .generic(let f) = kernels[i] {
                args = fallbacks[f].slots  // (any number of inputs)
                how = "  (eager)"
            }
            lines.append("  \(name(o.out)) = \(instructionNames[i])(\(args.map(name).joined(separator: ", "))) → \(instructionShapes[i])\(how)")
        }
        lines.append("  return " + outputSlots.map(name).joined(separator: ", "))
        return lines.joined(separator: "\n")
    }
}

extension TensorProgramBuilder {
    /// The op's name in a listing, with the parameters that change its meaning.
    static func listingName(_ op: TensorOp<Scalar>) -> String {
        switch op {
        case .matmul(let tA, let tB):
            return "matmul" + (tA || tB ? "[" + (tA ? "Aᵀ" : "A") + "·" + (tB ? "Bᵀ" : "B") + "]" : "")
        case .sum(let axes, _), .mean(let axes, _), .max(let axes, _), .min(let axes, _):
            return "\(op.kind.rawValue)[axes \(axes)]"
        case .softmax(let axis), .logSoftmax(let axis), .logSumExp(let axis, _):
            return "\(op.kind.rawValue)[axis \(axis)]"
        case .step(let threshold): return "step[> \(threshold)]"
        case .leakyRelu(let alpha): return "leakyRelu[\(alpha)]"
        case .clamp(let lower, let upper): return "clamp[\(lower), \(upper)]"
        case .elementwise(let function, _, _): return function.name
        case .permute(let axes): return "permute\(axes)"
        default: return op.kind.rawValue
        }
    }
}
