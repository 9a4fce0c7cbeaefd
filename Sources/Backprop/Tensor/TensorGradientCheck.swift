/// Settings of `checkTensorGradients`. Tolerances left nil take the defaults for the
/// element type: for `Double` those of PyTorch's `gradcheck` (ε = 1e-6, atol = 1e-5,
/// rtol = 1e-3); for `Float` ε = 1e-3 and atol = rtol = 2e-3 (with a warning: Float
/// finite differences are too noisy for a trustworthy check).
///
/// ```
/// pass ⇔ |analytic − numeric| ≤ atol + rtol·|numeric|   for every smooth element
///        (at a genuine kink: the analytic value lies between the one-sided slopes)
/// ```
public struct TensorGradientCheckOptions: Sendable {
    /// Finite-difference step (nil: type default).
    public var epsilon: Double?
    /// Absolute tolerance (nil: type default).
    public var absoluteTolerance: Double?
    /// Relative tolerance (nil: type default).
    public var relativeTolerance: Double?
    /// Fast mode: compare random projections vᵀJu with directional differences; fall
    /// back to the full per-element check when they disagree.
    public var fast: Bool
    /// Seed of the random projections.
    public var seed: UInt64
    /// How many of the worst elements the report lists.
    public var reportedCount: Int
    /// Also run the backward pass twice and require bitwise-identical gradients.
    public var checkDeterminism: Bool

    /// Options with the type's default tolerances.
    ///
    /// ```
    /// TensorGradientCheckOptions(fast: true)
    /// ```
    public init(
        epsilon: Double? = nil, absoluteTolerance: Double? = nil, relativeTolerance: Double? = nil,
        fast: Bool = false, seed: UInt64 = 0x5EED, reportedCount: Int = 8, checkDeterminism: Bool = true
    ) {
        self.epsilon = epsilon
        self.absoluteTolerance = absoluteTolerance
        self.relativeTolerance = relativeTolerance
        self.fast = fast
        self.seed = seed
        self.reportedCount = reportedCount
        self.checkDeterminism = checkDeterminism
    }
}

/// The outcome of a gradient check: pass/fail, the worst elements, kinks and warnings.
/// Its `description` is a readable table.
///
/// ```
/// abs error = |analytic − numeric|,   rel error = abs error / max(|numeric|, tiny)
/// ```
public struct TensorGradientReport: CustomStringConvertible, Sendable {
    /// One checked element (or, in fast mode, one projection: index `[]`).
    ///
    /// ```
    /// (input, index, analytic, numeric, |a − n|, |a − n| / |n|)
    /// ```
    public struct Entry: Sendable {
        /// Which input tensor (position in the `at:` array); -1 for a fast-mode projection.
        public var input: Int
        /// The multi-index of the element in that input.
        public var index: [Int]
        /// The gradient from the backward pass (projected by the output weights).
        public var analytic: Double
        /// The numeric derivative the verdict used: the central difference at ε, or at
        /// ε/10, ε/100 (Richardson-extrapolated) where the loss is steep.
        public var numeric: Double
        /// |analytic − numeric|.
        public var absoluteError: Double
        /// absoluteError / |numeric| (|numeric| floored at 1e-12).
        public var relativeError: Double
        /// Whether the element failed (see `checkTensorGradients` for the rule).
        public var failed: Bool
        /// Whether the element sits at a genuine kink (such as relu at 0: the one-sided
        /// slopes stay apart as ε shrinks) that explains a mismatch with the central
        /// difference, the analytic value lying between the slopes. Not a failure.
        public var isKink: Bool
        /// One-sided slopes `(L(x) − L(x − h))/h` and `(L(x + h) − L(x))/h` at the step
        /// the verdict used (NaN for a fast-mode projection).
        public var leftSlope: Double, rightSlope: Double
        /// Why, in words, for a failure, a kink or a steep element (empty otherwise).
        public var note: String
    }

