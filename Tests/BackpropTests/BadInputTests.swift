import Testing
import Backprop

/// Every public entry point of the engine that can receive bad input, with the message
/// it must stop with. Each case runs in a child process (an exit test) and is named by a
/// string, so one table drives them all; `BadTensorInput.trigger` holds the bad calls.
///
/// Shape errors are programming errors, so they trap (`fatalError`, printed in every
/// build configuration) with a message naming the op, the shapes and the caller.
@Suite("Bad input: the tensor engine")
struct TensorBadInputTests {
    static let cases: [(name: String, message: String)] = [
        ("identity negative", "identity: n = -1 must not be negative"),
        ("randomNormal negative", "randomNormal: negative extent in [-1]"),
        ("randomUniform negative", "randomUniform: negative extent in [-2]"),
        ("mean empty", "mean: no elements to average along axes [0] of shape [0]"),
        // Every binary op, through the named method (which names the caller's file).
        ("add", "add: shapes [2, 3] and [3, 2] do not broadcast"),
        ("subtract", "subtract: shapes [2, 3] and [3, 2] do not broadcast"),
        ("multiply", "multiply: shapes [2, 3] and [3, 2] do not broadcast"),
        ("divide", "divide: shapes [2, 3] and [3, 2] do not broadcast"),
        ("power", "power: shapes [2, 3] and [3, 2] do not broadcast"),
        ("operator /", "divide: shapes [4] and [3] do not broadcast"),
        ("where", "where: shapes [2] (mask), [3] and [3] do not broadcast"),
        ("broadcasted", "broadcasted(to:): cannot broadcast [2, 3] to [3]"),
        // Matrix products.
        ("matmul rank", "matmul: [2, 3] × [3]: operands must have rank ≥ 2"),
        ("matmul batch", "matmul: [2, 2, 3] × [3, 3, 2]: batch shapes [2] and [3] do not broadcast"),
        ("matmul inner", "matmul: [2, 3] × [4, 5]: inner dimensions 3 and 4 differ"),
        ("matmul broadcast inner", "matmul: [2, 2, 3] × [4, 5]: inner dimensions 3 and 4 differ"),
        // Ops of issue 12: indices along any axis, comparisons, argmax, cumulative sums, products.
        ("gathered index", "gathered: index 3 at position [1] is out of range for axis 1 of extent 3"),
        ("gathered negative index", "gathered: index -1 at position [0, 0] is out of range for axis 0 of extent 2"),
        ("gathered fraction", "gathered: index 0.5 at position [0] is not a whole number for axis 1 of extent 3"),
        ("scatterAdded index", "scatterAdded: index 2 at position [1] is out of range for axis 0 of extent 2"),
        ("scatterAdded shape", "scatterAdded: shape [2, 3] does not hold indices of shape [3] at axis 0"),
        ("isLess shapes", "isLess: shapes [2, 3] and [3, 2] do not broadcast"),
        ("argmax empty", "argmax: axis 0 of shape [0, 2] is empty"),
        ("argmin axis", "argmin: axis 2 is out of range for shape [2, 3] (rank 2)"),
        ("cumulativeSum axis", "cumulativeSum: axis -3 is out of range for shape [2, 3] (rank 2)"),
        ("product axis", "product: axis 5 is out of range for shape [2, 3] (rank 2)"),
        // Shape changes.
        ("reshape count", "reshape: cannot reshape [2, 3] (6 elements) to [4, 2] (8 elements)"),
        ("reshape infer", "reshape: cannot infer -1 in [-1, 4] for 6 elements (shape [2, 3])"),
        ("permuted", "permuted: [0, 0] is not a permutation of the axes of shape [2, 3]"),
        ("transposed", "transposed: needs rank ≥ 2, got shape [3]"),
        // Joining.
        ("concatenated shapes", "concatenated: shapes [2, 3] and [2, 4] differ outside axis 0"),
        ("concatenated none", "concatenated: no tensors"),
        ("concatenated axis", "concatenated: axis 2 is out of range for shape [2, 3] (rank 2)"),
        ("stacked shapes", "stacked: shapes [2] and [3] differ"),
        ("stacked axis", "stacked: axis 2 is out of range for shape [2]"),
        ("stacked none", "stacked: no tensors"),
        // Indexing: labels, rows, ranges.
        ("gathered label", "gathered: class index 3 is out of range for 3 classes"),
        ("gathered negative label", "gathered: class index -1 is out of range for 3 classes"),
        ("gathered label count", "gathered: needs a [n, classes] matrix with n = 3 labels, got shape [2, 3]"),
        ("scattered label", "scattered: class index 4 is out of range for 4 classes"),
        ("selectingRows", "selectingRows: row index 5 is out of range for shape [2, 3]"),
        ("scatteredRows", "scatteredRows: row index 2 is out of range for 2 rows"),
        ("sliced range", "sliced: range 1..<4 is out of bounds for axis 0 of shape [3, 2]"),
        ("sliced count", "sliced: 3 ranges for shape [3, 2]"),
        ("padded", "padded: a tensor of shape [2] at offsets [2] does not fit in [3]"),
        ("unfolded rank", "unfolded: images must be [batch, channels, height, width], got shape [2, 2]"),
        ("unfolded kernel", "unfolded: a 2×2 image with padding 0 is smaller than the 3×3 kernel"),
        ("unfolded stride", "unfolded: kernel size 1 and stride 0 must be ≥ 1 and padding 0 ≥ 0"),
        ("folded shape", "folded: patches of shape [1, 2, 2, 3] do not match [1, 2, 2, 4] for images [1, 1, 3, 3]"),
        ("subscript index", "subscript: index [2, 0] out of range for shape [2, 2]"),
        ("subscript count", "subscript: 1 indices for a tensor of shape [2, 2]"),
        ("scalar", "scalar: tensor of shape [2] has 2 elements, not 1"),
        ("scalars setter", "scalars: 3 values for a tensor of shape [2]"),
        // Construction.
        ("init count", "Tensor(shape:scalars:): shape [2, 2] needs 4 scalars, got 3"),
        ("init negative", "Tensor(shape:): negative extent in [-1, 2]"),
        ("clamped", "clamped: lower bound 1.0 exceeds upper bound 0.0"),
        // Reductions: bad axes; max/min of an empty tensor have no value.
        ("sum axis", "sum: axis 2 is out of range for shape [2, 3] (rank 2)"),
        ("mean axis", "mean: axis -3 is out of range for shape [2, 3] (rank 2)"),
        ("softmax axis", "softmax: axis 1 is out of range for shape [3] (rank 1)"),
        ("logSoftmax axis", "logSoftmax: axis 2 is out of range for shape [2, 3] (rank 2)"),
        ("max empty", "max: empty tensor of shape [0, 3]"),
        ("min empty", "min: empty tensor of shape [0]"),
        // Backward.
        ("backward non-scalar", "backward: the tensor has shape [2] (2 elements), not a single element; call backward(upstream:) with ∂L/∂self of shape [2]"),
        ("backward upstream shape", "backward: upstream gradient has shape [3], the tensor has shape [2]"),
        ("backward constant", "backward: the tensor does not require gradients"),
        ("backward detached", "backward: the tensor does not require gradients"),
        ("backward without gradients", "backward: the tensor does not require gradients (no parameter reaches it, or it was computed inside withoutGradients)"),
        ("gradients constant", "gradients(of:): the output does not require gradients"),
        ("gradients non-scalar", "gradients(of:): the output has shape [2], not a single element; pass upstream:"),
        ("gradients upstream shape", "gradients(of:): upstream has shape [1], the output has shape [2]"),
        ("custom op gradient shape", "custom op WrongShapeGradient: gradient 0 has shape [1], input has shape [2]"),
        ("custom op gradient count", "custom op WrongCountGradient: backward returned 2 gradients for 1 inputs"),
        ("zeros negative", "Tensor(shape:): negative extent in [-1, 2]"),
        ("checkTensorGradients shape", "checkTensorGradients: f returned shape [], first evaluation gave [2]"),
    ]

