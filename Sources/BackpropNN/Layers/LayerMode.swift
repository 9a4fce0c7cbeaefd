import Backprop

/// Whether a layer trains or evaluates: dropout drops units and batch normalisation uses
/// the batch's statistics (and updates its running ones) in `.training`; in
/// `.evaluation` dropout passes its input through and batch normalisation uses the
/// running statistics. Layers start in `.training`, as in PyTorch.
///
/// ```
/// dropout(x) = x ⊙ m/(1 − p)   (training),   x   (evaluation)
/// ```
public enum LayerMode: Sendable, Hashable {
    /// Training behaviour (the default).
    case training
    /// Evaluation (inference) behaviour.
    case evaluation
}

/// The mode of one mode-dependent layer, shared by reference (like ``Parameter`` and
/// ``LayerState``), so that `setMode(_:)` on a container reaches the layers inside it.
/// A layer whose forward pass depends on the mode owns one and lists it in
/// ``Layer/modeSwitches``; a ``CompiledTrainingStep`` keys its programs by the modes of
/// all of them, so training and evaluation programs are never mixed.
///
/// ```
/// mode ∈ {training, evaluation}
/// ```
public final class LayerModeSwitch {
    /// Not checked for exclusive access at run time (as for `Parameter`).
    @exclusivity(unchecked) public var mode: LayerMode

    /// A switch in `mode` (training by default).
    public init(_ mode: LayerMode = .training) { self.mode = mode }
}

extension Layer {
    /// No mode-dependent parts (layers that have some list them).
    public var modeSwitches: [LayerModeSwitch] { [] }

    /// Puts every mode-dependent layer inside this one in `mode` (like PyTorch's
    /// `train()` and `eval()`).
    ///
    /// ```swift no-compile
    /// model.setMode(.evaluation)    // dropout off, batch norm uses its running statistics
    /// ```
    public func setMode(_ mode: LayerMode) {
        for s in modeSwitches { s.mode = mode }
    }

    /// `.evaluation` when every mode-dependent layer inside is in evaluation mode (and
    /// there is at least one), otherwise `.training`.
    ///
    /// ```
    /// mode = evaluation ⇔ switches ≠ ∅ ∧ ∀ s: s.mode = evaluation
    /// ```
    public var mode: LayerMode {
        let switches = modeSwitches
        return !switches.isEmpty && switches.allSatisfy { $0.mode == .evaluation } ? .evaluation : .training
    }

    /// Runs `body` with the layer in `mode`, then puts every switch back as it was.
    ///
    /// ```
    /// modes ← mode;  r = body();  modes ← previous modes
    /// ```
    public func withMode<R>(_ mode: LayerMode, _ body: () throws -> R) rethrows -> R {
        let switches = modeSwitches, saved = switches.map(\.mode)
        defer { for (s, m) in zip(switches, saved) { s.mode = m } }
        for s in switches { s.mode = mode }
        return try body()
    }
}
