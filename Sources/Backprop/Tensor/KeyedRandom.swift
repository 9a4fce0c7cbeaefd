/// The key of the counter-based random generator: a seed and a step. Every number is a
/// pure function of the key, a stream number and the element's index (no generator
/// state), so a compiled program that takes the key as an input draws fresh numbers at
/// every run without being traced again, and eager and compiled code draw the same
/// numbers for the same key.
///
/// ```
/// mix(z)  = SplitMix64's output function of z
/// k       = mix(mix(mix(seed + γ) ⊕ (step + 1)·γ) ⊕ (stream + 1)·γ′)
/// u(i)    = (mix(k + (i + 1)·γ) >> 11) · 2⁻⁵³   ∈ [0, 1)        γ = 0x9E3779B97F4A7C15
/// ```
///
/// As a tensor (a program input or a ``LayerState`` value) the key is 8 numbers, each a
/// whole number in 0...65535 so that `Float` holds it exactly: the seed's four 16-bit
/// parts, then the step's, least significant first.
///
/// ```swift
/// let key = RandomKey(seed: 7, step: 0).tensor(as: Double.self)
/// let u = Tensor<Double>.randomUniform(shape: [2, 3], key: key)   // the same at every call
/// let next = key.advancedRandomKey()                              // step 1: new numbers
/// ```
public struct RandomKey: Hashable, Sendable {
    /// The seed.
    public var seed: UInt64
    /// The step (how many times the key was advanced).
    public var step: UInt64

    /// The key for `seed` at `step`.
    ///
    /// ```
    /// key = (seed, step)
    /// ```
    public init(seed: UInt64, step: UInt64 = 0) {
        self.seed = seed
        self.step = step
    }

    /// The shape of a key as a tensor, `[8]`.
    public static let tensorShape = [8]

    /// The key as a tensor of shape `[8]` (16-bit parts, see ``RandomKey``).
    ///
    /// ```
    /// t = [seed₀, seed₁, seed₂, seed₃, step₀, step₁, step₂, step₃],   x = Σⱼ xⱼ·2¹⁶ʲ
    /// ```
    public func tensor<Scalar: TensorScalar>(as type: Scalar.Type = Scalar.self) -> Tensor<Scalar> {
        let parts = [seed, step].flatMap { v in (0..<4).map { Scalar(Double((v >> (16 * UInt64($0))) & 0xFFFF)) } }
        return Tensor(shape: Self.tensorShape, scalars: parts)
    }

    /// The key a tensor made by ``tensor(as:)`` holds. Stops with a message naming the
    /// caller when `tensor` is not a key (wrong shape, or a part that is not a whole
    /// number in 0...65535).
    ///
    /// ```
    /// seed = Σⱼ tⱼ·2¹⁶ʲ,  step = Σⱼ t₄₊ⱼ·2¹⁶ʲ
    /// ```
    public init<Scalar: TensorScalar>(_ tensor: Tensor<Scalar>, file: StaticString = #fileID, line: UInt = #line) {
        guard tensor.shape == Self.tensorShape else {
            tensorError("RandomKey: a key tensor has shape [8], got \(tensor.shape)", file: file, line: line)
        }
        let parts = tensor.scalars   // while tracing, reading a traced key is reported like any read
        var words: [UInt64] = [0, 0]
        for (j, x) in parts.enumerated() {
            let d = Double(x)
            guard d >= 0, d <= 65535, d == d.rounded() else {
                tensorError("RandomKey: part \(j) of the key tensor is \(x), not a whole number in 0...65535 (make keys with RandomKey.tensor(as:))",
                            file: file, line: line)
            }
            words[j / 4] |= UInt64(d) << (16 * UInt64(j % 4))
        }
        self.init(seed: words[0], step: words[1])
    }

    /// The key one or more steps later (wrapping around after 2⁶⁴ − 1).
    ///
    /// ```
    /// (seed, step) ↦ (seed, step + steps)
    /// ```
    public func advanced(by steps: UInt64 = 1) -> RandomKey { RandomKey(seed: seed, step: step &+ steps) }

