import CBackpropKernels
import Foundation
import Testing

@testable import Backprop

/// One function of the elementwise table with its spellings on both engines.
struct ElementwiseCase: CustomStringConvertible, Sendable {
    let function: ElementwiseFunction
    /// The parameters the spellings below pass (α, threshold, bounds; 0 when unused).
    var p0 = 0.0, p1 = 0.0
    /// Points where the function or its derivative jumps (checked with their neighbours).
    var thresholds: [Double] = []
    /// An independent reference for the value at ordinary points (the C library).
    let reference: @Sendable (Double) -> Double
    let scalar: @Sendable (Value) -> Value
    let tensor: @Sendable (Tensor<Double>) -> Tensor<Double>
    let tensorFloat: @Sendable (Tensor<Float>) -> Tensor<Float>

    var description: String { function.name }
}

/// Every function shared by `Value` and `Tensor` at edge values, through every path: the
/// table itself, the scalar engine, the eager tensor kernels (C kernels portable and
/// automatic), the fused backward loop, the recorded (createGraph) rule, and a compiled
/// `TensorProgram`. Values and derivatives must be identical (NaN matches NaN; zeros are
/// compared with their sign) except for the vectorised C kernels, held to a few ulps.
@Suite struct ElementwiseConformanceTests {
    /// The table: one entry per shared function. Adding an op adds one entry here.
    static let table: [ElementwiseCase] = [
        ElementwiseCase(function: .negate, reference: { -$0 }, scalar: { -$0 }, tensor: { -$0 }, tensorFloat: { -$0 }),
        ElementwiseCase(function: .exp, reference: { Foundation.exp($0) },
                        scalar: { $0.exp() }, tensor: { $0.exp() }, tensorFloat: { $0.exp() }),
        ElementwiseCase(function: .log, thresholds: [0], reference: { Foundation.log($0) },
                        scalar: { $0.log() }, tensor: { $0.log() }, tensorFloat: { $0.log() }),
        ElementwiseCase(function: .squareRoot, thresholds: [0], reference: { Foundation.sqrt($0) },
                        scalar: { $0.squareRoot() }, tensor: { $0.squareRoot() }, tensorFloat: { $0.squareRoot() }),
        ElementwiseCase(function: .abs, thresholds: [0], reference: { Swift.abs($0) },
                        scalar: { $0.abs() }, tensor: { $0.abs() }, tensorFloat: { $0.abs() }),
        ElementwiseCase(function: .sin, reference: { Foundation.sin($0) },
                        scalar: { $0.sin() }, tensor: { $0.sin() }, tensorFloat: { $0.sin() }),
        ElementwiseCase(function: .cos, reference: { Foundation.cos($0) },
                        scalar: { $0.cos() }, tensor: { $0.cos() }, tensorFloat: { $0.cos() }),
        ElementwiseCase(function: .tanh, reference: { Foundation.tanh($0) },
                        scalar: { $0.tanh() }, tensor: { $0.tanh() }, tensorFloat: { $0.tanh() }),
        ElementwiseCase(function: .sigmoid, reference: { 1 / (1 + Foundation.exp(-$0)) },
                        scalar: { $0.sigmoid() }, tensor: { $0.sigmoid() }, tensorFloat: { $0.sigmoid() }),
        ElementwiseCase(function: .relu, thresholds: [0], reference: { Swift.max($0, 0) },
                        scalar: { $0.relu() }, tensor: { $0.relu() }, tensorFloat: { $0.relu() }),
        ElementwiseCase(function: .leakyRelu, p0: 0.125, thresholds: [0],
                        reference: { $0 > 0 ? $0 : 0.125 * $0 },
                        scalar: { $0.leakyRelu(slope: 0.125) }, tensor: { $0.leakyRelu(alpha: 0.125) },
                        tensorFloat: { $0.leakyRelu(alpha: 0.125) }),
        ElementwiseCase(function: .step, p0: 0.5, thresholds: [0.5], reference: { $0 > 0.5 ? 1 : 0 },
                        scalar: { $0.step(threshold: 0.5) }, tensor: { $0.step(threshold: 0.5) },
                        tensorFloat: { $0.step(threshold: 0.5) }),
        ElementwiseCase(function: .softplus, reference: { Foundation.log1p(Foundation.exp($0)) },
                        scalar: { $0.softplus() }, tensor: { $0.softplus() }, tensorFloat: { $0.softplus() }),
        ElementwiseCase(function: .tan, reference: { Foundation.tan($0) },
                        scalar: { $0.tan() }, tensor: { $0.tan() }, tensorFloat: { $0.tan() }),
        ElementwiseCase(function: .atan, reference: { Foundation.atan($0) },
                        scalar: { $0.atan() }, tensor: { $0.atan() }, tensorFloat: { $0.atan() }),
        ElementwiseCase(function: .log1p, thresholds: [-1], reference: { Foundation.log1p($0) },
                        scalar: { $0.log1p() }, tensor: { $0.log1p() }, tensorFloat: { $0.log1p() }),
        ElementwiseCase(function: .expm1, reference: { Foundation.expm1($0) },
                        scalar: { $0.expm1() }, tensor: { $0.expm1() }, tensorFloat: { $0.expm1() }),
        ElementwiseCase(function: .erf, reference: { Foundation.erf($0) },
                        scalar: { $0.erf() }, tensor: { $0.erf() }, tensorFloat: { $0.erf() }),
        ElementwiseCase(function: .erfc, reference: { Foundation.erfc($0) },
                        scalar: { $0.erfc() }, tensor: { $0.erfc() }, tensorFloat: { $0.erfc() }),
        // GELU: x·Φ(x) with Φ = ½erfc(−x/√2); its derivative is checked by finite differences.
        ElementwiseCase(function: .gelu, reference: { $0 * Foundation.erfc(-$0 * 0.7071067811865476) / 2 },
                        scalar: { $0.gelu() }, tensor: { $0.gelu() }, tensorFloat: { $0.gelu() }),
    ]