    /// Entry points that stop on bad input, but with Swift's generic message instead of
    /// one naming the call (the checks belong in `Tensor+Creation.swift`, which this branch
    /// may not edit). Recorded as known issues: when they are fixed the test says so.

    @Test("bad input stops with a message naming the problem", arguments: cases)
    func badInput(name: String, message: String) async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            [name = name as String] in
            BadTensorInput.trigger(name)
        }
        let text = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
        #expect(text.contains(message), "case '\(name)': \(text)")
        if !name.hasPrefix("operator") && !name.hasPrefix("custom op") && !name.hasPrefix("backward constant")
            && !name.hasPrefix("scalar") && !name.hasPrefix("subscript") && !name.hasPrefix("zeros")
            && !name.hasPrefix("checkTensorGradients")
        {
            #expect(text.contains("BadInputTests.swift"), "case '\(name)' names the caller's file: \(text)")
        }
    }

    @Test("every case of the table has a trigger")
    func tableIsComplete() {
        #expect(Set(Self.cases.map(\.name)) == BadTensorInput.names)
        #expect(Self.cases.count == Set(Self.cases.map(\.name)).count, "case names are unique")
    }
}

/// A custom op whose backward returns a gradient of the wrong shape.
struct WrongShapeGradient: TensorFunction {
    func forward(_ inputs: [Tensor<Double>]) -> Tensor<Double> { inputs[0] * 2 }
    func backward(inputs: [Tensor<Double>], output: Tensor<Double>, upstream: Tensor<Double>) -> [Tensor<Double>?] {
        [Tensor<Double>([1])]
    }
}

