import Testing
@testable import Backprop

/// The run loop's steps (`TensorProgram.Step`): plain values, one per instruction, each
/// carrying its instruction's operands and the parameters of its kernel.
@Suite struct TensorProgramStepTests {
    /// A step holds no references: the run loop reads it without reference counting.
    @Test func stepsArePlainValues() {
        #expect(_isPOD(TensorProgram<Float>.Step.self))
        #expect(_isPOD(TensorProgram<Double>.Step.self))
    }

    /// Programs with products (fused or not), elementwise maps, broadcasts, sums,
    /// softmax and image patches.
    static func programs() throws -> [TensorProgram<Float>] {
        var rng = SeededGenerator(seed: 7)
        func random(_ shape: [Int]) -> Tensor<Float> {
            Tensor(shape: shape, scalars: (0..<shape.reduce(1, *)).map { _ in Float(rng.nextNormal()) })
        }
        let mlp = try TensorProgram(valueAndGradientsOf: TensorProgramFusionTests.loss(.tanh),
                                    at: TensorProgramFusionTests.inputs(m: 4, 3, 5, 2, seed: 3), withRespectTo: Array(0..<7))
        let softmax = try TensorProgram(valueAndGradientsOf: { p in
            (p[0].matmul(p[1]).logSoftmax(alongAxis: 1) * p[2]).mean() + (p[0] * 2).exp().sum()
        }, at: [random([3, 4]), random([4, 5]), random([3, 5])], withRespectTo: [0, 1])
        let patches = try TensorProgram(inputs: [random([1, 2, 4, 4])]) { x in
            [x[0].unfolded(kernelSize: 2, stride: 1, padding: 0).sigmoid()]
        }
        return [mlp, softmax, patches]
    }

    @Test func eachStepCarriesItsInstruction() throws {
        typealias Program = TensorProgram<Float>
        var codes: Set<UInt8> = []
        for program in try Self.programs() {
            for (i, instruction) in program.instructions.enumerated() {
                let step = program.steps[i], o = instruction.operands
                #expect(step.instruction == i)
                #expect([step.a, step.b, step.c, step.out] == [o.a, o.b, o.c, o.out])
                #expect([step.aCount, step.bCount, step.outCount] == [o.aCount, o.bCount, o.outCount])
                #expect(step.runsBesideNext == instruction.runsBesideNext)
                codes.insert(step.code.rawValue)
                switch instruction.kernel {
                case .map(let f, let p0, let p1):
                    #expect(step.code == .map && step.elementwise == f && step.p0 == p0 && step.p1 == p1)
                case .combine(let f):
                    #expect(step.code == .combine && step.binary == f)
                case .combineExpanded(let f, let inner, let onRight):
                    #expect(step.code == .combineExpanded && step.binary == f && step.n == inner && step.flag == onRight)
                case .matmul(let tA, let tB, let batch, let m, let n, let k):
                    #expect(step.code == .matmul && [step.transA, step.transB] == [tA, tB])
                    #expect([step.batch, step.m, step.n, step.k] == [batch, m, n, k])
                case .linear(let m, let n, let k, let bias):
                    #expect(step.code == .linear && [step.m, step.n, step.k] == [m, n, k] && step.flag == bias)
                case .linearActivation(let m, let n, let k, let bias, let f, let p0, let p1):
                    #expect(step.code == .linearActivation && [step.m, step.n, step.k] == [m, n, k] && step.flag == bias)
                    #expect(step.elementwise == f && step.p0 == p0 && step.p1 == p1)
                case .matmulDerivative(let tA, let tB, let m, let n, let k, let derivative, let threshold):
                    #expect(step.code == .matmulDerivative && [step.transA, step.transB] == [tA, tB])
                    #expect([step.m, step.n, step.k] == [m, n, k] && step.derivative == derivative && step.p0 == threshold)
                case .multiplyDerivative(let derivative, let threshold):
                    #expect(step.code == .multiplyDerivative && step.derivative == derivative && step.p0 == threshold)
                case .reduceMiddle(let outer, let count, let inner, let scale):
                    #expect(step.code == .reduceMiddle && [step.m, step.k, step.n] == [outer, count, inner] && step.p0 == scale)
                case .fill:
                    #expect(step.code == .fill)
                case .repeatBlock:
                    #expect(step.code == .repeatBlock)
                case .softmax(let f, let outer, let count, let inner):
                    #expect(step.code == .softmax && step.softmax == f && [step.m, step.k, step.n] == [outer, count, inner])
                case .eager, .patches, .compare, .concatenate, .combineStrided, .extremumOfTwo, .selectByMask, .scan, .product, .extremum, .argExtremum, .alongAxis, .rows,
                     .broadcastMatmul, .slice, .pad:
                    #expect(step.code == .general)
                }
            }
        }
        // The programs reach the products, maps, broadcasts, sums, softmax and the general path.
        for code: Program.Step.Code in [.general, .map, .combine, .matmul, .reduceMiddle, .softmax] {
            #expect(codes.contains(code.rawValue), "no step with code \(code)")
        }
    }
}