    /// ±0, NaN, ±∞, subnormals, the extremes, ordinary values.
    static let edgeValues: [Double] = [
        0, -0.0, .nan, .infinity, -.infinity, .leastNonzeroMagnitude, -.leastNonzeroMagnitude,
        .leastNormalMagnitude / 4, -.leastNormalMagnitude / 4, .leastNormalMagnitude,
        .greatestFiniteMagnitude, -.greatestFiniteMagnitude, 1e-8, -1e-8, 0.3, -0.7, 1, -1, 2.5, -3.25, 20, -20,
        40, -40, 710, -745, 1000, -1000,
    ]

    /// The edge values, then each threshold with its neighbours.
    static func points(_ c: ElementwiseCase) -> [Double] {
        edgeValues + c.thresholds.flatMap { [$0, $0.nextUp, $0.nextDown, $0 + 1e-3, $0 - 1e-3] }
    }

    /// Equal, NaN matching NaN, zeros compared with their sign.
    static func identical<T: FloatingPoint>(_ a: T, _ b: T) -> Bool {
        (a.isNaN && b.isNaN) || (a == b && a.sign == b.sign)
    }

    /// Within `ulps` units in the last place (NaN matches NaN; infinities and zeros exactly, zeros of either sign).
    static func close<T: BinaryFloatingPoint>(_ a: T, _ b: T, ulps: T) -> Bool {
        if a.isNaN || b.isNaN { return a.isNaN && b.isNaN }
        if a.isInfinite || b.isInfinite { return a == b }
        return Swift.abs(a - b) <= ulps * Swift.max(Swift.abs(a), Swift.abs(b)).ulp
            || Swift.abs(a - b) <= ulps * T.leastNormalMagnitude
    }

