extension Walkthrough {
    /// Placeholder.
    public static func sigmoid222Matrix(format: ExplanationFormat = .text) -> Walkthrough {
        Walkthrough(id: "sigmoid222Matrix", title: "", source: "", sections: [], audit: [])
    }
}