    /// Whether every element is within tolerance (kinks excepted) and, when checked,
    /// the backward pass is deterministic.
    public var passed: Bool
    /// The worst elements by absolute error, worst first.
    public var worst: [Entry]
    /// Every element that failed: outside tolerance where the loss is smooth, or outside
    /// the one-sided slopes of a kink.
    public var failures: [Entry]
    /// Elements at a genuine kink whose mismatch with the central difference is explained
    /// by non-differentiability (the analytic value lies between the one-sided slopes).
    public var kinks: [Entry]
    /// Warnings (Float precision, fast-mode fallback, non-determinism, …).
    public var warnings: [String]
    /// Number of elements (or projections) compared.
    public var checkedCount: Int
    /// The tolerances used.
    public var epsilon: Double, absoluteTolerance: Double, relativeTolerance: Double
    /// Whether two backward passes gave bitwise-identical gradients (nil when not checked).
    public var isDeterministic: Bool?
    /// Whether the verdict comes from fast mode (random projections) alone.
    public var usedFastMode: Bool

    /// The verdict and a table of the worst elements.
    ///
    /// ```
    /// input  index   analytic   numeric   abs error   rel error   status
    /// ```
    public var description: String {
        var lines: [String] = []
        let verdict = passed ? "PASSED" : "FAILED"
        lines.append("Tensor gradient check \(verdict): \(checkedCount) \(usedFastMode ? "projections" : "elements"), "
            + "\(failures.count) failing, \(kinks.count) at kinks (eps \(fmt(epsilon)), atol \(fmt(absoluteTolerance)), rtol \(fmt(relativeTolerance)))")
        for w in warnings { lines.append("warning: \(w)") }
        if !worst.isEmpty {
            let header = ["input", "index", "analytic", "numeric", "abs error", "rel error", "status"]
            var rows = [header]
            for e in worst {
                rows.append([e.input < 0 ? "all" : "\(e.input)", "\(e.index)", fmt(e.analytic), fmt(e.numeric),
                             fmt(e.absoluteError), fmt(e.relativeError),
                             e.isKink ? "kink" : (e.failed ? "FAIL" : "ok")])
            }
            let widths = header.indices.map { c in rows.map { $0[c].count }.max()! }
            for r in rows {
                lines.append(r.indices.map { c in r[c] + String(repeating: " ", count: widths[c] - r[c].count) }
                    .joined(separator: "  "))
            }
            for e in worst where !e.note.isEmpty { lines.append("\(e.input < 0 ? "all" : "\(e.input)") \(e.index): \(e.note)") }
        }
        return lines.joined(separator: "\n")
    }
}

/// A compact rendering of a Double (at most 10 significant characters of mantissa).
func fmt(_ x: Double) -> String {
    let s = "\(x)"
    if let e = s.firstIndex(of: "e") {
        let mantissa = s[..<e]
        return String(mantissa.prefix(8)) + s[e...]
    }
    return String(s.prefix(12))
}

