import Testing
import Backprop
import BackpropTestSupport

/// The function transformations (`grad`, `valueAndGrad`, `vjp`, `jvp`, `jacobian`,
/// `hessian`, `hvp`) against closed forms and central finite differences, in Double.
@Suite("Functional transformations")
struct FunctionalTests {
    typealias T = Tensor<Double>

    static var a: T { T([[1, 2, 0.5], [-3, 4, 1], [0.25, -1, 2]]) }
    static var x: T { T([0.3, -0.7, 1.1]) }

    /// A nonlinear scalar function with no special structure.
    static func scalarFunction(_ x: T) -> T {
        (a.matmul(x.reshaped(to: [3, 1])).reshaped(to: [3]).tanh() * x).sum() + (x * x * x).sum().sin()
    }

    /// A nonlinear vector function [3] → [2].
    static func vectorFunction(_ x: T) -> T {
        (a.sliced([0..<2, 0..<3]).matmul(x.reshaped(to: [3, 1])).reshaped(to: [2]).sigmoid() * x.sliced([0..<2])).exp()
    }

    /// Central differences of every output element with respect to every input element:
    /// shape f(x).shape + x.shape.
    static func numericJacobian(_ f: (T) -> T, at x: T, h: Double = 1e-6) -> T {
        let y = f(x)
        var columns: [[Double]] = []
        for j in 0..<x.count {
            var plus = x.scalars, minus = x.scalars
            plus[j] += h
            minus[j] -= h
            let d = zip(f(T(shape: x.shape, scalars: plus)).scalars, f(T(shape: x.shape, scalars: minus)).scalars)
                .map { ($0 - $1) / (2 * h) }
            columns.append(d)
        }
        var values: [Double] = []
        for i in 0..<y.count { for j in 0..<x.count { values.append(columns[j][i]) } }
        return T(shape: y.shape + x.shape, scalars: values)
    }

    /// The closed form of the matrix product u·M for a vector u.
    static func rowTimes(_ u: [Double], _ m: T) -> [Double] {
        (0..<m.shape[1]).map { j in (0..<m.shape[0]).reduce(0) { $0 + u[$1] * m[$1, j] } }
    }

    // MARK: closed forms

    @Test func gradientOfSumOfSquaresIsTwiceX() {
        let (value, gradient) = valueAndGrad { (x: T) in (x * x).sum() }(Self.x)
        #expect(isClose(value.scalar, 0.09 + 0.49 + 1.21, tolerance: 1e-14))
        #expect(isClose(gradient, Self.x * 2, tolerance: 1e-14), "\(gradient)")
        #expect(!gradient.requiresGradient, "an eager gradient is a constant")
    }

    @Test func hessianOfQuadraticFormIsASumOfAAndItsTranspose() {
        let h = hessian({ x in (x * Self.a.matmul(x.reshaped(to: [3, 1])).reshaped(to: [3])).sum() }, at: Self.x)
        #expect(h.shape == [3, 3])
        #expect(isClose(h, Self.a + Self.a.transposed(), tolerance: 1e-12), "\(h)")
    }

    @Test func jacobianOfSoftmaxIsDiagonalMinusOuterProduct() {
        let j = jacobian({ $0.softmax() }, at: Self.x)
        let s = Self.x.softmax().scalars
        let expected = T(shape: [3, 3], scalars: (0..<9).map { k in
            let (r, c) = (k / 3, k % 3)
            return (r == c ? s[r] : 0) - s[r] * s[c]
        })
        #expect(isClose(j, expected, tolerance: 1e-14), "\(j)")
    }

    @Test func jvpOfTanhIsOneMinusTanhSquaredTimesTangent() {
        let v = T([1, -2, 0.5])
        let (y, dy) = jvp({ $0.tanh() }, at: Self.x, tangent: v)
        let t = Self.x.scalars.map { Foundation_tanh($0) }
        #expect(isClose(y.scalars, t, tolerance: 1e-14))
        #expect(isClose(dy.scalars, zip(t, v.scalars).map { (1 - $0 * $0) * $1 }, tolerance: 1e-14), "\(dy)")
    }

    @Test func vjpOfALinearMapIsUTimesTheMatrix() {
        let u = T([0.5, -1, 2])
        let (y, pullback) = vjp({ Self.a.matmul($0.reshaped(to: [3, 1])).reshaped(to: [3]) }, at: Self.x)
        #expect(y.shape == [3])
        #expect(isClose(pullback(u).scalars, Self.rowTimes(u.scalars, Self.a), tolerance: 1e-14))
        // The pullback can be called again, with another cotangent.
        #expect(isClose(pullback(T([1, 0, 0])).scalars, Self.a.scalars.prefix(3).map { $0 }, tolerance: 1e-14))
    }

