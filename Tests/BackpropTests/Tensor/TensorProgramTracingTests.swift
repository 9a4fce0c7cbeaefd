import Testing
import Foundation
import Backprop
import BackpropTestSupport

/// Tracing is a mode of its own: reading the values of a traced tensor is an error of the
/// program's construction (never a value frozen at trace time), and custom ops whose
/// backward reads values run eagerly inside the program, on each run's values.
@Suite("TensorProgram: tracing")
struct TensorProgramTracingTests {
    typealias R = ProgramReference

    /// x² with the derivative computed from the values (`scalars`), not tensor ops: the
    /// kind of rule a user writes around a C routine.
    struct SquareByValues: TensorFunction {
        func forward(_ inputs: [Tensor<Double>]) -> Tensor<Double> {
            Tensor(shape: inputs[0].shape, scalars: inputs[0].scalars.map { $0 * $0 })
        }
        func backward(inputs: [Tensor<Double>], output: Tensor<Double>, upstream: Tensor<Double>) -> [Tensor<Double>?] {
            let x = inputs[0].scalars, g = upstream.scalars
            return [Tensor(shape: inputs[0].shape, scalars: zip(x, g).map { 2 * $0 * $1 })]
        }
    }

    /// x·y with one gradient read from values (`subscript`) and one written in tensor ops.
    struct ProductMixed: TensorFunction {
        func forward(_ inputs: [Tensor<Double>]) -> Tensor<Double> { inputs[0] * inputs[1] }
        func backward(inputs: [Tensor<Double>], output: Tensor<Double>, upstream: Tensor<Double>) -> [Tensor<Double>?] {
            let n = inputs[1].count
            let gx = Tensor(shape: inputs[0].shape, scalars: (0..<n).map { inputs[1][$0] * upstream[$0] })
            return [gx, upstream * inputs[0]]
        }
    }

    @Test func customBackwardReadingValuesIsRightAtEveryRun() throws {
        // Σ w ⊙ x²: ∂/∂x = 2 w ⊙ x, ∂/∂w = x². Traced at one point, run at others.
        let f: ([Tensor<Double>]) -> Tensor<Double> = { p in (SquareByValues()(p[0]) * p[1]).sum() }
        let program = try TensorProgram(valueAndGradientsOf: f, at: [Tensor<Double>([0.1, 0.2, 0.3]), Tensor<Double>([1, 1, 1])],
                                        withRespectTo: [0, 1])
        var rng = SeededGenerator(seed: 5)
        for _ in 0..<3 {
            let x = R.random([3], &rng), w = R.random([3], &rng)
            let out = program(x, w)
            let eager = R.eager(f, at: [x, w], withRespectTo: [0, 1])
            #expect(isClose(out[0], eager.value, tolerance: 1e-14))
            #expect(isClose(out[1], eager.gradients[0], tolerance: 1e-14), "∂/∂x frozen? \(out[1]) vs \(eager.gradients[0])")
            #expect(isClose(out[2], eager.gradients[1], tolerance: 1e-14))
            #expect(isClose(out[1].scalars, zip(x.scalars, w.scalars).map { 2 * $0 * $1 }, tolerance: 1e-14))
        }
    }

    @Test func customBackwardReadingSomeValuesIsRightAtEveryRun() throws {
        let f: ([Tensor<Double>]) -> Tensor<Double> = { p in ProductMixed()(p[0], p[1]).tanh().sum() }
        let program = try TensorProgram(valueAndGradientsOf: f, at: [Tensor<Double>([0.1, 0.2]), Tensor<Double>([1, 2])],
                                        withRespectTo: [0, 1])
        var rng = SeededGenerator(seed: 6)
        for _ in 0..<3 {
            let x = R.random([2], &rng), y = R.random([2], &rng)
            let out = program(x, y)
            let eager = R.eager(f, at: [x, y], withRespectTo: [0, 1])
            #expect(isClose(out[1], eager.gradients[0], tolerance: 1e-14))
            #expect(isClose(out[2], eager.gradients[1], tolerance: 1e-14))
        }
    }

