import BackpropNN
import Foundation

/// The optimiser flags of `backprop train`: `--optimizer`, `--weight-decay`, `--schedule`,
/// `--clip` and `--resume`, parsed and turned into the optimiser and training options.
struct TrainOptimizerFlags {
    static let usage = """
          --optimizer adam|adamw|sgd
                             adam (default), adamw (decoupled weight decay) or plain sgd
          --weight-decay λ   weight decay of the weights, not the biases (default 0.01 for
                             adamw, 0 otherwise; L2 added to the gradient for sgd and adam)
          --schedule S       learning rate over the run: step:E:F (×F every E epochs),
                             cosine (to 0 at the last epoch), warmup-cosine:W (linear
                             warm-up over W epochs, then cosine)
          --clip N           clip each batch's gradients to global norm N
          --resume FILE      continue from FILE written by --save: parameters and the
                             optimiser state (moments, step count; same --optimizer)
        """

    var optimizer = "adam"
    var weightDecay: Double?
    var schedule: String?
    var clip: Double?
    var resume: String?

    /// Parses `flag` (taking its value from `value`) if it is one of these; false otherwise.
    mutating func parse(_ flag: String, value: () throws -> String) throws -> Bool {
        switch flag {
        case "--optimizer":
            let v = try value()
            guard ["adam", "adamw", "sgd"].contains(v) else { throw CommandFailure(message: "--optimizer '\(v)': use adam, adamw or sgd") }
            optimizer = v
        case "--weight-decay":
            let v = try value()
            guard let x = Double(v), x.isFinite, x >= 0 else {
                throw CommandFailure(message: "--weight-decay '\(v)': expected a finite number ≥ 0")
            }
            weightDecay = x
        case "--schedule":
            let v = try value()
            _ = try Self.schedule(v, learningRate: 1, epochs: 1, stepsPerEpoch: 1, startStep: 0)   // checks the form
            schedule = v
        case "--clip":
            let v = try value()
            guard let x = Double(v), x.isFinite, x > 0 else { throw CommandFailure(message: "--clip '\(v)': expected a finite positive number") }
            clip = x
        case "--resume": resume = try value()
        default: return false
        }
        return true
    }

    /// The optimiser, with the weight decay on the weights only (biases exempt).
    func makeOptimizer<Model: Layer>(_ model: Model, learningRate: Double) -> any Optimizer<Float> where Model.Scalar == Float {
        let groups = model.weightDecayGroups()
        switch optimizer {
        case "sgd": return SGD(groups: groups, learningRate: learningRate, weightDecay: weightDecay ?? 0)
        case "adamw": return AdamW(groups: groups, learningRate: learningRate, weightDecay: weightDecay ?? 0.01)
        default: return Adam(groups: groups, learningRate: learningRate, weightDecay: weightDecay ?? 0)
        }
    }

    /// "Adam α = 0.01" with the weight decay, schedule and clipping when set.
    func summary(learningRate: Double) -> String {
        let name = ["sgd": "SGD", "adamw": "AdamW", "adam": "Adam"][optimizer]!
        let decay = weightDecay ?? (optimizer == "adamw" ? 0.01 : 0)
        return "\(name) α = \(learningRate)" + (decay > 0 ? ", weight decay \(decay)" : "")
            + (schedule.map { ", schedule \($0)" } ?? "") + (clip.map { ", clip \($0)" } ?? "")
    }

    /// The schedule `spec` in epochs, as a function of the optimiser's step count: it spans
    /// the steps done before (`startStep`, from --resume) plus `epochs` more.
    static func schedule(_ spec: String, learningRate: Double, epochs: Int, stepsPerEpoch: Int,
                         startStep: Int) throws -> LearningRateSchedule {
        let parts = spec.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        let total = startStep + epochs * stepsPerEpoch
        func bad() -> CommandFailure {
            CommandFailure(message: "--schedule '\(spec)': use step:E:F (E epochs > 0, factor F > 0), cosine, or warmup-cosine:W (0 < W epochs)")
        }
        switch parts[0] {
        case "step":
            guard parts.count == 3, let every = Int(parts[1]), every > 0, let factor = Double(parts[2]),
                  factor.isFinite, factor > 0 else { throw bad() }
            return .stepDecay(from: learningRate, factor: factor, every: every * stepsPerEpoch)
        case "cosine":
            guard parts.count == 1 else { throw bad() }
            return .cosine(from: learningRate, steps: Swift.max(total, 1))
        case "warmup-cosine":
            guard parts.count == 2, let warmup = Int(parts[1]), warmup > 0 else { throw bad() }
            let w = warmup * stepsPerEpoch
            return .warmupCosine(to: learningRate, warmupSteps: w, totalSteps: Swift.max(total, w + 1))
        default:
            throw bad()
        }
    }
}