    @Test func hvpOfLogSumExpIsSoftmaxCovarianceTimesV() {
        let v = T([1, 2, -1])
        let hv = hvp({ $0.logSumExp(alongAxis: 0).sum() }, at: Self.x, v: v)
        let s = Self.x.softmax().scalars
        let sv = zip(s, v.scalars).reduce(0) { $0 + $1.0 * $1.1 }
        #expect(isClose(hv.scalars, zip(s, v.scalars).map { $0 * $1 - $0 * sv }, tolerance: 1e-14), "\(hv)")
    }

    @Test func secondDerivativeByNestingGrad() {
        // f(x) = x³: f″(x) = 6x, f‴(x) = 6.
        let f = { (x: T) in x * x * x }
        let x = T(1.5)
        #expect(isClose(grad(grad(f))(x).scalar, 9, tolerance: 1e-14))
        #expect(isClose(grad(grad(grad(f)))(x).scalar, 6, tolerance: 1e-14))
    }

    @Test func nestedGradientsDoNotConfuseTheirVariables() {
        // d/dx [x · (∂/∂y (x·y))|_{y=x}] = d/dx x² = 2x; mixing the two variables up gives 4x.
        let outer = grad { (x: T) in x * grad { (y: T) in x * y }(x) }
        #expect(isClose(outer(T(3)).scalar, 6, tolerance: 1e-14))
    }

    @Test func aFunctionThatIgnoresItsInputHasZeroDerivatives() {
        let constant = { (_: T) in T([1, 2]) }
        #expect(grad { (x: T) in T(4) }(Self.x).scalars == [0, 0, 0])
        let j = jacobian(constant, at: Self.x)
        #expect(j.shape == [2, 3] && j.scalars == [Double](repeating: 0, count: 6))
        #expect(jvp(constant, at: Self.x, tangent: Self.x).tangent.scalars == [0, 0])
        #expect(vjp(constant, at: Self.x).pullback(T([1, 1])).scalars == [0, 0, 0])
    }

    @Test func shapesFollowTheInputAndOutput() {
        let m = T([[1, 2], [3, 4]])
        #expect(jacobian({ $0 * 2 }, at: m).shape == [2, 2, 2, 2])
        #expect(hessian({ ($0 * $0).sum() }, at: m).shape == [2, 2, 2, 2])
        let j = jacobian({ $0.sum() }, at: m)
        #expect(j.shape == [2, 2] && j.scalars == [1, 1, 1, 1])
        #expect(jacobian({ $0 * 3 }, at: T(2)).shape == [])
    }

    @Test func transformationsCompileIntoAProgram() throws {
        // Traced once, replayed at another point: the derivatives must be recomputed.
        let program = try TensorProgram(inputs: [Self.x]) { x in
            [grad(Self.scalarFunction)(x[0]), hessian(Self.scalarFunction, at: x[0]),
             jvp(Self.vectorFunction, at: x[0], tangent: T([1, 0, 0])).tangent]
        }
        let other = T([-0.4, 0.9, 0.2])
        let out = program(other)
        #expect(isClose(out[0], grad(Self.scalarFunction)(other), tolerance: 1e-12), "\(out[0])")
        #expect(isClose(out[1], hessian(Self.scalarFunction, at: other), tolerance: 1e-12), "\(out[1])")
        let column = jacobian(Self.vectorFunction, at: other).sliced([0..<2, 0..<1]).reshaped(to: [2])
        #expect(isClose(out[2], column, tolerance: 1e-12), "\(out[2])")
    }

