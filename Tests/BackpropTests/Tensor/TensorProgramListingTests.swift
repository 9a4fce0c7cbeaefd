import Testing
@testable import Backprop

/// What a compiled program contains: its listing, its eager fallbacks, dead ops dropped,
/// common subexpressions merged and buffers shared, checked against hand counts.
@Suite struct TensorProgramListingTests {
    @Test func listingNamesOpsArgumentsAndShapes() throws {
        let program = try TensorProgram(inputs: [Tensor<Double>.zeros(shape: [2, 3]), .zeros(shape: [4, 3])]) { x in
            [x[0].matmul(x[1], transposingOther: true).sigmoid().sum() * 0.5]
        }
        let lines = program.description.split(separator: "\n").map(String.init)
        #expect(lines == [
            "program(in0: [2, 3], in1: [4, 3])",
            "  %2 = matmul[A·Bᵀ](in0, in1) → [2, 4]",
            "  %3 = sigmoid(%2) → [2, 4]",
            "  %4 = sum[axes [0, 1]](%3) → []",
            "  %6 = multiply(%4, 0.5) → []",
            "  return %6",
        ], "\(program)")
        #expect(program.instructionCount == 4 && program.fallbackCount == 0)
    }

    @Test func opsWithoutAKernelRunEagerlyAndAreMarked() throws {
        let program = try TensorProgram(inputs: [Tensor<Double>([[1, 2, 3], [4, 5, 6]])]) { x in
            [x[0].selectingRows([1, 0, 1]).tanh()]
        }
        #expect(program.fallbackCount == 1)
        #expect(program.description.split(separator: "\n").contains { $0.contains("selectRows") && $0.contains("(in0) → [3, 3]  (eager)") },
                "\(program)")
        let out = program(Tensor<Double>([[0.5, -1, 2], [0, 1, -2]]))[0]
        // (The tanh kernel is within about 1 ulp of the C library's.)
        #expect(zip(out.scalars, [0, 1, -2, 0.5, -1, 2, 0, 1, -2].map { Foundation.tanh($0) }).allSatisfy { Swift.abs($0 - $1) < 1e-15 })
    }

    /// A concatenation lists every input (any number) and runs its kernel.
    @Test func concatenationListsAllItsInputs() throws {
        let program = try TensorProgram(inputs: [Tensor<Double>([[1, 2], [3, 4]]), Tensor<Double>([[5], [6]])]) { x in
            [Tensor.concatenated([x[0], x[1], x[0], x[1]], alongAxis: 1)]
        }
        #expect(program.fallbackCount == 0)
        #expect(program.description.split(separator: "\n").contains { $0.contains("concatenate") && $0.hasSuffix("(in0, in1, in0, in1) → [2, 6]") },
                "\(program)")
        let out = program(Tensor<Double>([[-1, -2], [-3, -4]]), Tensor<Double>([[7], [8]]))[0]
        #expect(out.scalars == [-1, -2, 7, -1, -2, 7, -3, -4, 8, -3, -4, 8])
    }

    /// ∂/∂W of Σ σ(x·Wᵀ) only: the gradient with respect to x (a matmul) is never run, and
    /// the two equal products of x ⊙ x's backward pass are one instruction.
    @Test func deadOpsAreDroppedAndRepeatsMerged() throws {
        let f: ([Tensor<Double>]) -> Tensor<Double> = { p in p[0].linear(weight: p[1]).sigmoid().sum() }
        let program = try TensorProgram(valueAndGradientsOf: f, at: [.zeros(shape: [1, 2]), .zeros(shape: [3, 2])],
                                        withRespectTo: [1])
        let matmuls = program.description.split(separator: "\n").filter { $0.contains("matmul") }
        #expect(matmuls.count == 1, "only ∂/∂W = Ḡᵀx: \(program)")
        let square = try TensorProgram<Double>(valueAndGradientsOf: { p in (p[0] * p[0]).sum() }, at: [.zeros(shape: [3])],
                                       withRespectTo: [0])
        // x ⊙ x, its sum, then ḡ ⊙ x once and the sum of the two equal terms.
        #expect(square.description.split(separator: "\n").filter { $0.contains(" = multiply(") }.count == 2, "\(square)")
        #expect(square(Tensor<Double>([1, -2, 3]))[1].scalars == [2, -4, 6])
    }

    /// The same op on the same input is one instruction; the same op with other
    /// parameters (slope, threshold sign, reduced axes, transposes) is another, with its
    /// own result: a merge keyed on the op's kind alone, or on scalars compared with
    /// `==` (0 == −0), would return the first result for both.
    @Test func repeatsMergeOnlyWhenTheParametersAreEqual() throws {
        let program = try TensorProgram(inputs: [Tensor<Double>.zeros(shape: [2, 2])]) { x in
            let v = x[0]
            return [v.tanh(), v.tanh(), v.leakyRelu(alpha: 0.1), v.leakyRelu(alpha: 0.2),
                    v.leakyRelu(alpha: 0), v.leakyRelu(alpha: -0.0),
                    v.sum(alongAxes: [0]), v.sum(alongAxes: [1]),
                    v.matmul(v, transposingSelf: true), v.matmul(v, transposingOther: true)]
        }
        #expect(program.instructionCount == 9, "\(program)")
        let x = Tensor<Double>([[1, -2], [-3, 4]])
        let out = program(x)
        #expect(out[0].scalars == out[1].scalars)
        let slopes: [Double] = [0.1, 0.2]
        for (k, alpha) in slopes.enumerated() {
            let expected: [Double] = [1, alpha * -2, alpha * -3, 4]
            #expect(out[2 + k].scalars == expected)
        }
        // x·0 and x·(−0) for negative x: −0 and +0.
        #expect(out[4].scalars.map { $0.sign } == [.plus, .minus, .minus, .plus])
        #expect(out[5].scalars.map { $0.sign } == [.plus, .plus, .plus, .plus])
        #expect(out[6].scalars == [-2, 2])
        #expect(out[7].scalars == [-1, 1])
        #expect(out[8].scalars == [10, -14, -14, 20])   // xᵀx
        #expect(out[9].scalars == [5, -11, -11, 25])    // x·xᵀ
    }

    /// A chain y = tanh(tanh(tanh(tanh(x)))) needs at most two result buffers alive at a
    /// time, so its four intermediate results share: fewer bytes than one buffer each.
    @Test func resultsWithDisjointLifetimesShareBuffers() throws {
        let n = 1000
        let program = try TensorProgram(inputs: [Tensor<Double>.zeros(shape: [n])]) { x in
            [x[0].tanh().tanh().tanh().tanh().sum()]
        }
        #expect(program.instructionCount == 5)
        let perResult = n * MemoryLayout<Double>.stride
        #expect(program.bufferBytes < 4 * perResult, "\(program.bufferBytes) bytes")
        #expect(program.bufferBytes >= 2 * perResult)
        let x = Tensor<Double>((0..<n).map { Double($0) / 500 - 1 })
        let expected = x.scalars.map { Foundation.tanh(Foundation.tanh(Foundation.tanh(Foundation.tanh($0)))) }.reduce(0, +)
        #expect(Swift.abs(program(x)[0].scalar - expected) < 1e-9)
    }
}

import Foundation
