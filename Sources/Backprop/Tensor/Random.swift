/// A small, fast, seedable random number generator (SplitMix64), so random tensors
/// are reproducible from a seed on every platform. Not cryptographically secure.
///
/// ```
/// z = (state += 0x9E3779B97F4A7C15);  z = (z ^ z>>30)·0xBF58476D1CE4E5B9;
/// z = (z ^ z>>27)·0x94D049BB133111EB;  next = z ^ z>>31
/// ```
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64

    /// A generator whose sequence is determined by `seed`.
    ///
    /// ```
    /// state₀ = seed
    /// ```
    public init(seed: UInt64) { state = seed }

    /// The next 64 random bits.
    ///
    /// ```
    /// SplitMix64 step
    /// ```
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform Double in [0, 1) with 53 random bits.
    ///
    /// ```
    /// u = (next() >> 11) · 2⁻⁵³
    /// ```
    public mutating func nextUnitInterval() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// A standard normal Double (Box–Muller transform of two uniform numbers).
    ///
    /// ```
    /// z = √(−2 ln u₁) · cos(2π u₂),   u₁ ∈ (0, 1]
    /// ```
    public mutating func nextNormal() -> Double {
        let u1 = 1 - nextUnitInterval()
        let u2 = nextUnitInterval()
        return (-2 * Double._log(u1)).squareRoot() * Double._cos(2 * Double.pi * u2)
    }

    /// A uniform integer in `0..<upperBound`.
    ///
    /// ```
    /// k ∈ {0, …, upperBound − 1}
    /// ```
    public mutating func nextInt(below upperBound: Int) -> Int {
        Int(next() % UInt64(upperBound))
    }
}
