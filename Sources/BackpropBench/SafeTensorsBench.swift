import BackpropNN
import Foundation

/// `backprop-bench safetensors-read FILE [--values]`: opens and validates FILE (header
/// only), and with `--values` then reads every tensor as Doubles one at a time and sums
/// them. Prints the wall time of each phase and the peak RSS, to compare with the
/// reference implementation (Scripts/safetensors-compare.py makes the files and times it).
func runSafeTensorsReadBench(arguments: [String]) {
    guard let path = arguments.first(where: { !$0.hasPrefix("--") }) else {
        print("usage: backprop-bench safetensors-read FILE [--values]")
        return
    }
    let t0 = Bench.now()
    let file: SafeTensorsFile
    do { file = try SafeTensorsFile.read(path) } catch {
        print("safetensors-read: \(error)")
        return
    }
    let headerSeconds = Double(Bench.now() - t0) * 1e-9
    var sum = 0.0
    var valuesSeconds = 0.0
    if arguments.contains("--values") {
        let t1 = Bench.now()
        do {
            for e in file.entries { sum += try file.doubles(e).reduce(0, +) }
        } catch {
            print("safetensors-read: \(error)")
            return
        }
        valuesSeconds = Double(Bench.now() - t1) * 1e-9
    }
    Bench.emit([("bench", "safetensors-read"), ("tensors", file.entries.count), ("data_bytes", file.dataByteCount),
                ("header_seconds", headerSeconds), ("values_seconds", valuesSeconds), ("sum", sum),
                ("peak_rss_mb", Bench.peakRSSMegabytes() ?? -1)])
}
