import Backprop

/// The prefix of an optimiser's tensors in a checkpoint: `optimizer.<parameter>.<slot>`.
let optimizerTensorPrefix = "optimizer."

extension Layer {
    /// Writes the parameters and the optimiser's state (``Optimizer/state``) to one
    /// safetensors file, atomically, so that a run can resume exactly: after
    /// `load(from:optimizer:)` into fresh objects, training continues as if it had never
    /// stopped (bit for bit, with the same batches).
    ///
    /// ```
    /// tensors:  <parameter>  and  optimizer.<parameter>.<slot>   (e.g. optimizer.0.W.m)
    /// metadata: optimizer.kind, optimizer.stepCount, optimizer.learningRate
    /// ```
    /// Every parameter of the optimiser must be a parameter of the model (named by its
    /// first name). Other errors as ``save(to:metadata:force:)``.
    public func save<Opt: Optimizer>(to path: String, optimizer: Opt, metadata: [String: String] = [:],
                                     force: Bool = false) throws where Opt.Scalar == Scalar {
        let names = try optimizerParameterNames(optimizer, path)
        let state = optimizer.state
        var tensors: [(name: String, shape: [Int], values: [Double])] = []
        for slot in state.slots.keys.sorted() {
            for (k, values) in state.slots[slot]!.enumerated() {
                tensors.append((optimizerTensorPrefix + names[k] + "." + slot, optimizer.parameters[k].shape, values))
            }
        }
        var metadata = metadata
        metadata["optimizer.kind"] = state.kind
        metadata["optimizer.stepCount"] = String(state.stepCount)
        metadata["optimizer.learningRate"] = "\(state.learningRate)"   // shortest round-tripping digits
        try save(to: path, adding: tensors, metadata: metadata, force: force)
    }

    /// Loads the parameters and restores the optimiser's state from a file written by
    /// ``save(to:optimizer:metadata:force:)``. Strict, and nothing changes unless all
    /// fits: the file must hold a state of the optimiser's kind with every tensor it
    /// keeps, in the parameters' shapes.
    public func load<Opt: Optimizer>(from path: String, optimizer: Opt) throws where Opt.Scalar == Scalar {
        let names = try optimizerParameterNames(optimizer, path)
        let file = try SafeTensorsFile.read(path)
        let current = optimizer.state
        guard let kind = file.metadata["optimizer.kind"] else {
            throw SafeTensorsError("\(path): no optimizer state (metadata 'optimizer.kind' missing); it was saved without one")
        }
        guard kind == current.kind else {
            throw SafeTensorsError("\(path): the optimizer state is from \(kind), the optimizer is \(current.kind)")
        }
        guard let steps = file.metadata["optimizer.stepCount"].flatMap({ Int($0) }), steps >= 0,
              let rate = file.metadata["optimizer.learningRate"].flatMap({ Double($0) }) else {
            throw SafeTensorsError("\(path): metadata 'optimizer.stepCount' or 'optimizer.learningRate' is missing or not a number")
        }
        let saved = Set(file.entries.map(\.name).filter { $0.hasPrefix(optimizerTensorPrefix) })
        var slots: [String: [[Double]]] = [:]
        var used = Set<String>()
        for slot in current.slots.keys.sorted() {
            var values: [[Double]] = []
            for (k, p) in optimizer.parameters.enumerated() {
                let name = optimizerTensorPrefix + names[k] + "." + slot
                guard let e = file.entry(named: name) else {
                    throw SafeTensorsError("\(path): no tensor '\(name)' (the \(kind) state keeps '\(slot)' for every parameter)")
                }
                guard e.shape == p.shape else {
                    throw SafeTensorsError("\(path): tensor '\(name)' has shape \(e.shape), the parameter has shape \(p.shape)")
                }
                values.append(try file.doubles(e))
                used.insert(name)
            }
            slots[slot] = values
        }
        if let extra = saved.subtracting(used).sorted().first {
            throw SafeTensorsError("\(path): tensor '\(extra)' matches no state of the \(kind) optimizer")
        }
        let state = OptimizerState(kind: kind, stepCount: steps, learningRate: rate, slots: slots)
        // Checked before the parameters change; restore cannot fail after this.
        do {
            try state.require(kind: current.kind, slots: Array(current.slots.keys), shapes: optimizer.parameters.map(\.shape),
                              rate: !current.learningRate.isNaN)
        } catch let e as OptimizerStateError {
            throw SafeTensorsError("\(path): \(e.description)")
        }
        try load(from: path)
        do { try optimizer.restore(state) } catch { throw SafeTensorsError("\(path): \(error)") }
    }

    /// The model's (first) name of each of the optimiser's parameters.
    func optimizerParameterNames<Opt: Optimizer>(_ optimizer: Opt, _ path: String) throws -> [String]
        where Opt.Scalar == Scalar {
        let named = namedParameters
        return try optimizer.parameters.enumerated().map { k, p in
            guard let name = named.first(where: { $0.parameter === p })?.name else {
                throw SafeTensorsError("\(path): parameter \(k) of the optimizer (shape \(p.shape)) is not a parameter of the model")
            }
            return name
        }
    }
}