/// A custom op whose backward returns one gradient too many.
struct WrongCountGradient: TensorFunction {
    func forward(_ inputs: [Tensor<Double>]) -> Tensor<Double> { inputs[0] * 2 }
    func backward(inputs: [Tensor<Double>], output: Tensor<Double>, upstream: Tensor<Double>) -> [Tensor<Double>?] {
        [upstream * 2, upstream]
    }
}

/// The bad calls, by case name (run inside the exit tests' child processes).
enum BadTensorInput {
    static let names: Set<String> = [
        "add", "subtract", "multiply", "divide", "power", "operator /", "where", "broadcasted",
        "matmul rank", "matmul batch", "matmul inner", "reshape count", "reshape infer", "permuted", "transposed",
        "concatenated shapes", "concatenated none", "concatenated axis", "stacked shapes", "stacked axis",
        "stacked none", "gathered label", "gathered negative label", "gathered label count", "scattered label",
        "selectingRows", "scatteredRows", "sliced range", "sliced count", "padded", "subscript index",
        "unfolded rank", "unfolded kernel", "unfolded stride", "folded shape",
        "subscript count", "scalar", "scalars setter", "init count", "init negative", "clamped", "sum axis",
        "mean axis", "softmax axis", "logSoftmax axis", "max empty", "min empty", "backward non-scalar",
        "backward upstream shape", "backward constant", "backward detached", "backward without gradients",
        "gradients constant", "gradients non-scalar", "gradients upstream shape", "custom op gradient shape",
        "custom op gradient count", "zeros negative", "checkTensorGradients shape", "identity negative",
        "randomNormal negative", "randomUniform negative", "mean empty",
        "matmul broadcast inner", "gathered index", "gathered negative index", "gathered fraction",
        "scatterAdded index", "scatterAdded shape", "isLess shapes", "argmax empty", "argmin axis",
        "cumulativeSum axis", "product axis",
    ]

