import Testing
import Backprop

/// Shape errors stop the process with `fatalError`; exit tests run each case in a
/// child process and check the message (and the caller's file) on stderr.
@Suite("Tensor: error messages")
struct TensorErrorTests {
    static func stderr(_ result: ExitTest.Result?) -> String {
        String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
    }

    @Test func matmulInnerDimensionMismatch() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor<Double>.zeros(shape: [2, 3]).matmul(Tensor<Double>.zeros(shape: [4, 5]))
        }
        let text = Self.stderr(result)
        #expect(text.contains("matmul: [2, 3] × [4, 5]: inner dimensions 3 and 4 differ"), "\(text)")
        #expect(text.contains("TensorErrorTests.swift"), "the caller's file is named: \(text)")
    }

    @Test func linearShapeMismatches() async {
        let features = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor<Double>.zeros(shape: [4, 3]).linear(weight: Tensor<Double>.zeros(shape: [2, 5]))
        }
        let text = Self.stderr(features)
        #expect(text.contains("linear: input [4, 3] has 3 features, weight [2, 5] expects 5 ([out, in])"), "\(text)")
        #expect(text.contains("TensorErrorTests.swift"), "\(text)")
        let bias = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor<Double>.zeros(shape: [4, 3]).linear(weight: Tensor<Double>.zeros(shape: [2, 3]),
                                                          bias: Tensor<Double>.zeros(shape: [3]))
        }
        #expect(Self.stderr(bias).contains("linear: bias has shape [3], expected [2] for weight [2, 3]"))
    }

    @Test func broadcastingMismatch() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor<Double>.zeros(shape: [2, 3]).adding(Tensor<Double>.zeros(shape: [4]))
        }
        let text = Self.stderr(result)
        #expect(text.contains("add: shapes [2, 3] and [4] do not broadcast: axis -1 has extents 3 and 4"), "\(text)")
        #expect(text.contains("TensorErrorTests.swift"), "\(text)")
    }

    @Test func broadcastingMismatchThroughAnOperator() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor<Float>.ones(shape: [3, 2]) * Tensor<Float>.ones(shape: [2, 3])
        }
        #expect(Self.stderr(result).contains("multiply: shapes [3, 2] and [2, 3] do not broadcast"))
    }

    @Test func reshapeCountMismatch() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor<Double>.zeros(shape: [2, 3]).reshaped(to: [4, 2])
        }
        let text = Self.stderr(result)
        #expect(text.contains("reshape: cannot reshape [2, 3] (6 elements) to [4, 2] (8 elements)"), "\(text)")
        #expect(text.contains("TensorErrorTests.swift"), "\(text)")
    }

    @Test func backwardOnNonScalarWithoutUpstream() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let x = Tensor<Double>([1, 2], requiresGradient: true)
            (x * x).backward()
        }
        let text = Self.stderr(result)
        #expect(text.contains("backward: the tensor has shape [2] (2 elements), not a single element"), "\(text)")
        #expect(text.contains("backward(upstream:)"), "\(text)")
    }

    @Test func backwardOnAConstant() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            Tensor<Double>([1, 2]).sum().backward()
        }
        #expect(Self.stderr(result).contains("backward: the tensor does not require gradients"))
    }

    @Test func badAxisAndBadLiteral() async {
        let axis = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor<Double>.zeros(shape: [2, 3]).sum(alongAxes: [2])
        }
        #expect(Self.stderr(axis).contains("sum: axis 2 is out of range for shape [2, 3] (rank 2)"))
        let ragged = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let _: Tensor<Double> = [[1, 2], [3]]
        }
        #expect(Self.stderr(ragged).contains("not rectangular"))
    }
}
