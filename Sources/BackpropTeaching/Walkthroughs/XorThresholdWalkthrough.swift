extension Walkthrough {
    /// Placeholder.
    public static func xorThreshold(format: ExplanationFormat = .text) -> Walkthrough {
        Walkthrough(id: "xorThreshold", title: "", source: "", sections: [], audit: [])
    }
}
