import CBackpropKernels
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
        if bp_tracer() != nil { noteRandomDrawWhileTracing() }
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

    /// A standard normal Double (Box–Muller transform of two uniform numbers). The
    /// logarithm and cosine are our own (`portableLog`, `portableCosineOfTurns`), built
    /// from correctly rounded IEEE operations only, so a seed gives bit-identical
    /// numbers on every platform, whatever its C library.
    ///
    /// ```
    /// z = √(−2 ln u₁) · cos(2π u₂),   u₁ ∈ (0, 1]
    /// ```
    public mutating func nextNormal() -> Double {
        let u1 = 1 - nextUnitInterval()
        let u2 = nextUnitInterval()
        return (-2 * SeededGenerator.portableLog(u1)).squareRoot() * SeededGenerator.portableCosineOfTurns(u2)
    }

    /// Natural logarithm of a positive finite number using only +, −, ×, ÷ (deterministic
    /// across platforms; accurate to a few ulps).
    ///
    /// ```
    /// x = m·2ᵉ, m ∈ [√½, √2):  ln x = e·ln 2 + 2·atanh((m − 1)/(m + 1))
    /// ```
    /// Precondition: `x > 0` and finite.
    static func portableLog(_ x: Double) -> Double {
        var m = x.significand  // [1, 2)
        var e = Double(x.exponent)
        if m > 1.4142135623730951 { m *= 0.5; e += 1 }
        let s = (m - 1) / (m + 1), s2 = s * s
        var term = s, sum = 0.0
        var k = 1.0
        while k <= 25 {  // |s| ≤ 0.172: s²⁵ < 1e-19
            sum += term / k
            term *= s2
            k += 2
        }
        let ln2Hi = 0.693147180369123816490, ln2Lo = 1.90821492927058770002e-10
        return e * ln2Hi + (2 * sum + e * ln2Lo)
    }

    /// cos(2π·t) for t ∈ [0, 1) using only +, −, × (deterministic across platforms).
    ///
    /// ```
    /// 4t = k + f, |f| ≤ ½:  cos(2πt) = cos(kπ/2 + fπ/2)  via Taylor series of sin, cos on |r| ≤ π/4
    /// ```
    static func portableCosineOfTurns(_ t: Double) -> Double {
        let t4 = 4 * t
        let k = t4.rounded()
        let r = (t4 - k) * (Double.pi / 2)
        let r2 = r * r
        // Taylor series to r¹⁸ / r¹⁹: error < 1e-17 for |r| ≤ π/4.
        var c = 1.0, s = r
        var termC = 1.0, termS = r
        var n = 1.0
        while n < 19 {
            termC *= -r2 / (n * (n + 1))
            termS *= -r2 / ((n + 1) * (n + 2))
            c += termC
            s += termS
            n += 2
        }
        switch Int(k) & 3 {
        case 0: return c
        case 1: return -s
        case 2: return -c
        default: return s
        }
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
