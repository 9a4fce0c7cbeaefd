extension Walkthrough {
    /// Placeholder.
    public static func deltaRuleSGD(format: ExplanationFormat = .text) -> Walkthrough {
        Walkthrough(id: "deltaRuleSGD", title: "", source: "", sections: [], audit: [])
    }
}
