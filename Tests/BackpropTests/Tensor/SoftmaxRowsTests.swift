import Testing

@testable import Backprop

/// Softmax, log-softmax and log-sum-exp over contiguous rows take their exponentials for
/// all rows in one C call (`TensorKernels.softmaxRows`): every row is bit for bit what it
/// is computed alone, including rows with ±∞ and NaN.
struct SoftmaxRowsTests {
    @Test(arguments: [SoftmaxFunction.softmax, .logSoftmax, .logSumExp])
    func rowsTogetherEqualRowsAlone(_ function: SoftmaxFunction) {
        func check<T: TensorScalar>(_: T.Type) {
            let outer = 37, count = 10
            var x = (0..<(outer * count)).map { T(Double(($0 * 7919) % 1009) / 37 - 13) }
            x[3 * count + 4] = .infinity
            x[5 * count + 1] = -.infinity
            for k in 0..<count { x[6 * count + k] = -.infinity }
            x[8 * count + 9] = .nan
            let width = function == .logSumExp ? 1 : count
            var together = [T](repeating: 0, count: outer * width)
            x.withUnsafeBufferPointer { xs in
                together.withUnsafeMutableBufferPointer {
                    TensorKernels.softmax(function, xs, outer: outer, count: count, inner: 1, $0)
                }
            }
            for o in 0..<outer {
                var alone = [T](repeating: 0, count: width)
                x.withUnsafeBufferPointer { xs in
                    alone.withUnsafeMutableBufferPointer {
                        TensorKernels.softmax(function, UnsafeBufferPointer(rebasing: xs[(o * count)..<((o + 1) * count)]),
                                              outer: 1, count: count, inner: 1, $0)
                    }
                }
                let row = Array(together[(o * width)..<((o + 1) * width)])
                #expect(zip(row, alone).allSatisfy { $0 == $1 || ($0.isNaN && $1.isNaN) }, "row \(o)")
                #expect(zip(row, alone).allSatisfy { ($0 == 0 && $1 == 0) ? $0.sign == $1.sign : true }, "row \(o)")
            }
        }
        check(Float.self)
        check(Double.self)
    }
}
