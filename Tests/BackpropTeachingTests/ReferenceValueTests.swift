import Backprop
import Foundation
import Testing
@testable import BackpropTeaching

/// The fixture's unprinted reference values (gradients and updated weights, computed
/// in mpmath at 60 digits) against the walkthroughs' structured output.
@Suite("Reference values from the independent audit")
struct ReferenceValueTests {
    /// `(fixture quantity pattern, walkthrough field, key template)`: the key template
    /// uses the pattern's captures $1, $2, … (NSRegularExpression templates).
    static let rules: [String: [(String, String, String)]] = [
        "sigmoid-222": [
            (#"^∂ℒ/∂w_\{(\d),(\d)\}\^\{\[(\d)\]\}"#, "gradients", #"w[$3]_$1$2"#),
            (#"^∂ℒ/∂b_(\d)\^\{\[(\d)\]\}"#, "gradients", #"b[$2]_$1"#),
            (#"^new w_\{(\d),(\d)\}\^\{\[(\d)\]\}"#, "updated", #"w[$3]_$1$2"#),
            (#"^new b_(\d)\^\{\[(\d)\]\}"#, "updated", #"b[$2]_$1"#),
        ],
        "sigmoid-222-matrix": [
            (#"^true ∂E_n/∂w\^\{\((\d)\)\}_\{(\d\d)\}"#, "gradients", #"w($1)_$2"#),
            (#"^true ∂E_n/∂b\^\{\((\d)\)\}_(\d)"#, "gradients", #"b($1)_$2"#),
            (#"^new w\^\{\((\d)\)\}_\{(\d\d)\}"#, "updated", #"w($1)_$2"#),
        ],
        "sigmoid-222-lr06": [
            (#"^∂E_total/∂(w\d)$"#, "gradients", #"$1"#),
            (#"^∂E_total/∂(b\d) "#, "gradients", #"$1"#),
            (#"^new (w\d)$"#, "updated", #"$1"#),
        ],
        "tanh-linear": [
            (#"^∂E/∂w\^\{\((\d)\)\}_\{(\d\d)\}"#, "gradients", #"w($1)_$2"#),
            (#"^(h_\d)$"#, "forward", #"$1"#),
            (#"^z\^\{\(1\)\}_(\d) ="#, "forward", #"z(1)_$1"#),
        ],
    ]

    @Test("gradients, forward values and updates equal the mpmath reference values", arguments: Array(rules.keys).sorted())
    func references(id: String) throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Fixtures/seed-audit.json")
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [[String: Any]]
        let example = try #require(json.first { $0["id"] as? String == id })
        let references = example["reference_unprinted"] as! [[String: Any]]
        let w = try #require(Walkthrough.named(id))
        let fields: [String: [String: Double]] = [
            "gradients": Dictionary(w.gradients, uniquingKeysWith: { a, _ in a }),
            "updated": Dictionary(w.updated, uniquingKeysWith: { a, _ in a }),
            "forward": Dictionary(w.forward, uniquingKeysWith: { a, _ in a }),
        ]
        var compared = 0
        for reference in references {
            let quantity = reference["quantity"] as! String
            guard let value = reference["computed"] as? Double else { continue }
            for (pattern, field, template) in Self.rules[id]! {
                let regex = try NSRegularExpression(pattern: pattern)
                let range = NSRange(quantity.startIndex..., in: quantity)
                guard let match = regex.firstMatch(in: quantity, range: range) else { continue }
                let key = regex.replacementString(for: match, in: quantity, offset: 0, template: template)
                let ours = try #require(fields[field]?[key], "\(id): no \(field)[\(key)] for '\(quantity)'")
                #expect(Swift.abs(ours - value) <= 1e-12 * max(1, Swift.abs(value)), "\(id) \(key): \(ours) vs \(value)")
                compared += 1
            }
        }
        #expect(compared >= 8, "\(id): only \(compared) reference values compared")
    }
}