    @Test func gradientsOfAFunctionOfSeveralTensors() {
        // f(W, b) = Σ tanh(W·x + b):  ∂f/∂b = 1 − tanh², ∂f/∂W = (1 − tanh²)·xᵀ.
        let w = T([[0.5, -1, 2], [1, 0.25, -0.5]]), b = T([0.1, -0.2])
        let (value, g) = valueAndGrad(of: { p in (p[0].matmul(Self.x.reshaped(to: [3, 1])).reshaped(to: [2]) + p[1]).tanh().sum() },
                                      at: [w, b])
        let z = (0..<2).map { i in (0..<3).reduce(b[i]) { $0 + w[i, $1] * Self.x[$1] } }
        let d = z.map { 1 - Foundation_tanh($0) * Foundation_tanh($0) }
        #expect(isClose(value.scalar, z.map(Foundation_tanh).reduce(0, +), tolerance: 1e-14))
        #expect(g.count == 2 && g[0].shape == [2, 3] && g[1].shape == [2])
        #expect(isClose(g[1].scalars, d, tolerance: 1e-14), "\(g[1])")
        #expect(isClose(g[0].scalars, (0..<6).map { d[$0 / 3] * Self.x[$0 % 3] }, tolerance: 1e-14), "\(g[0])")
        // An input the function ignores gets zeros.
        let (_, h) = valueAndGrad(of: { p in (p[0] * p[0]).sum() }, at: [Self.x, w])
        #expect(isClose(h[0], Self.x * 2, tolerance: 1e-14) && h[1].scalars == [Double](repeating: 0, count: 6))
    }

    // MARK: finite differences

    @Test func gradientAgreesWithFiniteDifferences() {
        let g = grad(Self.scalarFunction)(Self.x)
        let numeric = Self.numericJacobian(Self.scalarFunction, at: Self.x)
        #expect(isClose(g.scalars, numeric.scalars, tolerance: 1e-8), "\(g) vs \(numeric)")
    }

    @Test func jacobianAgreesWithFiniteDifferences() {
        let j = jacobian(Self.vectorFunction, at: Self.x)
        let numeric = Self.numericJacobian(Self.vectorFunction, at: Self.x)
        #expect(j.shape == [2, 3])
        #expect(isClose(j.scalars, numeric.scalars, tolerance: 1e-8), "\(j) vs \(numeric)")
    }

    @Test func jvpAndVjpAgreeWithTheFiniteDifferenceJacobian() {
        let numeric = Self.numericJacobian(Self.vectorFunction, at: Self.x)
        let v = T([0.2, -1, 0.7]), u = T([1.5, -0.5])
        let jv = jvp(Self.vectorFunction, at: Self.x, tangent: v).tangent
        let expectedJV = (0..<2).map { i in (0..<3).reduce(0) { $0 + numeric[i, $1] * v[$1] } }
        #expect(isClose(jv.scalars, expectedJV, tolerance: 1e-8), "\(jv)")
        let uj = vjp(Self.vectorFunction, at: Self.x).pullback(u)
        #expect(isClose(uj.scalars, Self.rowTimes(u.scalars, numeric), tolerance: 1e-8), "\(uj)")
    }

    @Test func hessianAndHvpAgreeWithFiniteDifferencesOfTheGradient() {
        let gradient = grad(Self.scalarFunction)
        let numeric = Self.numericJacobian(gradient, at: Self.x, h: 1e-5)
        let h = hessian(Self.scalarFunction, at: Self.x)
        #expect(isClose(h.scalars, numeric.scalars, tolerance: 1e-7), "\(h) vs \(numeric)")
        #expect(isClose(h, h.transposed(), tolerance: 1e-12), "a Hessian is symmetric")
        let v = T([1, 0.5, -2])
        let hv = hvp(Self.scalarFunction, at: Self.x, v: v)
        #expect(isClose(hv.scalars, Self.rowTimes(v.scalars, numeric), tolerance: 1e-7), "\(hv)")
    }

    @Test func worksOnFloat() {
        let x = Tensor<Float>([0.5, -1])
        let j = jacobian({ $0.tanh() }, at: x)
        let t = x.scalars.map { Foundation_tanhf($0) }
        #expect(isClose(j.scalars, [1 - t[0] * t[0], 0, 0, 1 - t[1] * t[1]], tolerance: 1e-6), "\(j)")
    }

    // MARK: the scalar engine

    @Test func scalarValueGradients() {
        let (y, dy) = valueAndGrad { (x: Value) in x * x.sin() }(2)
        #expect(isClose(y, 2 * Foundation_sin(2), tolerance: 1e-15))
        #expect(isClose(dy, Foundation_sin(2) + 2 * Foundation_cos(2), tolerance: 1e-15))
        #expect(grad { (x: Value) in x.tanh() }(0) == 1)
        #expect(grad { (x: Value) in x }(5) == 1)
        let (z, g) = valueAndGrad { (v: [Value]) in v[0] * v[1] + v[1] }([2, 3])
        #expect(z == 9 && g == [3, 3])
        #expect(grad { (v: [Value]) in v[0] * 2 }([1, 7]) == [2, 0])
    }
}