/// Checks the backward pass of `f` against central finite differences at `inputs`.
///
/// Every element of every input is perturbed by ±ε. A non-scalar output is reduced to
/// a scalar with fixed random weights v (seeded), so the check compares vᵀJ. Each
/// element gets the verdict of ``checkGradients(at:labels:options:of:)``: where the
/// one-sided differences at ε agree it is judged by the central difference; where they
/// disagree the step shrinks to ε/10 and ε/100 — a steep element's slopes converge and
/// it is judged by the central difference at the finer step (or Richardson
/// extrapolation), a genuine kink's (relu at 0) stay apart and the analytic value must
/// lie between them. The inputs need not require gradients; fresh parameters are made
/// from their values.
///
/// ```
/// numeric = (L(x + heᵢ) − L(x − heᵢ)) / 2h,   L = Σ v ⊙ f(x),  h = ε (ε/10, ε/100 if steep)
/// smooth pass ⇔ |analytic − numeric| ≤ atol + rtol·|numeric|
/// kink pass   ⇔ min(left, right) − s ≤ analytic ≤ max(left, right) + s,  s = atol + rtol·max(|left|, |right|)
/// ```
/// Precondition: `f` returns the same shape for every evaluation.
public func checkTensorGradients<Scalar>(
    of f: ([Tensor<Scalar>]) -> Tensor<Scalar>, at inputs: [Tensor<Scalar>],
    options: TensorGradientCheckOptions = TensorGradientCheckOptions()
) -> TensorGradientReport {
    let isDouble = Scalar.self == Double.self
    let eps = options.epsilon ?? (isDouble ? 1e-6 : 1e-3)
    let atol = options.absoluteTolerance ?? (isDouble ? 1e-5 : 2e-3)
    let rtol = options.relativeTolerance ?? (isDouble ? 1e-3 : 2e-3)
    var warnings: [String] = []
    if !isDouble {
        warnings.append("checking in \(Scalar.self): finite differences in single precision are unreliable; "
            + "check in Double when you can (using eps \(fmt(eps)), tolerance \(fmt(atol)))")
    }
    var rng = SeededGenerator(seed: options.seed)
    let constants = inputs.map { $0.detached() }
    let firstOutput = f(constants)
    let weights = firstOutput.count == 1
        ? [Double](repeating: 1, count: 1)
        : (0..<firstOutput.count).map { _ in rng.nextNormal() }
    let upstream = Tensor<Scalar>(storage: weights.map { Scalar($0) }, shape: firstOutput.shape, node: nil)

    func loss(_ xs: [Tensor<Scalar>]) -> Double {
        let y = f(xs)
        if y.shape != firstOutput.shape {
            tensorError("checkTensorGradients: f returned shape \(y.shape), first evaluation gave \(firstOutput.shape)")
        }
        var total = 0.0
        for (w, v) in zip(weights, y.storage) { total += w * Double(v) }
        return total
    }
    func analytic() -> [[Double]] {
        let params = constants.map { $0.requiringGradient() }
        let y = f(params)
        guard y.requiresGradient else { return inputs.map { [Double](repeating: 0, count: $0.count) } }
        return gradients(of: y, withRespectTo: params, upstream: upstream).map { $0.storage.map { Double($0) } }
    }
    func perturbed(_ i: Int, _ j: Int, _ delta: Double) -> [Tensor<Scalar>] {
        var xs = constants
        xs[i].storage[j] += Scalar(delta)
        return xs
    }
    func within(_ a: Double, _ n: Double) -> Bool { Swift.abs(a - n) <= atol + rtol * Swift.abs(n) }
    func entry(_ input: Int, _ index: [Int], _ a: Double, _ n: Double, failed: Bool, kink: Bool,
               left: Double = .nan, right: Double = .nan, note: String = "") -> TensorGradientReport.Entry {
        let absErr = a.isNaN || n.isNaN ? Double.infinity : Swift.abs(a - n)
        return .init(input: input, index: index, analytic: a, numeric: n, absoluteError: absErr,
                     relativeError: absErr / Swift.max(Swift.abs(n), 1e-12), failed: failed, isKink: kink,
                     leftSlope: left, rightSlope: right, note: note)
    }

    let grads = analytic()
    var deterministic: Bool? = nil
    if options.checkDeterminism {
        let again = analytic()
        deterministic = zip(grads, again).allSatisfy { zip($0, $1).allSatisfy { $0.bitPattern == $1.bitPattern } }
        if deterministic == false { warnings.append("two backward passes gave different gradients") }
    }

    if options.fast {
        var entries: [TensorGradientReport.Entry] = []
        var allPass = true
        for _ in 0..<2 {
            let directions = inputs.map { x in (0..<x.count).map { _ in rng.nextNormal() } }
            var a = 0.0
            for (g, u) in zip(grads, directions) { for (gi, ui) in zip(g, u) { a += gi * ui } }
            func shifted(_ s: Double) -> [Tensor<Scalar>] {
                zip(constants, directions).map { x, u in
                    var y = x
                    for j in y.storage.indices { y.storage[j] += Scalar(s * u[j]) }
                    return y
                }
            }
            let n = (loss(shifted(eps)) - loss(shifted(-eps))) / (2 * eps)
            let ok = within(a, n)
            allPass = allPass && ok
            entries.append(entry(-1, [], a, n, failed: !ok, kink: false))
        }
        if allPass && deterministic != false {
            return TensorGradientReport(
                passed: true, worst: entries, failures: [], kinks: [], warnings: warnings, checkedCount: entries.count,
                epsilon: eps, absoluteTolerance: atol, relativeTolerance: rtol, isDeterministic: deterministic,
                usedFastMode: true)
        }
        warnings.append("fast check failed (vᵀJu disagrees with the directional difference); full per-element report follows")
    }

    var all: [TensorGradientReport.Entry] = []
    var failures: [TensorGradientReport.Entry] = []
    var kinks: [TensorGradientReport.Entry] = []
    let center = loss(constants)
    for (i, x) in constants.enumerated() {
        let strides = contiguousStrides(x.shape)
        for j in 0..<x.count {
            let a = grads[i][j]
            let v = FiniteDifferenceVerdict.judge(
                analytic: a, center: center, epsilon: eps, absoluteTolerance: atol, relativeTolerance: rtol,
                evaluate: { delta in
                    let xs = perturbed(i, j, delta)
                    return (loss(xs), Double(xs[i].storage[j]) - Double(x.storage[j]))
                },
                describe: fmt)
            let index = strides.indices.map { (j / strides[$0]) % x.shape[$0] }
            // Listed as a kink only where the kink explains a mismatch with the central difference.
            let kink = v.kind == .kink && v.passed && !v.centralAgreesAtEpsilon
            let e = entry(i, index, a, v.numeric, failed: !v.passed, kink: kink,
                          left: v.leftSlope, right: v.rightSlope, note: !v.passed || kink || v.step != eps ? v.note : "")
            all.append(e)
            if !v.passed { failures.append(e) } else if kink { kinks.append(e) }
        }
    }
    let worst = all.sorted { $0.absoluteError > $1.absoluteError }.prefix(options.reportedCount)
    return TensorGradientReport(
        passed: failures.isEmpty && deterministic != false, worst: Array(worst),
        failures: failures.sorted { $0.absoluteError > $1.absoluteError }, kinks: kinks, warnings: warnings,
        checkedCount: all.count, epsilon: eps, absoluteTolerance: atol, relativeTolerance: rtol,
        isDeterministic: deterministic, usedFastMode: false)
}