    @Test func customBackwardReadingValuesCannotBeDifferentiatedAgainInAProgram() {
        let text = TensorProgramErrorTests.message {
            _ = try TensorProgram(inputs: [Tensor<Double>([1, 2])]) { p in
                let g = gradients(of: SquareByValues()(p[0]).sum(), withRespectTo: [p[0]], createGraph: true)[0]
                return gradients(of: g.sum(), withRespectTo: [p[0]], createGraph: true)
            }
        }
        #expect(text?.contains("SquareByValues") == true, "\(text ?? "nothing thrown")")
        #expect(text?.contains("second") == true || text?.contains("again") == true, "\(text ?? "")")
    }

    /// The four ways to read values, each on a traced value.
    enum Read: String, CaseIterable, Sendable { case scalars, scalar, subscriptGet, description }

    @Test(arguments: Read.allCases)
    func readingATracedValueIsAnError(read: Read) {
        let text = TensorProgramErrorTests.message {
            _ = try TensorProgram(inputs: [Tensor<Double>([1, 2, 3])]) { x in
                let total = x[0].sigmoid().sum(alongAxes: [0], keepingDimensions: true)
                let factor: Double
                switch read {
                case .scalars: factor = total.scalars[0]
                case .scalar: factor = total.scalar
                case .subscriptGet: factor = total[0]
                case .description: factor = Double(total.description.count)
                }
                return [x[0] * Tensor(factor)]
            }
        }
        let name = read == .subscriptGet ? "subscript" : read.rawValue
        #expect(text?.contains(name) == true, "\(read): \(text ?? "nothing thrown")")
        // Where the value came from: the op and the caller's file and line.
        #expect(text?.contains("sum") == true, "\(text ?? "")")
        #expect(text?.contains("TensorProgramTracingTests.swift:") == true, "\(text ?? "")")
        // What to do instead.
        #expect(text?.contains("tensor ops") == true, "\(text ?? "")")
    }

    @Test func readingAnInputOrAConstantWhileTracing() throws {
        // An input is traced: reading it is an error naming the input.
        let text = TensorProgramErrorTests.message {
            _ = try TensorProgram(inputs: [Tensor<Double>([1, 2])]) { x in [x[0] * Tensor(x[0].scalars.max()!)] }
        }
        #expect(text?.contains("input 0") == true, "\(text ?? "nothing thrown")")
        // A constant that depends on no input can be read: it is the same at every run.
        let c = Tensor<Double>([3, 4])
        let program = try TensorProgram(inputs: [Tensor<Double>([1, 2])]) { x in [x[0] * Tensor(c.scalars.max()!)] }
        #expect(program(Tensor<Double>([5, 6]))[0].scalars == [20, 24])
    }

    @Test func customForwardReadingValuesIsRightAtEveryRun() throws {
        // The forward pass of a custom op runs on each run's values (reads are fine there).
        let program = try TensorProgram(inputs: [Tensor<Double>([1, 2])]) { x in [SquareByValues()(x[0])] }
        #expect(program(Tensor<Double>([3, -4]))[0].scalars == [9, 16])
    }

    @Test func randomNumbersDrawnWhileTracingAreAnError() {
        let text = TensorProgramErrorTests.message {
            _ = try TensorProgram(inputs: [Tensor<Double>([1, 2])]) { x in
                var rng = SeededGenerator(seed: 1)
                let mask = Tensor<Double>.randomUniform(shape: [2], using: &rng)
                return [x[0] * mask]
            }
        }
        #expect(text?.contains("random") == true, "\(text ?? "nothing thrown")")
    }
}

extension TensorProgramTracingTests {
    @Test func readingThroughABufferPointerWhileTracingIsAnError() {
        let text = TensorProgramErrorTests.message {
            _ = try TensorProgram(inputs: [Tensor<Double>([1, 2])]) { x in
                let h = x[0].exp()
                let largest = h.withUnsafeBufferPointer { $0.max()! }
                return [h / Tensor(largest)]
            }
        }
        #expect(text?.contains("withUnsafeBufferPointer") == true, "\(text ?? "nothing thrown")")
        #expect(text?.contains("exp") == true, "\(text ?? "")")
    }
}
