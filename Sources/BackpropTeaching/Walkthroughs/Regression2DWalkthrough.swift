extension Walkthrough {
    /// Placeholder.
    public static func regression2D(format: ExplanationFormat = .text) -> Walkthrough {
        Walkthrough(id: "regression2D", title: "", source: "", sections: [], audit: [])
    }
}
