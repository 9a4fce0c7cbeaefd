import Backprop
import BackpropNN

/// `backprop-bench fuzz [--graphs N] [--seed S]`: N (default 10⁴) random tensor programs
/// (`RandomTensorGraph`) through the gradient checker. Kinks (relu/abs/max ties exactly
/// at a non-differentiable point) are counted apart; `failures` counts disagreements, split
/// into those where values overflow (|y| > 10¹² or ∞, where finite differences fail) and
/// the others (which would be engine bugs).
func runGradcheckFuzzBench(arguments: [String]) {
    let graphs = intOption("--graphs", in: arguments) ?? 10_000
    let seed = UInt64(intOption("--seed", in: arguments) ?? 1)
    var rng = SeededGenerator(seed: seed)
    var failures = 0, overflows = 0, kinks = 0, checked = 0
    let t0 = Bench.now()
    for k in 0..<graphs {
        let graph = RandomTensorGraph(using: &rng)
        let report = checkTensorGradients(of: graph.callAsFunction, at: graph.inputs,
                                          options: .init(checkDeterminism: k % 100 == 0))
        checked += report.checkedCount
        if !report.kinks.isEmpty { kinks += 1 }
        if !report.passed {
            failures += 1
            // Finite differences mean nothing once values overflow or dwarf ε (exp∘exp
            // chains reach 10²¹ and ∞): such failures are counted apart.
            let output = graph(graph.inputs).scalars
            if output.contains(where: { !$0.isFinite || Swift.abs($0) > 1e12 })
                || report.failures.contains(where: { !$0.numeric.isFinite || Swift.abs($0.analytic) > 1e12 })
            {
                overflows += 1
            }
            if failures <= 3 { print("failure \(failures) (graph \(k)):\n\(graph)\n\(report)") }
        }
    }
    Bench.emit([("bench", "gradcheck-fuzz"), ("graphs", graphs), ("failures", failures),
                ("failures_from_overflow", overflows), ("failures_other", failures - overflows),
                ("graphs_with_kinks", kinks), ("elements_checked", checked), ("seed", Int(seed)),
                ("seconds", Double(Bench.now() - t0) * 1e-9)])
}

/// `backprop-bench fuzz-safetensors [--cases N] [--seed S]`: N (default 10⁴) mutated
/// safetensors files (F64, F32, F16 and BF16 seeds; truncations, flipped bytes, bad header
/// lengths, broken JSON, overlapping offsets, byte-order marks, duplicates, changed dtypes)
/// through the reader, every 32nd also from a file. Every case must parse or throw a
/// `SafeTensorsError`, and a file must get the same verdict as the same bytes in memory;
/// a crash would end the process before the line is printed.
func runSafeTensorsFuzzBench(arguments: [String]) {
    let cases = intOption("--cases", in: arguments) ?? 10_000
    let seed = UInt64(intOption("--seed", in: arguments) ?? 12345)
    var seeds: [[UInt8]] = []
    for sizes in [[3, 4, 2], [2, 8, 8, 1]] {
        let model = MLP<Double>(sizes, activation: .tanh, seed: 1)
        for dtype in [SafeTensorsDType.F32, .F64, .F16, .BF16] {
            let tensors = model.namedParameters.map {
                (name: $0.name, dtype: dtype, shape: $0.parameter.shape, values: $0.parameter.value.scalars)
            }
            do { seeds.append(try SafeTensorsFile.encode(tensors, metadata: ["sizes": "\(sizes)"])) } catch {
                print("fuzz-safetensors: cannot encode a seed file: \(error)")
                return
            }
        }
    }
    let t0 = Bench.now()
    let outcome = SafeTensorsFuzzer.run(cases: cases, seeds: seeds, seed: seed)
    Bench.emit([("bench", "safetensors-fuzz"), ("cases", cases), ("errors", outcome.errors), ("valid", outcome.valid),
                ("crashes", outcome.crashes), ("file_memory_mismatches", outcome.mismatches), ("read_from_files", outcome.fromFiles),
                ("seed", Int(seed)), ("seconds", Double(Bench.now() - t0) * 1e-9)])
}

/// The integer after `name` in `arguments`, if any.
func intOption(_ name: String, in arguments: [String]) -> Int? {
    guard let i = arguments.firstIndex(of: name), i + 1 < arguments.count else { return nil }
    return Int(arguments[i + 1])
}

/// `backprop-bench fuzz-csv [--cases N] [--seed S]`: N (default 10⁴) mutated CSV files
/// (quotes, separators, line ends, NUL, byte-order marks, invalid UTF-8, awkward numbers)
/// through the loader. Every case must load a consistent dataset or throw a `DataError`.
func runCSVFuzzBench(arguments: [String]) {
    let cases = intOption("--cases", in: arguments) ?? 10_000
    let seed = UInt64(intOption("--seed", in: arguments) ?? 12345)
    let t0 = Bench.now()
    let outcome = CSVFuzzer.run(cases: cases, seed: seed)
    Bench.emit([("bench", "csv-fuzz"), ("cases", cases), ("errors", outcome.errors), ("valid", outcome.valid),
                ("crashes", outcome.crashes), ("inconsistent", outcome.inconsistent), ("seed", Int(seed)),
                ("seconds", Double(Bench.now() - t0) * 1e-9)])
}