    static func trigger(_ name: String) {
        typealias T = Tensor<Double>
        let a = T.zeros(shape: [2, 3]), b = T.zeros(shape: [3, 2])
        let p = T([1, 2], requiresGradient: true)
        switch name {
        case "add": _ = a.adding(b)
        case "subtract": _ = a.subtracting(b)
        case "multiply": _ = a.multiplied(by: b)
        case "divide": _ = a.divided(by: b)
        case "power": _ = a.raised(toPower: b)
        case "operator /": _ = T.ones(shape: [4]) / T.ones(shape: [3])
        case "where": _ = T.where(T([1, 0]), T([1, 2, 3]), T([4, 5, 6]))
        case "broadcasted": _ = a.broadcasted(to: [3])
        case "matmul rank": _ = a.matmul(T([1, 2, 3]))
        case "matmul batch": _ = T.zeros(shape: [2, 2, 3]).matmul(T.zeros(shape: [3, 3, 2]))
        case "matmul inner": _ = a.matmul(T.zeros(shape: [4, 5]))
        case "matmul broadcast inner": _ = T.zeros(shape: [2, 2, 3]).matmul(T.zeros(shape: [4, 5]))
        case "gathered index": _ = a.gathered(atIndices: [0, 3], alongAxis: 1)
        case "gathered negative index": _ = a.gathered(atIndices: T([[-1]]), alongAxis: 0)
        case "gathered fraction": _ = a.gathered(atIndices: T([0.5]), alongAxis: -1)
        case "scatterAdded index": _ = a.scatterAdded(atIndices: T([0, 2]), alongAxis: 0, extent: 2)
        case "scatterAdded shape": _ = a.scatterAdded(atIndices: T([0, 1, 1]), alongAxis: 0, extent: 2)
        case "isLess shapes": _ = a.isLess(than: b)
        case "argmax empty": _ = T.zeros(shape: [0, 2]).argmax(alongAxis: 0)
        case "argmin axis": _ = a.argmin(alongAxis: 2)
        case "cumulativeSum axis": _ = a.cumulativeSum(alongAxis: -3)
        case "product axis": _ = a.product(alongAxes: [5])
        case "reshape count": _ = a.reshaped(to: [4, 2])
        case "reshape infer": _ = a.reshaped(to: [-1, 4])
        case "permuted": _ = a.permuted([0, 0])
        case "transposed": _ = T([1, 2, 3]).transposed()
        case "concatenated shapes": _ = T.concatenated([a, T.zeros(shape: [2, 4])])
        case "concatenated none": _ = T.concatenated([])
        case "concatenated axis": _ = T.concatenated([a, a], alongAxis: 2)
        case "stacked shapes": _ = T.stacked([T([1, 2]), T([1, 2, 3])])
        case "stacked axis": _ = T.stacked([T([1, 2]), T([3, 4])], alongAxis: 2)
        case "stacked none": _ = T.stacked([])
        case "gathered label": _ = a.gathered(atClassIndices: [0, 3])
        case "gathered negative label": _ = a.gathered(atClassIndices: [-1, 0])
        case "gathered label count": _ = a.gathered(atClassIndices: [0, 1, 2])
        case "scattered label": _ = T([1, 2]).scattered(toClassIndices: [0, 4], classCount: 4)
        case "selectingRows": _ = a.selectingRows([0, 5])
        case "scatteredRows": _ = a.scatteredRows(at: [0, 2], rowCount: 2)
        case "sliced range": _ = b.sliced([1..<4])
        case "sliced count": _ = b.sliced([0..<1, 0..<1, 0..<1])
        case "padded": _ = T([1, 2]).padded(to: [3], at: [2])
        case "unfolded rank": _ = T.zeros(shape: [2, 2]).unfolded(kernelSize: 1)
        case "unfolded kernel": _ = T.zeros(shape: [1, 1, 2, 2]).unfolded(kernelSize: 3)
        case "unfolded stride": _ = T.zeros(shape: [1, 1, 2, 2]).unfolded(kernelSize: 1, stride: 0)
        case "folded shape": _ = T.zeros(shape: [1, 2, 2, 3]).folded(imageShape: [1, 1, 3, 3], kernelSize: 2)
        case "subscript index": _ = T.zeros(shape: [2, 2])[2, 0]
        case "subscript count": _ = T.zeros(shape: [2, 2])[1]
        case "scalar": _ = T([1, 2]).scalar
        case "scalars setter":
            var x = T([1, 2])
            x.scalars = [1, 2, 3]
        case "init count": _ = T(shape: [2, 2], scalars: [1, 2, 3])
        case "init negative": _ = T(shape: [-1, 2], scalars: [])
        case "clamped": _ = a.clamped(lower: 1, upper: 0)
        case "sum axis": _ = a.sum(alongAxes: [2])
        case "mean axis": _ = a.mean(alongAxes: [-3])
        case "softmax axis": _ = T([1, 2, 3]).softmax(alongAxis: 1)
        case "logSoftmax axis": _ = a.logSoftmax(alongAxis: 2)
        case "max empty": _ = T.zeros(shape: [0, 3]).max(alongAxes: [1])
        case "min empty": _ = T.zeros(shape: [0]).min(alongAxes: [0])
        case "backward non-scalar": (p * p).backward()
        case "backward upstream shape": (p * p).backward(upstream: T([1, 1, 1]))
        case "backward constant": T([1, 2]).sum().backward()
        case "backward detached": (p * p).sum().detached().backward()
        case "backward without gradients": withoutGradients { (p * p).sum() }.backward()
        case "gradients constant": _ = gradients(of: T([1, 2]).sum(), withRespectTo: [p])
        case "gradients non-scalar": _ = gradients(of: p * p, withRespectTo: [p])
        case "gradients upstream shape": _ = gradients(of: p * p, withRespectTo: [p], upstream: T([1]))
        case "custom op gradient shape": WrongShapeGradient()(p).sum().backward()
        case "custom op gradient count": WrongCountGradient()(p).sum().backward()
        case "zeros negative": _ = T.zeros(shape: [-1, 2])
        case "checkTensorGradients shape":
            // The output's shape depends on x₀ crossing 1.5: the + ε evaluation changes it.
            _ = checkTensorGradients(of: { xs in xs[0].scalars[0] > 1.5 ? xs[0].sum() : xs[0] }, at: [T([1.4999995, 2])])
        case "identity negative": _ = T.identity(-1)
        case "mean empty": _ = T.zeros(shape: [0]).mean()
        case "randomNormal negative":
            var rng = SeededGenerator(seed: 1)
            _ = T.randomNormal(shape: [-1], using: &rng)
        case "randomUniform negative":
            var rng = SeededGenerator(seed: 1)
            _ = T.randomUniform(shape: [-2], using: &rng)
        default: fatalError("no such bad-input case '\(name)'")
        }
    }
}
