extension Walkthrough {
    /// Placeholder.
    public static func tanhLinear(format: ExplanationFormat = .text) -> Walkthrough {
        Walkthrough(id: "tanhLinear", title: "", source: "", sections: [], audit: [])
    }
}
