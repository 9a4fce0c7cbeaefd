import Backprop
import BackpropNN

/// `backprop-bench memory [--steps N]`: trains a 64-32-10 MLP on the digits data (mini-batches
/// of 32, Adam) for 10⁴ steps and prints the peak resident set size after 10² and after
/// all steps. Each step's graph is freed when the step ends, so the peak must stay flat:
/// the second line says whether it did (growth ≤ max(2 MB, 5 %)).
func runMemoryBench(arguments: [String]) {
    var total = 10_000
    if let i = arguments.firstIndex(of: "--steps"), i + 1 < arguments.count, let n = Int(arguments[i + 1]), n > 100 {
        total = n
    }
    let data: Dataset
    do { data = try Datasets.digits() } catch {
        print("memory: cannot load the digits data: \(error)")
        return
    }
    let model = MLP<Float>([data.featureCount, 32, data.classCount], activation: .relu, seed: 1)
    let adam = Adam(parameters: model.parameters, learningRate: 0.003)
    var rng = SeededGenerator(seed: 1)
    var order = shuffledIndices(data.count, using: &rng)
    var cursor = 0
    let batch = 32
    // `--engine compiled`: the same training through a CompiledTrainingStep (one-hot targets).
    let engine = arguments.firstIndex(of: "--engine").flatMap { $0 + 1 < arguments.count ? arguments[$0 + 1] : nil } ?? "eager"
    let compiled = engine == "compiled"
        ? CompiledTrainingStep(model: model) { Loss.softmaxCrossEntropy(logits: $0, oneHotTargets: $1) } : nil
    var early = 0.0, firstLoss = Float.nan, lastLoss = Float.nan
    let t0 = Bench.now()
    for step in 1...total {
        if cursor + batch > order.count {
            order = shuffledIndices(data.count, using: &rng)
            cursor = 0
        }
        let rows = Array(order[cursor..<(cursor + batch)])
        cursor += batch
        let x = data.featureTensor(rows: rows, as: Float.self)
        let loss: Float
        if let compiled {
            var oneHot = [Float](repeating: 0, count: batch * data.classCount)
            for (i, r) in rows.enumerated() { oneHot[i * data.classCount + data.labels[r]] = 1 }
            do {
                loss = try compiled(x, Tensor(shape: [batch, data.classCount], scalars: oneHot), updating: adam)
            } catch { fatalError("\(error)") }
        } else {
            adam.zeroGradients()
            let e = Loss.softmaxCrossEntropy(logits: model(x), labels: rows.map { data.labels[$0] })
            e.backward()
            adam.step()
            loss = e.scalar
        }
        if step == 1 { firstLoss = loss }
        lastLoss = loss
        if step == 100 {
            early = Bench.peakRSSMegabytes() ?? .nan
            Bench.emit([("bench", "memory"), ("engine", engine), ("steps", 100), ("peak_rss_mb", early)])
        }
    }
    let seconds = Double(Bench.now() - t0) * 1e-9
    let late = Bench.peakRSSMegabytes() ?? .nan
    let growth = late - early
    let flat = growth <= Swift.max(2, 0.05 * early)
    Bench.emit([("bench", "memory"), ("engine", engine), ("steps", total), ("peak_rss_mb", late), ("growth_mb", growth),
                ("flat", flat), ("net", "64-32-10"), ("batch", batch), ("first_loss", Double(firstLoss)),
                ("last_loss", Double(lastLoss)), ("seconds", seconds)])
    print(flat ? "memory: flat (peak RSS grew \(String(format: "%.2f", growth)) MB from step 100 to step \(total))"
               : "memory: NOT flat: peak RSS grew \(String(format: "%.2f", growth)) MB from step 100 to step \(total)")
}
