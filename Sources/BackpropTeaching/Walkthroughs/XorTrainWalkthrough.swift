extension Walkthrough {
    /// Placeholder.
    public static func xorTrain(format: ExplanationFormat = .text) -> Walkthrough {
        Walkthrough(id: "xorTrain", title: "", source: "", sections: [], audit: [])
    }
}
