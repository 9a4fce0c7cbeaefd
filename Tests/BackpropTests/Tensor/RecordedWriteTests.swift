import Testing
import Backprop
import Foundation

/// Writes into recorded tensors and identity views: the gradients must be those of the
/// function actually computed (issue 11, findings 2 and 7). Expected values are closed
/// forms, cross-checked by central differences of the same function.
@Suite("Writes into recorded tensors and identity views")
struct RecordedWriteTests {
    /// Central differences of `f` at `x`.
    static func numericGradient(_ x: [Double], _ f: (Tensor<Double>) -> Double) -> [Double] {
        let h = 1e-6
        return x.indices.map { i in
            var up = x, down = x
            up[i] += h
            down[i] -= h
            return (f(Tensor(up)) - f(Tensor(down))) / (2 * h)
        }
    }

    static func close(_ a: [Double], _ b: [Double], _ tolerance: Double = 1e-6) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { Swift.abs($0 - $1) <= tolerance }
    }

    @Test("y = 2p; y[0] = 5: ∂Σy/∂p = [0, 2, 2]")
    func elementWrite() {
        let p = Tensor<Double>([1, 2, 3], requiresGradient: true)
        var y = p * 2
        y[0] = 5
        #expect(y.scalars == [5, 4, 6])
        y.sum().backward()
        #expect(p.gradient?.scalars == [0, 2, 2])
        let numeric = Self.numericGradient([1, 2, 3]) { x in
            var y = x * 2
            y[0] = 5
            return y.sum().scalar
        }
        #expect(Self.close(numeric, [0, 2, 2]))
    }

    @Test("z = p ⊙ p; z.scalars = [0, 0, 0]: ∂Σz/∂p = 0")
    func wholeWrite() {
        let p = Tensor<Double>([1, 2, 3], requiresGradient: true)
        var z = p * p
        z.scalars = [0, 0, 0]
        #expect(z.requiresGradient)
        (z.sum() + p.sum()).backward()
        #expect(p.gradient?.scalars == [1, 1, 1])
    }

    @Test("a write into a 2-D result, then more ops")
    func writeThenOps() {
        let p = Tensor<Double>([[1, 2], [3, 4]], requiresGradient: true)
        var y = p.exp()
        y[1, 0] = -1
        let loss = (y * y).sum()
        loss.backward()
        let expected = [1.0, 2, 3, 4].enumerated().map { $0.offset == 2 ? 0 : 2 * Foundation.exp(2 * $0.element) }
        #expect(Self.close(p.gradient!.scalars, expected, 1e-9))
    }

    @Test("writing into a parameter or a constant changes it in place and keeps its identity")
    func parameterWrite() {
        let p = Tensor<Double>([1, 2, 3], requiresGradient: true)
        var q = p
        q[1] = 7
        q.scalars = [4, 5, 6]
        #expect(q.isLeaf && q.requiresGradient)
        (q * 2).sum().backward()
        #expect(p.gradient?.scalars == [2, 2, 2])  // the same parameter
    }

    @Test("a recorded write replays in a compiled program")
    func writeInProgram() throws {
        let program = try TensorProgram<Double>(valueAndGradientsOf: { x in
            var y = x[0] * 2
            y[0] = 5
            return (y * x[0]).sum()
        }, at: [Tensor([1, 2, 3])], withRespectTo: [0])
        program.setInput(Tensor([2, 3, 4]), at: 0)
        program.run()
        // Σ yᵢ·xᵢ with y = [5, 2x₁, 2x₂]: ∂/∂x = [5, 4x₁, 4x₂]
        #expect(program.output(at: 1).scalars == [5, 12, 16])
    }

    enum View: String, CaseIterable, Sendable { case reshape, permute, slice, broadcast, pad }

    @Test("∂L/∂y for an identity view y of x counts y's uses only", arguments: View.allCases)
    func identityView(_ view: View) {
        let x = Tensor<Double>([[1, 2]], requiresGradient: true)
        let y: Tensor<Double> = switch view {
        case .reshape: x.reshaped(to: x.shape)
        case .permute: x.permuted([0, 1])
        case .slice: x.sliced([0..<1, 0..<2])
        case .broadcast: x.broadcasted(to: x.shape)
        case .pad: x.padded(to: x.shape, at: [0, 0])
        }
        let loss = (y * 5).sum() + (x * 3).sum()
        let g = gradients(of: loss, withRespectTo: [y, x])
        #expect(g[0].scalars == [5, 5], "\(view)")
        #expect(g[1].scalars == [8, 8], "\(view)")
    }
}
