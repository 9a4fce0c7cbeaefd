import Backprop
import Testing
@testable import BackpropTeaching

@Suite("Walkthrough: sigmoid-222-lr06 (lecture 8)")
struct SigmoidLR06WalkthroughTests {
    /// Every verdict pinned: the document truncates instead of rounding, and is
    /// otherwise right (checked independently by hand and in the engine tests).
    static let expected: [String: AuditVerdict] = [
        "sum_h1": .match, "output_h1": .rounding, "sum_h2": .match, "output_h2": .match,
        "sum_o1": .match, "output_o1": .rounding, "sum_o2": .rounding, "output_o2": .match,
        "E_1": .match, "E_2": .rounding, "E_total": .rounding,
        "∂E_total/∂output_o1": .rounding, "∂output_o1/∂sum_o1": .rounding,
        "∂E_total/∂w5": .match, "∂E_total/∂w6": .match,
        "∂E_total/∂output_o2": .rounding, "∂output_o2/∂sum_o2": .rounding,
        "∂E_total/∂w7": .rounding, "∂E_total/∂w8": .rounding, "∂output_h1/∂sum_h1": .match,
        "∂E_1/∂w1": .rounding, "∂E_2/∂w1": .match, "∂E_total/∂w1": .rounding,
        "new w1": .rounding, "new w2": .rounding, "new w3": .rounding, "new w4": .rounding,
        "new w5": .rounding, "new w6": .match, "new w7": .match, "new w8": .rounding,
    ]

    @Test("every printed number has the pinned verdict")
    func verdicts() {
        let w = Walkthrough.sigmoid222LR06()
        #expect(w.audit.count == Self.expected.count)
        for entry in w.audit {
            #expect(Self.expected[entry.quantity] == entry.verdict, "\(entry.quantity): \(entry.verdict) (\(entry.note))")
        }
        #expect(!w.audit.contains { $0.verdict == .wrong })
    }

    @Test("the text shows the forward pass, the chain products, the check and the update")
    func content() {
        let text = Walkthrough.sigmoid222LR06().rendered()
        for needle in ["output_h1 = σ(sum_h1) = 0.60109",
                       "∂E_total/∂w5 = ∂E_total/∂output_o1 · ∂output_o1/∂sum_o1 · ∂sum_o1/∂w5 = 0.68493 · 0.19481 · 0.60109 = 0.08020",
                       "gradient check PASSED",
                       "new_w5 = w5 − η·∂E/∂w5 = 0.5 − 0.6·0.08020 = 0.45188",
                       "31 numbers: 12 MATCH, 19 ROUNDING, 0 WRONG"] {
            #expect(text.contains(needle), "missing: \(needle)")
        }
        #expect(Walkthrough.sigmoid222LR06(format: .markdown).rendered(.markdown).contains("| quantity | printed |"))
        #expect(Walkthrough.sigmoid222LR06(format: .latex).rendered(.latex).contains("\\begin{tabular}"))
    }
}
