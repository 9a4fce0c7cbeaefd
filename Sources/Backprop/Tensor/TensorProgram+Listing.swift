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
        var pairedBefore = false
        for instruction in instructions {
            let o = instruction.operands
            var args = instruction.parts.isEmpty ? [o.a, o.b, o.c].filter { $0 >= 0 } : instruction.parts.map(\.slot)
            var how = ""
            if let eager = instruction.eager {
                args = eager.slots  // (any number of inputs)
                how = "  (eager)"
            }
            if pairedBefore { how += "  ∥ beside the previous line" }
            pairedBefore = instruction.runsBesideNext
            lines.append("  \(name(o.out)) = \(instruction.name)(\(args.map(name).joined(separator: ", "))) → \(instruction.shape)\(how)")
        }
        lines.append("  return " + outputSlots.map(name).joined(separator: ", "))
        return lines.joined(separator: "\n")
    }
}
