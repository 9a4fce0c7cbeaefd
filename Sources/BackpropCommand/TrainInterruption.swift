import Backprop
import BackpropNN
import Foundation

/// The model's parameters at the end of the epoch with the lowest mean training loss so
/// far: what `backprop train --save` writes when Ctrl-C stops the run.
///
/// ```
/// best = argmin_{complete epochs i} E(i)     (E(i): the mean loss of epoch i's steps)
/// ```
final class BestEpoch<Scalar: TensorScalar> {
    private let parameters: [Parameter<Scalar>]
    /// The best epoch (1-based), 0 before the first.
    private(set) var epoch = 0
    /// Its mean loss (∞ before the first).
    private(set) var loss = Double.infinity
    private var values: [[Scalar]] = []

    init(_ parameters: [Parameter<Scalar>]) { self.parameters = parameters }

    /// Keeps a copy of the parameters if `report`'s loss is the lowest so far.
    func record(_ report: EpochReport) {
        guard report.loss.isFinite, report.loss < loss else { return }
        epoch = report.epoch
        loss = report.loss
        values = parameters.map(\.value.scalars)
    }

    /// Puts the recorded values back into the parameters.
    func restore() {
        for (p, v) in zip(parameters, values) { p.value = Tensor(shape: p.shape, scalars: v) }
    }
}

extension TrainCommand {
    /// Ends a run that Ctrl-C stopped: reports where, saves (with `save`) the best epoch's
    /// model, or the current one when no complete epoch was better, and throws the
    /// failure that makes the command exit with status 130.
    ///
    /// The current model is saved when no epoch ended before the stop, or when the mean
    /// loss of the interrupted epoch's steps is below the best epoch's loss.
    static func finishInterrupted<Model: Layer>(
        _ history: TrainingHistory, epochs: Int, model: Model, best: BestEpoch<Model.Scalar>?,
        save: String?, metadata: [String: String], force: Bool, console: Console
    ) throws -> Never {
        var message: String
        var partialLoss = Double.infinity
        if let stop = history.interruption {
            message = "interrupted in epoch \(stop.epoch) of \(epochs), after step \(stop.step) of \(stop.stepsPerEpoch) "
                + "(loss \(String(format: "%.6f", stop.loss)) over its steps)"
            if !stop.completedEpoch { partialLoss = stop.loss }
        } else {
            message = "interrupted after the last step of epoch \(history.losses.count)"
        }
        guard let save else { throw RunFailure(message: message, status: Interrupts.exitStatus) }
        var metadata = metadata
        let which: String
        if let best, best.epoch > 0, best.loss <= partialLoss {
            best.restore()
            which = "the model at the end of epoch \(best.epoch) (loss \(String(format: "%.6f", best.loss)), the lowest)"
            metadata["epochs"] = "\(best.epoch)"
        } else {
            which = "the model after that step"
            metadata["epochs"] = "\(history.losses.count)"
        }
        if let stop = history.interruption { metadata["interrupted"] = "\(stop)" }
        do { try model.save(to: save, metadata: metadata, force: force) } catch let e as SafeTensorsError {
            throw RunFailure(message: "\(message); nothing was saved: \(e.message)", status: Interrupts.exitStatus)
        }
        console.print("saved \(model.parameterCount) parameters to \(echoed(save))")
        throw RunFailure(message: "\(message); saved \(which) to \(echoed(save))", status: Interrupts.exitStatus)
    }
}