/// Checks a custom op (forward and backward) in one call.
///
/// ```
/// checkTensorGradients(of: { op($0) }, at: inputs)
/// ```
public func checkTensorGradients<F: TensorFunction>(
    of function: F, at inputs: [Tensor<F.Scalar>], options: TensorGradientCheckOptions = TensorGradientCheckOptions()
) -> TensorGradientReport {
    checkTensorGradients(of: { function($0) }, at: inputs, options: options)
}

/// Checks second-order gradients: the gradient function itself, recorded with
/// `createGraph: true`, is checked against finite differences of the gradient.
///
/// ```
/// h(x) = Σᵢ ⟨wᵢ, ∂L/∂xᵢ(x)⟩   (w random, seeded),  checked with checkTensorGradients
/// ```
public func checkSecondOrderTensorGradients<Scalar>(
    of f: @escaping ([Tensor<Scalar>]) -> Tensor<Scalar>, at inputs: [Tensor<Scalar>],
    options: TensorGradientCheckOptions = TensorGradientCheckOptions()
) -> TensorGradientReport {
    var rng = SeededGenerator(seed: options.seed &+ 1)
    let weights = inputs.map { x in
        Tensor<Scalar>(storage: (0..<x.count).map { _ in Scalar(rng.nextNormal()) }, shape: x.shape, node: nil)
    }
    let outputShape = withoutGradients { f(inputs.map { $0.detached() }).shape }
    let upstream = Tensor<Scalar>(storage: (0..<outputShape.reduce(1, *)).map { _ in Scalar(rng.nextNormal()) },
                                  shape: outputShape, node: nil)
    func h(_ xs: [Tensor<Scalar>]) -> Tensor<Scalar> {
        let params = xs.map { $0.requiresGradient ? $0 : $0.requiringGradient() }
        let y = f(params)
        guard y.requiresGradient else { return Tensor(Scalar(0)) }
        let g = gradients(of: y, withRespectTo: params, upstream: upstream, createGraph: true)
        var total = Tensor(Scalar(0))
        for (gi, wi) in zip(g, weights) { total = total + (gi * wi).sum() }
        return total
    }
    return checkTensorGradients(of: h, at: inputs, options: options)
}
