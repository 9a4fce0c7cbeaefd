import Testing
import BackpropTestSupport
@testable import Backprop

/// The ops that once ran their eager forward inside compiled programs (a new tensor
/// allocated at every run: the comparisons, indexing, scans, product, argmax/argmin,
/// broadcast matmul, slice, pad, permute, broadcast, the max/min reductions, maximum, minimum, power and concatenate) now have program kernels: at the op table's instances, no
/// instruction of theirs runs eagerly, and the buffers they write are the program's own,
/// the same at every run.
@Suite struct TensorProgramKernelCoverageTests {
    static let kinds: [TensorOpKind] = [
        .isLess, .isLessOrEqual, .isGreater, .isGreaterOrEqual, .isEqual, .isNotEqual,
        .cumulativeSum, .cumulativeProduct, .gatherAlongAxis, .scatterAddAlongAxis, .broadcastMatmul,
        .rowLookup, .rowScatter, .selectByMask, .product, .argmax, .argmin, .slice, .pad, .permute,
        .broadcast, .max, .min, .maximum, .minimum, .power, .concatenate,
    ]

    @Test(arguments: kinds)
    func runsAProgramKernelWithoutAllocatingPerRun(kind: TensorOpKind) throws {
        var data = TensorOpTestData(rng: SeededGenerator(seed: 77 &+ UInt64(Self.kinds.firstIndex(of: kind)!)))
        var rng = SeededGenerator(seed: 3)
        for trial in 0..<4 {
            let instance = data.instance(kind)
            guard let probe = applyTensorOp(kind, instance, instance.inputs) else { continue }
            // max/min have a kernel over a contiguous run of axes only (others run eagerly).
            let rank = instance.inputs[0].rank
            let axes = Set(instance.axes.map { $0 < 0 ? $0 + rank : $0 }).sorted()
            if kind == .max || kind == .min, middleOfReduction(axes, instance.inputs[0].shape) == nil { continue }
            let weights = Tensor<Double>(shape: probe.shape, scalars: (0..<probe.count).map { _ in rng.nextNormal() })
            let loss: ([Tensor<Double>]) -> Tensor<Double> = { x in (applyTensorOp(kind, instance, x)! * weights).sum() }
            let program = try TensorProgram(valueAndGradientsOf: loss, at: instance.inputs,
                                            withRespectTo: Array(instance.inputs.indices))
            // The op is in the program (a slice or pad of the whole tensor and the identity
            // permutation record nothing), and
            // no instruction of these kinds runs eagerly.
            #expect(program.instructions.contains { $0.name.hasPrefix(Self.listingPrefix(kind)) }
                        || (kind == .slice || kind == .pad) && probe.shape == instance.inputs[0].shape
                        || kind == .permute && instance.axes == Array(instance.axes.indices),
                    "\(kind) trial \(trial): not in the program\n\(program)")
            let eager = program.instructions.compactMap { $0.eager?.op.kind }.filter { Self.kinds.contains($0) }
            #expect(eager.isEmpty, "\(kind) trial \(trial): \(eager) run eagerly\n\(program)")
            // The slots these ops write keep their buffers from run to run.
            let written = program.instructions.filter { i in
                Self.kinds.contains { i.name.hasPrefix(Self.listingPrefix($0)) }
            }.map(\.operands.out)
            func buffers() -> [ObjectIdentifier] {
                for (i, x) in TensorProgramTests.perturbed(instance.inputs, &rng).enumerated() { program.setInput(x, at: i) }
                program.run()
                return written.map { ObjectIdentifier(program.storages[$0].buffer) }
            }
            let first = buffers()
            #expect(buffers() == first, "\(kind) trial \(trial): new buffers at the second run")
            // The forward kernel gives the eager op's bits, at new inputs.
            let forward = try TensorProgram(inputs: instance.inputs) { x in [applyTensorOp(kind, instance, x)!] }
            let x = TensorProgramTests.perturbed(instance.inputs, &rng)
            #expect(forward(x)[0].scalars == applyTensorOp(kind, instance, x)!.scalars, "\(kind) trial \(trial)\n\(forward)")
        }
    }

    /// The start of the op's name in a listing.
    static func listingPrefix(_ kind: TensorOpKind) -> String {
        switch kind {
        case .isLess, .isLessOrEqual, .isGreater, .isGreaterOrEqual, .isEqual, .isNotEqual: "compare["
        case .gatherAlongAxis: "gather[axis"
        case .scatterAddAlongAxis: "scatterAdd[axis"
        default: kind.rawValue
        }
    }

    @Test("a compiled gather along an axis stops at a bad index with the eager message")
    func compiledGatherChecksItsIndices() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let x = Tensor<Double>(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
            let program = try! TensorProgram(inputs: [x, Tensor(shape: [2], scalars: [0, 2])]) { x in
                [x[0].gathered(atIndices: x[1], alongAxis: 1)]
            }
            _ = program([x, Tensor(shape: [2], scalars: [2, 3])])
        }
        let text = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
        #expect(text.contains("gathered: index 3 at position [1] is out of range for axis 1 of extent 3"), "\(text)")
    }
}