    /// The uniform number in [0, 1) at `index` of stream `stream` (see ``RandomKey``).
    ///
    /// ```
    /// u(i) = (mix(k + (i + 1)·γ) >> 11) · 2⁻⁵³
    /// ```
    public func unitInterval(at index: UInt64, stream: UInt64 = 0) -> Double {
        let k = streamKey(stream)
        return Double(Self.mix(k &+ (index &+ 1) &* Self.gamma) >> 11) * 0x1.0p-53
    }

    /// The per-(seed, step, stream) constant `k` of the draws.
    func streamKey(_ stream: UInt64) -> UInt64 {
        let k = Self.mix(Self.mix(seed &+ Self.gamma) ^ ((step &+ 1) &* Self.gamma))
        return Self.mix(k ^ ((stream &+ 1) &* 0xD1B5_4A32_D192_ED03))
    }

    static let gamma: UInt64 = 0x9E37_79B9_7F4A_7C15

    /// SplitMix64's output function.
    @inline(__always)
    static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension Tensor {
    /// Uniform numbers in [0, 1) drawn from a key tensor (see ``RandomKey``): the same
    /// numbers for the same key, stream and shape, eagerly or in a compiled program.
    /// The only way to draw random numbers while a program is traced: the draw is
    /// recorded as an op whose input is the key, so when the key is a program input
    /// each run draws from the key it is given. No gradient flows to the key.
    ///
    /// ```
    /// y[i] = u(i) of RandomKey(key) and stream    (row-major index i)
    /// ```
    /// Different streams give independent numbers from one key (two dropout layers
    /// sharing a key, say). Stops when `key` is not a key tensor.
    public static func randomUniform(
        shape: [Int], key: Tensor<Scalar>, stream: UInt64 = 0, file: StaticString = #fileID, line: UInt = #line
    ) -> Tensor {
        if let bad = shape.first(where: { $0 < 0 }) {
            tensorError("randomUniform: negative extent \(bad) in shape \(shape)", file: file, line: line)
        }
        return KeyedUniformDraw<Scalar>(shape: shape, stream: stream, file: file, line: line)(key)
    }

    /// The key tensor `steps` steps later (this tensor must be a key tensor, see
    /// ``RandomKey``); recorded as an op, so a program computes it from its key input.
    ///
    /// ```
    /// (seed, step) ↦ (seed, step + steps)
    /// ```
    public func advancedRandomKey(by steps: UInt64 = 1, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        RandomKeyAdvance<Scalar>(steps: steps, file: file, line: line)(self)
    }
}

/// The draw of `Tensor.randomUniform(shape:key:stream:)`: a custom op, so a program
/// runs its forward at every run on the key of that run.
///
/// ```
/// forward(key) = [u(0), …, u(n − 1)],   no gradient
/// ```
struct KeyedUniformDraw<Scalar: TensorScalar>: TensorFunction {
    let shape: [Int]
    let stream: UInt64
    let file: StaticString
    let line: UInt

    func forward(_ inputs: [Tensor<Scalar>]) -> Tensor<Scalar> {
        let key = RandomKey(inputs[0], file: file, line: line)
        let k = key.streamKey(stream)
        let n = shape.reduce(1, *)
        var values = [Scalar](repeating: 0, count: n)
        for i in 0..<n {
            // Rounded down to the largest Scalar below 1 when the conversion would round up to 1.
            let u = Scalar(Double(RandomKey.mix(k &+ (UInt64(i) &+ 1) &* RandomKey.gamma) >> 11) * 0x1.0p-53)
            values[i] = u < 1 ? u : Scalar(1).nextDown
        }
        return Tensor(shape: shape, scalars: values)
    }

    func backward(inputs: [Tensor<Scalar>], output: Tensor<Scalar>, upstream: Tensor<Scalar>) -> [Tensor<Scalar>?] { [nil] }
}

/// The op of `advancedRandomKey(by:)`.
///
/// ```
/// forward(key) = key with step + steps,   no gradient
/// ```
struct RandomKeyAdvance<Scalar: TensorScalar>: TensorFunction {
    let steps: UInt64
    let file: StaticString
    let line: UInt

    func forward(_ inputs: [Tensor<Scalar>]) -> Tensor<Scalar> {
        RandomKey(inputs[0], file: file, line: line).advanced(by: steps).tensor()
    }

    func backward(inputs: [Tensor<Scalar>], output: Tensor<Scalar>, upstream: Tensor<Scalar>) -> [Tensor<Scalar>?] { [nil] }
}
