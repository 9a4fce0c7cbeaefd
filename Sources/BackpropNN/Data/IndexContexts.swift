import Backprop

extension CharacterVocabulary {
    /// The examples of ``contextDataset(_:contextLength:)`` with each context as
    /// `contextLength` character indices instead of one-hot blocks: the input of a model
    /// that starts with an ``Embedding``.
    ///
    /// ```
    /// "emma", context 3:  [0, 0, 0] → 5,  [0, 0, 5] → 13,  [0, 5, 13] → 13,  [5, 13, 13] → 1,  [13, 13, 1] → 0
    /// features: [contextLength] indices ("." is 0),  labels: index of the next character
    /// ```
    /// Precondition: as for ``contextDataset(_:contextLength:)``.
    public func indexContextDataset(_ names: [String], contextLength: Int) -> Dataset {
        let oneHot = contextDataset(names, contextLength: contextLength), v = count
        var features: [Double] = []
        features.reserveCapacity(oneHot.count * contextLength)
        for block in 0..<(oneHot.count * contextLength) {
            let row = oneHot.features[(block * v)..<((block + 1) * v)]
            features.append(Double(row.firstIndex(of: 1)! - block * v))
        }
        return Dataset(features: features, featureCount: contextLength, labels: oneHot.labels, classNames: oneHot.classNames,
                       featureNames: (0..<contextLength).map { "c\($0)" })
    }
}