    @Test("The scalar engine is the table: value and local derivative, at every edge value", arguments: table)
    func scalarEngineMatchesTable(c: ElementwiseCase) {
        for x in Self.points(c) {
            let leaf = Value(x)
            let y = c.scalar(leaf)
            let value = c.function.value(x, c.p0, c.p1), derivative = c.function.derivative(x, c.p0, c.p1)
            #expect(Self.identical(y.value, value), "\(c) value at \(x): Value \(y.value), table \(value)")
            #expect(y.elementwiseFunction == c.function, "\(c): the node records its function")
            #expect(Self.identical(y.localDerivatives[0], derivative),
                    "\(c)′ at \(x): Value \(y.localDerivatives[0]), table \(derivative)")
            y.backward()
            // The leaf's gradient accumulates from +0 (so −0 arrives as +0).
            #expect(Self.identical(leaf.grad, 0 + 1 * derivative), "\(c) backward at \(x): \(leaf.grad), table \(derivative)")
        }
    }

    @Test("The tensor engine is the table: eager, fused backward, recorded rule, compiled program (portable C kernels)",
          arguments: table)
    func tensorEngineMatchesTable(c: ElementwiseCase) throws {
        let previous = bp_elementwise_force_kernel(1)  // portable: the C library, as the table
        defer { _ = bp_elementwise_force_kernel(previous) }
        let xs = Self.points(c)
        let values = xs.map { c.function.value($0, c.p0, c.p1) }
        let derivatives = xs.map { c.function.derivative($0, c.p0, c.p1) }
        // Eager forward and the fused first-order backward loop.
        let t = Tensor<Double>(xs, requiresGradient: true)
        let y = c.tensor(t)
        y.sum().backward()
        let fused = t.gradient?.scalars ?? [Double](repeating: 0, count: xs.count)  // the step: no gradient
        // The recorded rule (createGraph: the backward pass built from tensor ops).
        let r = Tensor<Double>(xs, requiresGradient: true)
        let recorded = gradients(of: c.tensor(r).sum(), withRespectTo: [r], createGraph: true)[0].scalars
        // Compiled: the forward map kernel, and the traced backward pass.
        let forward = try TensorProgram<Double>(inputs: [Tensor(xs)]) { x in [c.tensor(x[0])] }(Tensor(xs))[0].scalars
        let backward = try TensorProgram<Double>(valueAndGradientsOf: { x in (c.tensor(x[0]) * Tensor(1)).sum() },
                                                 at: [Tensor(xs)], withRespectTo: [0])(Tensor(xs))[1].scalars
        for i in xs.indices {
            let x = xs[i]
            #expect(Self.identical(y.scalars[i], values[i]), "\(c)(\(x)): eager \(y.scalars[i]), table \(values[i])")
            #expect(Self.identical(forward[i], values[i]), "\(c)(\(x)): compiled \(forward[i]), table \(values[i])")
            #expect(Self.identical(fused[i], derivatives[i]), "\(c)′(\(x)): fused \(fused[i]), table \(derivatives[i])")
            #expect(Self.identical(recorded[i], derivatives[i]),
                    "\(c)′(\(x)): recorded rule \(recorded[i]), table \(derivatives[i])")
            #expect(Self.identical(backward[i], derivatives[i]),
                    "\(c)′(\(x)): compiled backward \(backward[i]), table \(derivatives[i])")
        }
        // Float, eager.
        let xf = xs.map { Float($0) }
        let tf = Tensor<Float>(xf, requiresGradient: true)
        let yf = c.tensorFloat(tf)
        yf.sum().backward()
        for i in xf.indices {
            let value = c.function.value(xf[i], Float(c.p0), Float(c.p1))
            let derivative = c.function.derivative(xf[i], Float(c.p0), Float(c.p1))
            #expect(Self.identical(yf.scalars[i], value), "Float \(c)(\(xf[i])): eager \(yf.scalars[i]), table \(value)")
            let g = tf.gradient?.scalars[i] ?? 0
            #expect(Self.identical(g, derivative), "Float \(c)′(\(xf[i])): fused \(g), table \(derivative)")
        }
    }

    @Test("The vectorised C kernels (automatic choice) agree with the table within 2 ulp, specials exactly",
          arguments: table)
    func automaticKernelsMatchTable(c: ElementwiseCase) {
        // 37 elements: a main loop and its masked tail (at 512 bits, floats run as tail
        // vectors only; `ElementwiseKernelTests` covers long runs at every width).
        let xs = Array((Self.points(c) + Self.points(c)).prefix(37))
        let t = Tensor<Double>(xs, requiresGradient: true)
        let y = c.tensor(t)
        y.sum().backward()
        let xf = xs.map { Float($0) }
        let tf = Tensor<Float>(xf, requiresGradient: true)
        let yf = c.tensorFloat(tf)
        yf.sum().backward()
        for i in xs.indices {
            let value = c.function.value(xs[i], c.p0, c.p1), derivative = c.function.derivative(xs[i], c.p0, c.p1)
            #expect(Self.close(y.scalars[i], value, ulps: 2), "\(c)(\(xs[i])): \(y.scalars[i]), table \(value)")
            let g = t.gradient?.scalars[i] ?? 0
            // tanh′ = 1 − y², σ′ = y(1 − y) come from the kernel's y: an error of a few ulp of
            // y is a few ulp of 1 in the derivative (large relatively where it is small).
            #expect(Self.close(g, derivative, ulps: 2) || Swift.abs(g - derivative) <= 8 * (1.0).ulp,
                    "\(c)′(\(xs[i])): \(g), table \(derivative)")
            let vf = c.function.value(xf[i], Float(c.p0), Float(c.p1))
            #expect(Self.close(yf.scalars[i], vf, ulps: 2), "Float \(c)(\(xf[i])): \(yf.scalars[i]), table \(vf)")
        }
    }

    @Test("The table's values match the C library, and its derivatives match finite differences", arguments: table)
    func tableMatchesIndependentReferences(c: ElementwiseCase) {
        let ordinary: [Double] = [-3.25, -0.7, -1e-3, 0.3, 1.1, 2.5, 7, -20, 30].filter { x in
            c.thresholds.allSatisfy { Swift.abs(x - $0) > 0.01 } && (c.function != .log && c.function != .squareRoot || x > 0)
                && c.reference(x).isFinite   // inside the domain (log1p: x > −1)
        }
        for x in ordinary {
            let value = c.function.value(x, c.p0, c.p1), reference = c.reference(x)
            #expect(Swift.abs(value - reference) <= 4 * Swift.max(Swift.abs(reference), 1e-300).ulp,
                    "\(c)(\(x)) = \(value), C library \(reference)")
            let h = 1e-6 * Swift.max(1, Swift.abs(x))
            let difference = (c.function.value(x + h, c.p0, c.p1) - c.function.value(x - h, c.p0, c.p1)) / (2 * h)
            let derivative = c.function.derivative(x, c.p0, c.p1)
            #expect(Swift.abs(difference - derivative) <= 1e-6 * Swift.max(1, Swift.abs(derivative)),
                    "\(c)′(\(x)) = \(derivative), finite difference \(difference)")
        }
        // Stability where a naive formula overflows or cancels.
        if c.function == .softplus {
            #expect(c.function.value(1000.0) == 1000, "softplus(1000) = 1000 (log(1 + e¹⁰⁰⁰) overflows)")
            #expect(Swift.abs(c.function.value(-50.0) - Foundation.exp(-50.0)) <= 2 * Foundation.exp(-50.0).ulp,
                    "softplus(−50) = e⁻⁵⁰ to the last bits (log(1 + e⁻⁵⁰) is 0)")
            #expect(c.function.derivative(-1000.0) == 0 && c.function.derivative(1000.0) == 1)
        }
    }

    @Test("The teaching text and the scalar op names come from the table")
    func namesAndText() {
        #expect(ElementwiseFunction.allCases.count == Self.table.count + 1, "every function but clamp (tensor only) is in the table")
        #expect(ScalarOp.squareRoot.elementwiseFunction == .squareRoot && ScalarOp.squareRoot.description == "sqrt")
        #expect(TensorOpKind.squareRoot.rawValue == ElementwiseFunction.squareRoot.name)
        #expect(TensorOpKind.abs.rawValue == ElementwiseFunction.abs.name && TensorOpKind.sin.rawValue == "sin")
        #expect(ElementwiseFunction.relu.derivativeText(x: "a", y: "b", parameter: "0") == "1 if a > 0, else 0")
        #expect(ElementwiseFunction.step.valueText(x: "a", parameter: "0.5") == "step(a > 0.5)")
        #expect(Value(1).softplus().opSymbol == "softplus")
    }
}
